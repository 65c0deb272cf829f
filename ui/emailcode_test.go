package ui

import (
	"strings"
	"testing"

	"github.com/pindesk/pindesk/internal/uitest"
	"github.com/pindesk/pindesk/model"
)

// A caller with no PIN at hand: e on the PIN field emails a code; the status line says where and
// until when, never the code; the caller reads it back and it verifies as an emailed code.
func TestProgramCallerWithoutAPINIsVerifiedByAnEmailedCode(t *testing.T) {
	t.Parallel()
	f := uitest.Scenarios(t, agent)
	tm := startProgram(t, f, Options{})
	press(tm, "type:ACC-1007")
	waitFor(t, tm, "Tandem Cycles")
	press(tm, "enter")
	waitFor(t, tm, "Tia Tandem · holder")
	press(tm, "enter")
	waitFor(t, tm, "No PIN at hand? e emails a one-time code")
	press(tm, "e")
	waitFor(t, tm, "Code sent to t•••@tandem.test, valid until", "ask the caller to read it", "Type the code the caller reads back")
	code := f.Code()
	press(tm, "type:"+code, "enter")
	waitFor(t, tm, "VERIFIED", "Verified by emailed code")
	// A locked caller is sent no code, and told why.
	press(tm, "ctrl+e", "type:ACC-1004")
	waitFor(t, tm, "Quill Legal")
	press(tm, "enter")
	waitFor(t, tm, "Tom Quill · holder")
	press(tm, "enter", "e")
	waitFor(t, tm, "No code sent:", "locked")
	press(tm, "ctrl+c")
	a := finalApp(t, tm)
	if strings.Contains(a.View().Content, code) {
		t.Error("the code is on the screen")
	}
	byCode := 0
	for _, e := range f.Verifies() {
		if e.AccountID == "a7" && e.Kind == model.KindEmailed && e.Outcome == string(model.OutcomeVerified) {
			byCode++
		}
	}
	if byCode != 1 {
		t.Errorf("%d verifications by emailed code audited, want 1", byCode)
	}
}
