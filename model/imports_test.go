package model

import "testing"

func TestAPrunedHolderIsDescribedInWordsThatAgreeWithTheirCounts(t *testing.T) {
	for _, c := range []struct {
		name string
		h    PrunedHolder
		want string
	}{
		{"one failed attempt", PrunedHolder{AccountID: "A-1", ContactID: "c2", Name: "Niamh", Failures: 1, PINs: []Kind{KindMaster}},
			"account A-1 contact c2 (Niamh; PINs: master; 1 failed attempt)"},
		{"several failed attempts, locked", PrunedHolder{AccountID: "A-1", ContactID: "c2", Name: "Niamh", Failures: 6, Locked: true},
			"account A-1 contact c2 (Niamh; no PINs; locked; 6 failed attempts)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.h.Describe(); got != c.want {
				t.Errorf("Describe() = %q, want %q", got, c.want)
			}
		})
	}
}
