package ui

import (
	"fmt"
	"time"

	"github.com/pindesk/pindesk/model"
)

// badge is a status said in a symbol and a word; the tone only colours it. Nothing in the app tells
// a status by colour alone, so it reads the same on a monochrome terminal or under NO_COLOR.
type badge struct {
	symbol, word string
	tone         tone
}

func (b badge) String() string { return b.symbol + " " + b.word }

func (b badge) render(st *Styles) string { return st.badge(b.tone).Render(" " + b.String() + " ") }

// text renders the badge without its background, for tables and lines of text.
func (b badge) text(st *Styles) string { return st.tone(b.tone).Render(b.String()) }

var outcomeBadges = map[model.Outcome]badge{
	model.OutcomeVerified:      {"✓", "VERIFIED", toneGood},
	model.OutcomeMismatch:      {"✗", "WRONG PIN", toneBad},
	model.OutcomeExpired:       {"⧖", "EXPIRED", toneWarn},
	model.OutcomeLocked:        {"⊘", "LOCKED", toneBad},
	model.OutcomeSpent:         {"⊗", "SPENT", toneWarn},
	model.OutcomeNoPIN:         {"∅", "NO PIN", toneWarn},
	model.OutcomeNotApplicable: {"–", "NOT USED FOR THIS PRODUCT", toneInfo},
}

func outcomeBadge(r model.VerifyResult) badge {
	if r.Outcome == model.OutcomeMismatch && r.LockedSince != nil {
		return badge{"✗", "WRONG PIN · NOW LOCKED", toneBad}
	}
	if b, ok := outcomeBadges[r.Outcome]; ok {
		return b
	}
	return badge{"?", "UNKNOWN ANSWER " + string(r.Outcome), toneWarn}
}

// holderBadge sums up a holder's PIN state for the account screen.
func holderBadge(h model.HolderState, usesPINs bool, now time.Time) badge {
	switch {
	case !usesPINs:
		return badge{"–", "NOT USED", toneInfo}
	case h.HardLocked:
		return badge{"⊘", "HARD-LOCKED", toneBad}
	case h.Locked():
		return badge{"⊘", "LOCKED", toneBad}
	case len(h.PINs) == 0:
		return badge{"∅", "NO PIN", toneWarn}
	}
	active, expired := 0, 0
	for _, p := range h.PINs {
		switch {
		case p.Active(now):
			active++
		case p.Expired(now):
			expired++
		}
	}
	switch {
	case active == 0 && expired > 0:
		return badge{"⧖", "EXPIRED", toneWarn}
	case active == 0:
		return badge{"⊗", "SPENT", toneWarn}
	case h.MaxFailures > 0 && h.MaxFailures-h.Failures == 1:
		return badge{"!", "1 TRY LEFT", toneWarn}
	case h.Failures > 0:
		return badge{"!", fmt.Sprintf("%d TRIES LEFT", h.MaxFailures-h.Failures), toneWarn}
	}
	return badge{"✓", "ACTIVE", toneGood}
}
