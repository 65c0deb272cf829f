package termsafe_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pindesk/pindesk/internal/termsafe"
	"github.com/pindesk/pindesk/model"
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

func TestJSONEscapesWhatATerminalWouldInterpretAndStaysTheSameJSON(t *testing.T) {
	in := map[string]string{"name": "\x1b[32m✓ VERIFIED\u202Egnp.exe\u0085\x7f Zoë"}
	b, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got := termsafe.JSON(b)
	if strings.ContainsFunc(string(got), func(r rune) bool { return r != '\n' && model.IsControl(r) }) {
		t.Errorf("a control character is left raw: %q", got)
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["name"] != in["name"] {
		t.Errorf("the escaped JSON reads back as %q, %v; want %q", back["name"], err, in["name"])
	}
}
