package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/pindesk/pindesk/model"
)

// pinInput is the masked PIN field. It keeps the digits in a fixed array rather than a string or
// a textinput's rune slice, so that they can be overwritten with zeros the moment they are sent
// (take) or abandoned (wipe) and no copy is left behind in the model. It accepts digits only, up
// to the policy's longest PIN, and shows one dot per digit typed.
type pinInput struct {
	buf      [model.MaxPINLength]byte
	n        int
	min, max int
}

func newPINInput(p model.Policy) pinInput {
	var in pinInput
	in.setPolicy(p)
	return in
}

func (in *pinInput) setPolicy(p model.Policy) {
	in.min, in.max = p.MinLength, p.MaxLength
	if in.max <= 0 || in.max > model.MaxPINLength {
		in.max = model.MaxPINLength
	}
	if in.min <= 0 || in.min > in.max {
		in.min = in.max
	}
	if in.n > in.max {
		in.wipe()
	}
}

// Len is how many digits are typed.
func (in *pinInput) Len() int { return in.n }

// Complete reports whether the digits typed make a PIN of an allowed length.
func (in *pinInput) Complete() bool { return in.n >= in.min && in.n <= in.max }

// typeText adds the digits of s. It reports false, adding nothing, when s holds anything but
// digits (a letter is never a slip worth guessing about) or would make the PIN too long.
func (in *pinInput) typeText(s string) bool {
	if s == "" || in.n+len(s) > in.max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	for i := 0; i < len(s); i++ {
		in.buf[in.n] = s[i]
		in.n++
	}
	return true
}

// paste adds a pasted PIN, such as one a chat customer typed, ignoring the spaces and dashes
// people put between digit groups. Anything else refuses the whole paste.
func (in *pinInput) paste(s string) bool {
	var digits [model.MaxPINLength]byte
	n := 0
	ok := true
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '\t' || r == '\n' || r == '\r':
		case r >= '0' && r <= '9' && in.n+n < in.max:
			digits[n] = byte(r)
			n++
		default:
			ok = false
		}
		if !ok {
			break
		}
	}
	if ok && n > 0 {
		ok = in.typeText(string(digits[:n]))
	}
	for i := range digits {
		digits[i] = 0
	}
	return ok && n > 0
}

func (in *pinInput) backspace() {
	if in.n > 0 {
		in.n--
		in.buf[in.n] = 0
	}
}

// wipe forgets the digits, overwriting them.
func (in *pinInput) wipe() {
	for i := range in.buf {
		in.buf[i] = 0
	}
	in.n = 0
}

// take returns the PIN and wipes the field. The string goes into the verification request and
// nowhere else.
func (in *pinInput) take() string {
	s := string(in.buf[:in.n])
	in.wipe()
	return s
}

// value returns the PIN without wiping the field: the digits stay in the buffer while the answer is
// awaited, so that a PIN the server never checked (offline, rate limited) can be sent again
// without the caller reading it out again. The string goes into the verification request only.
func (in *pinInput) value() string { return string(in.buf[:in.n]) }

// isZero reports whether no digit remains anywhere in the buffer (for tests and assertions).
func (in *pinInput) isZero() bool {
	for _, c := range in.buf {
		if c != 0 {
			return false
		}
	}
	return in.n == 0
}

// update handles a key; it reports whether the key was the field's (a digit, delete or clear).
func (in *pinInput) update(msg tea.KeyPressMsg, km *KeyMap) (handled, refused bool) {
	switch {
	case key.Matches(msg, km.Entry.Delete):
		in.backspace()
		return true, false
	case key.Matches(msg, km.Entry.Clear):
		in.wipe()
		return true, false
	case msg.Mod == 0 && msg.Text != "":
		if in.typeText(msg.Text) {
			return true, false
		}
		return true, true
	}
	return false, false
}

// view draws one filled dot per digit typed and an open dot for each still expected, so the agent
// sees how many digits are missing without seeing any of them.
func (in *pinInput) view(st *Styles) string {
	var sb strings.Builder
	for i := 0; i < max(in.min, in.n); i++ {
		if i > 0 {
			sb.WriteByte(' ')
		}
		if i < in.n {
			sb.WriteString("●")
		} else {
			sb.WriteString("○")
		}
	}
	if in.max > in.min && in.n >= in.min && in.n < in.max {
		sb.WriteString(" …")
	}
	return st.PIN.Render(sb.String())
}
