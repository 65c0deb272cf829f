package termsafe_test

import (
	"testing"

	"github.com/pindesk/pindesk/internal/termsafe"
)

func TestStringShowsEveryControlEscapedAndLeavesTextAlone(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain text is unchanged", "Ada Lovelace Ltd", "Ada Lovelace Ltd"},
		{"letters of any script and emoji are unchanged", "Zoë Ωmega 山田 ☎", "Zoë Ωmega 山田 ☎"},
		{"an ESC colour sequence is shown, not run", "\x1b[32m✓ VERIFIED\x1b[0m", `\x1b[32m✓ VERIFIED\x1b[0m`},
		{"a bell and a backspace are shown", "a\x07b\x08", `a\x07b\x08`},
		{"tab, newline and carriage return are shown by name", "a\tb\nc\rd", `a\tb\nc\rd`},
		{"DEL is shown", "a\x7f", `a\x7f`},
		{"a C1 control (CSI) is shown", "a\u009b31m", `a\x9b31m`},
		{"a right-to-left override is shown", "abc\u202Etxt.exe", `abc\u202etxt.exe`},
		{"bidi isolates are shown", "\u2066x\u2069", `\u2066x\u2069`},
		{"direction marks are shown", "\u200Ex\u200F", `\u200ex\u200f`},
		{"invalid UTF-8 is shown byte by byte", "a\xffb", `a\xffb`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := termsafe.String(c.in); got != c.want {
				t.Errorf("String(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}
