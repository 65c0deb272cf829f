package server

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a token bucket: PerSecond attempts refill it, Burst is its size. PerSecond <= 0 turns
// the limit off.
type Limit struct {
	PerSecond float64
	Burst     int
}

// Default verification limits. Lockout already stops guessing one holder's PIN after six tries;
// these stop the two things lockout cannot:
//   - per token: one desk (or one stolen token) sweeping many accounts, locking every customer out
//     or trying a few guesses on each. An agent verifies a caller every minute or so; 2 a second
//     sustained, 20 at once, is far above any human desk and far below a sweep.
//   - per account: many tokens (a botnet of stolen desks, or the portal) hammering one account
//     between unlocks. 12 at once covers two holders giving their PINs a few times; then one every
//     5 seconds.
var (
	DefaultTokenVerifyLimit   = Limit{PerSecond: 2, Burst: 20}
	DefaultAccountVerifyLimit = Limit{PerSecond: 0.2, Burst: 12}
)

// DefaultTokenUnlockLimit bounds unlocks per token of a role that may also verify: 10 an hour.
// Unlocking is what a guesser with a supervisor's token needs between rounds of guesses; a desk
// unlocks a few customers a day.
var DefaultTokenUnlockLimit = PerHour(10)

// PerHour is a limit of n an hour, n of them at once.
func PerHour(n int) Limit { return Limit{PerSecond: float64(n) / 3600, Burst: n} }

// keyedLimiter is one token bucket per key (a token id, an account id), created on first use and
// forgotten once full again, so its memory follows the keys in active use rather than every key
// ever seen.
type keyedLimiter struct {
	limit     Limit
	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	lastSweep time.Time
}

// sweepEvery bounds how often full buckets are dropped.
const sweepEvery = time.Minute

func newKeyedLimiter(l Limit) *keyedLimiter {
	if l.PerSecond <= 0 {
		return nil
	}
	if l.Burst < 1 {
		l.Burst = 1
	}
	return &keyedLimiter{limit: l, buckets: map[string]*rate.Limiter{}}
}

// reserve takes one attempt from key's bucket at now. It returns the wait before the attempt would
// be allowed; when that is positive nothing is taken and the reservation is cancelled. A nil limiter
// allows everything.
func (k *keyedLimiter) reserve(key string, now time.Time) (*rate.Reservation, time.Duration) {
	if k == nil {
		return nil, 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.lastSweep) > sweepEvery {
		k.sweep(now)
	}
	b, ok := k.buckets[key]
	if !ok {
		b = rate.NewLimiter(rate.Limit(k.limit.PerSecond), k.limit.Burst)
		k.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return nil, d
	}
	return r, 0
}

// sweep drops every bucket that has refilled: a new one in its place behaves identically.
func (k *keyedLimiter) sweep(now time.Time) {
	k.lastSweep = now
	for key, b := range k.buckets {
		if b.TokensAt(now) >= float64(k.limit.Burst) {
			delete(k.buckets, key)
		}
	}
}

// size is the number of buckets held (tests).
func (k *keyedLimiter) size() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}
