package wallet

import "testing"

// BenchmarkKeypair_Sign is the cost of one dendrite request signature (a typical message length).
func BenchmarkKeypair_Sign(b *testing.B) {
	k, err := FromURI("//Alice")
	if err != nil {
		b.Fatal(err)
	}
	m := []byte("1732536000123456789.5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY.5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty.0f6b2a1e-ab12-11ef-9d6e-0242ac120002.a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a")
	for range b.N {
		if _, err := k.Sign(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify is the cost of checking one signature, as an axon does per request.
func BenchmarkVerify(b *testing.B) {
	k, err := FromURI("//Alice")
	if err != nil {
		b.Fatal(err)
	}
	m := []byte("message")
	s, _ := k.Sign(m)
	for range b.N {
		if !Verify(k.PublicKey(), m, s) {
			b.Fatal("does not verify")
		}
	}
}
