package store

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pindesk/pindesk/model"
)

// LockOrder checks the refs of an UpdateHolders (at least one, distinct, all of one account) and
// returns the order every implementation takes their locks in: the account-wide holder first, then
// the contacts by id. One order for every transaction that locks more than one holder means two of
// them can never each hold a lock the other waits for.
func LockOrder(refs []model.HolderRef) ([]int, error) {
	if len(refs) == 0 {
		return nil, fmt.Errorf("%w: no holder to lock", model.ErrInvalidInput)
	}
	order := make([]int, len(refs))
	for i, r := range refs {
		if r.AccountID != refs[0].AccountID {
			return nil, fmt.Errorf("%w: holders %s and %s are of different accounts", model.ErrInvalidInput, refs[0], r)
		}
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		x, y := refs[a], refs[b]
		if x.IsAccountWide() != y.IsAccountWide() {
			if x.IsAccountWide() {
				return -1
			}
			return 1
		}
		return strings.Compare(x.ContactID, y.ContactID)
	})
	for i := 1; i < len(order); i++ {
		if refs[order[i]] == refs[order[i-1]] {
			return nil, fmt.Errorf("%w: holder %s named twice", model.ErrInvalidInput, refs[order[i]])
		}
	}
	return order, nil
}
