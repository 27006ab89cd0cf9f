package dendrite

import "testing"

// FuzzBodyHash: arbitrary bodies never panic, and a body that hashes also re-encodes to an object
// with the same hash (key order and values survive decodeObject/encode).
func FuzzBodyHash(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,2.5,"x",true,null]}`, `{"a":{"b":1e400}}`, `{"a":1,"a":2}`, `[`, `{"a":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h1, err := BodyHash(body, []string{"a", "b"})
		if err != nil {
			return
		}
		obj, err := decodeObject(body)
		if err != nil {
			t.Fatalf("BodyHash accepted %q but decodeObject refused it: %v", body, err)
		}
		h2, err := BodyHash(obj.encode(), []string{"a", "b"})
		if err != nil || h1 != h2 {
			t.Fatalf("re-encoded body hashes differently: %s vs %s (%v)", h1, h2, err)
		}
	})
}
