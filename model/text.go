package model

import (
	"fmt"
	"unicode/utf8"
)

// IsControl reports a character that a terminal interprets rather than shows: a C0 or C1 control
// (ESC among them, which starts colour and cursor sequences), DEL, and the Unicode controls that
// reorder text (bidi embeddings, overrides and isolates, and the marks), which can make a name read
// as something it is not. Stored text (names, contacts, reasons, token names) may hold none of
// them, and every terminal view shows any that reach it escaped (package internal/termsafe).
func IsControl(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f: // C0, DEL, C1
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c: // left-to-right, right-to-left and Arabic letter marks
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators: a line break in disguise
		return true
	}
	return false
}

// CheckText refuses a value holding a control character (IsControl) or invalid UTF-8, naming the
// field and the character's code point, never the value.
func CheckText(field, v string) error {
	for i, r := range v {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(v[i:]); size == 1 {
				return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidInput, field)
			}
		}
		if IsControl(r) {
			return fmt.Errorf("%w: %s contains the control character U+%04X at character %d", ErrInvalidInput, field, r, utf8.RuneCountInString(v[:i])+1)
		}
	}
	return nil
}
