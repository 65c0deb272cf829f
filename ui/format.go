package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/pindesk/pindesk/model"
)

// span says a duration the way an agent reads it aloud: the two largest units, rounded down, so
// "expires in 9m" is never optimistic.
func span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d < time.Minute {
		return "under a minute"
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	}
	return fmt.Sprintf("%dm", mins)
}

// stamp is a time on the agent's clock.
func stamp(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04") }

// pinDetail says what one PIN of a holder is good for.
func pinDetail(p model.PINState, now time.Time) string {
	switch {
	case p.SpentAt != nil:
		return fmt.Sprintf("%s spent %s ago", p.Kind, span(now.Sub(*p.SpentAt)))
	case p.ExpiresAt == nil:
		return string(p.Kind)
	case p.Expired(now):
		return fmt.Sprintf("%s expired %s ago", p.Kind, span(now.Sub(*p.ExpiresAt)))
	}
	return fmt.Sprintf("%s, %s left", p.Kind, span(p.ExpiresAt.Sub(now)))
}

// holderDetail is the rest of a holder's line: its PINs, failures and lock.
func holderDetail(h model.HolderState, usesPINs bool, now time.Time, loc *time.Location) string {
	if !usesPINs {
		return ""
	}
	if h.Locked() {
		return fmt.Sprintf("since %s (%s ago)", stamp(*h.LockedSince, loc), span(now.Sub(*h.LockedSince)))
	}
	var parts []string
	for _, p := range h.PINs {
		parts = append(parts, pinDetail(p, now))
	}
	if h.Failures > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d failed", h.Failures, h.MaxFailures))
	}
	return strings.Join(parts, " · ")
}

// holderName names a holder for the agent: a contact by name, or the account-wide PIN.
func holderName(a model.Account, holderID string) string {
	if holderID == model.AccountWide {
		return "Account-wide PIN"
	}
	if c, ok := a.Contact(holderID); ok {
		return c.Name
	}
	return safe(holderID)
}

// pinOf names a PIN of a holder by its kind: "account-wide master PIN", or "master PIN of Ana
// Vega". (The account-wide holder is not a person: "master PIN of Account-wide PIN" reads wrong.)
// An empty kind names the holder's PIN whatever its kind.
func pinOf(a model.Account, holderID string, kind model.Kind) string {
	k := ""
	if kind != "" {
		k = string(kind) + " "
	}
	if holderID == model.AccountWide {
		return "account-wide " + k + "PIN"
	}
	return k + "PIN of " + holderName(a, holderID)
}

// plural is n with the noun that agrees with it: "1 event", "2 events".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// whoLabel names who is being verified: "Ana Vega (holder)" or "Mia Vega with the account-wide PIN".
func whoLabel(a model.Account, holderID, callerID string) string {
	if holderID == model.AccountWide {
		if c, ok := a.Contact(callerID); ok {
			return fmt.Sprintf("%s (%s) with the account-wide PIN", c.Name, c.Role)
		}
		return "the account-wide PIN"
	}
	if c, ok := a.Contact(holderID); ok {
		return fmt.Sprintf("%s (%s)", c.Name, c.Role)
	}
	return safe(holderID)
}

// fit cuts or pads s to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = ansi.Truncate(s, w, "…")
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// clip cuts s to at most w cells.
func clip(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// clipLines cuts every line of s to w cells and keeps at most h lines.
func clipLines(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if h >= 0 && len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = clip(l, w)
	}
	return strings.Join(lines, "\n")
}

// hang wraps s to lines of at most w cells, the lines after the first indented by indent cells
// (under the text that follows a symbol such as "✓ ").
func hang(s string, w, indent int) []string {
	if w <= indent+10 {
		indent = 0
	}
	lines := wrap(s, w)
	if len(lines) == 1 {
		return lines
	}
	rest := wrap(strings.Join(lines[1:], " "), w-indent)
	for i := range rest {
		rest[i] = strings.Repeat(" ", indent) + rest[i]
	}
	return append(lines[:1], rest...)
}

// styleLines renders each line in st (a style over several lines would pad them to one width).
func styleLines(st lipgloss.Style, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = st.Render(l)
	}
	return out
}
