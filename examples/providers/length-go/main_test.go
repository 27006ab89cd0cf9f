package main

import (
	"context"
	"testing"
)

func TestFeatures(t *testing.T) {
	round := `{"miners":[{"uid":0,"response":{"answer":"the quick brown fox"}},` +
		`{"uid":1,"response":{"answer":6.5,"text":"two words"}},{"uid":2,"response":null},{"uid":3,"response":{"answer":null}}]}`
	got, err := features(context.Background(), []byte(round))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"features":{"0":{"bytes":19,"words":4},"1":{"bytes":9,"words":2},"2":null,"3":null}}`
	if string(got) != want {
		t.Fatalf("features\n got %s\nwant %s", got, want)
	}
}
