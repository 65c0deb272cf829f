// Package termsafe makes data safe to print on a terminal. Account names, contacts, reasons, token
// names and audit fields come from imports and API callers; a terminal would interpret an ESC
// sequence in one (recolouring the screen, moving the cursor, faking a "✓ VERIFIED") or let a bidi
// override make it read backwards. String shows each such character escaped instead, so an operator
// sees exactly what is stored and nothing more.
package termsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pindesk/pindesk/model"
)

// String returns s with every control character (model.IsControl) and every byte of invalid UTF-8
// written as a visible escape: \t, \n and \r by name, \xNN for other bytes below U+00A0, and \uNNNN
// above. Everything else, including non-Latin letters and emoji, is left as it is.
func String(s string) string {
	if safe(s) {
		return s // the common case allocates nothing
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case model.IsControl(r) && r < 0xa0:
			fmt.Fprintf(&b, `\x%02x`, r)
		case model.IsControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func safe(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || model.IsControl(r) {
			return false
		}
		i += size
	}
	return true
}

// Lines is String applied to each line of s, keeping its line breaks: for a message of several
// lines (an import's list of faults) whose parts may carry data.
func Lines(s string) string {
	if safe(strings.ReplaceAll(s, "\n", "")) {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = String(l)
	}
	return strings.Join(lines, "\n")
}

// JSON escapes, in encoded JSON, the control characters encoding/json leaves as they are (DEL, C1
// controls, the bidi controls and marks) as \uNNNN, so the document is still the same JSON and a
// terminal shows it as it is. encoding/json escapes C0 controls inside strings itself, and the
// line breaks and tabs outside them are its indentation, so those are left alone; every character
// escaped here can only be inside a string, where \uNNNN means the same character.
func JSON(b []byte) []byte {
	escape := func(r rune) bool { return r >= 0x7f && model.IsControl(r) }
	if !strings.ContainsFunc(string(b), escape) {
		return b
	}
	var out strings.Builder
	for _, r := range string(b) {
		if escape(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	return []byte(out.String())
}
