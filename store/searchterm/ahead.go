package searchterm

import (
	"sync"

	"github.com/pindesk/pindesk/model"
)

// aheadWindow is how many accounts' terms Ahead may hold ready: enough to keep the writer busy,
// few enough that an import of any size holds little (an account has about sixty terms).
const aheadWindow = 256

// Terms hands out the terms of a list of accounts, in order, made on a goroutine of their own.
type Terms struct {
	next chan []Term
	done chan struct{}
	stop sync.Once
}

// Ahead starts making the terms of accounts (Account, in region) on another goroutine, up to
// aheadWindow accounts ahead of Next. An import or a reindex writes the terms of one account while
// the next ones are made: making them (folding, reading phone numbers) costs about half as much
// as writing them, and the writer holds the database's write lock, so it should not wait for it.
// The caller must call Stop when done, read to the end or not.
func Ahead(accounts []model.Account, region string) *Terms {
	t := &Terms{next: make(chan []Term, aheadWindow), done: make(chan struct{})}
	go func() {
		defer close(t.next)
		for _, a := range accounts {
			select {
			case t.next <- Account(a, region):
			case <-t.done:
				return
			}
		}
	}()
	return t
}

// Next returns the terms of the next account: Account(accounts[i], region) on the i-th call.
func (t *Terms) Next() []Term { return <-t.next }

// Stop ends the goroutine making them, once it has finished the account it is on.
func (t *Terms) Stop() { t.stop.Do(func() { close(t.done) }) }
