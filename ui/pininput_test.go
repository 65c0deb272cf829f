package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pindesk/pindesk/model"
)

func TestPINInput(t *testing.T) {
	t.Parallel()
	km := NewKeyMap(model.OpAgent)
	st := newStyles(true, true)
	press := func(in *pinInput, keys ...string) {
		for _, k := range keys {
			in.update(keyMsg(k), km)
		}
	}
	tests := []struct {
		name      string
		policy    model.Policy
		keys      []string
		paste     string
		wantLen   int
		complete  bool
		wantView  string
		wantTaken string
	}{
		{name: "digits are taken one per key and shown as one dot each", keys: []string{"4", "8", "2"},
			wantLen: 3, wantView: "● ● ● ○ ○ ○", wantTaken: "482"},
		{name: "letters and symbols are refused", keys: []string{"4", "q", "x", "?", "8"},
			wantLen: 2, wantView: "● ● ○ ○ ○ ○", wantTaken: "48"},
		{name: "no more digits than the policy's longest PIN", keys: []string{"1", "2", "3", "4", "5", "6", "7", "8"},
			wantLen: 6, complete: true, wantView: "● ● ● ● ● ●", wantTaken: "123456"},
		{name: "backspace removes the last digit", keys: []string{"1", "2", "3", "backspace"},
			wantLen: 2, wantView: "● ● ○ ○ ○ ○", wantTaken: "12"},
		{name: "ctrl+u clears the field", keys: []string{"1", "2", "3", "ctrl+u", "9"},
			wantLen: 1, wantView: "● ○ ○ ○ ○ ○", wantTaken: "9"},
		{name: "a pasted PIN with spaces and dashes is taken as its digits", paste: "482 - 915",
			wantLen: 6, complete: true, wantView: "● ● ● ● ● ●", wantTaken: "482915"},
		{name: "a paste with a letter in it is refused whole", paste: "48a915",
			wantLen: 0, wantView: "○ ○ ○ ○ ○ ○", wantTaken: ""},
		{name: "a variable-length policy shows the minimum and hints at more", policy: model.Policy{MinLength: 4, MaxLength: 8},
			keys: []string{"1", "2", "3", "4", "5"}, wantLen: 5, complete: true, wantView: "● ● ● ● ● …", wantTaken: "12345"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := model.DefaultPolicy()
			if tt.policy.MaxLength != 0 {
				p.MinLength, p.MaxLength = tt.policy.MinLength, tt.policy.MaxLength
			}
			in := newPINInput(p)
			press(&in, tt.keys...)
			if tt.paste != "" {
				in.paste(tt.paste)
			}
			if in.Len() != tt.wantLen || in.Complete() != tt.complete {
				t.Fatalf("len %d complete %v, want %d %v", in.Len(), in.Complete(), tt.wantLen, tt.complete)
			}
			if got := ansi.Strip(in.view(st)); got != tt.wantView {
				t.Fatalf("view %q, want %q", got, tt.wantView)
			}
			if got := in.take(); got != tt.wantTaken {
				t.Fatalf("took %q, want %q", got, tt.wantTaken)
			}
			if !in.isZero() {
				t.Fatalf("digits remain in the buffer after take: %v", in.buf)
			}
		})
	}
}

func TestPINInputWipeOverwritesEveryDigit(t *testing.T) {
	t.Parallel()
	in := newPINInput(model.Policy{MinLength: 12, MaxLength: 12})
	in.typeText("987654321098")
	in.backspace()
	in.wipe()
	if !in.isZero() {
		t.Fatalf("buffer after wipe: %v", in.buf)
	}
}

func TestPINInputIgnoresKeysWithModifiers(t *testing.T) {
	t.Parallel()
	in := newPINInput(model.DefaultPolicy())
	km := NewKeyMap(model.OpAgent)
	handled, _ := in.update(tea.KeyPressMsg{Code: '1', Text: "1", Mod: tea.ModAlt}, km)
	if handled || in.Len() != 0 {
		t.Fatalf("alt+1 typed a digit")
	}
}
