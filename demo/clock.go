package demo

import (
	"sync"
	"time"
)

// Clock is the demo's clock: the real time plus an offset the trainer moves. It keeps running, so
// a countdown on screen ticks as it would on a real call, and Advance jumps it forward (to show a
// PIN expiring without waiting a day). It implements core.Clock and is safe for concurrent use.
type Clock struct {
	real func() time.Time

	mu     sync.Mutex
	offset time.Duration // trainer's moves since the last Reset
	seed   time.Duration // a step of the seeding, back in time; 0 outside seeding
}

// NewClock returns a clock at the real time given by real (time.Now when nil).
func NewClock(real func() time.Time) *Clock {
	if real == nil {
		real = time.Now
	}
	return &Clock{real: real}
}

// Now is the demo time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.real().Add(c.offset + c.seed)
}

// Advance moves the clock forward by d; a non-positive d does nothing, as the demo's PINs and
// audit trail never run backwards.
func (c *Clock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Offset is how far the trainer has moved the clock ahead of the real time.
func (c *Clock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// Reset puts the clock back at the real time.
func (c *Clock) Reset() {
	c.mu.Lock()
	c.offset = 0
	c.mu.Unlock()
}

// at places the clock d from the trainer's now while seeding (d <= 0: in the past).
func (c *Clock) at(d time.Duration) {
	c.mu.Lock()
	c.seed = d
	c.mu.Unlock()
}
