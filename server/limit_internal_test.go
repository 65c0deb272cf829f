package server

import (
	"fmt"
	"testing"
	"time"
)

// TestBucketsAreForgottenOnceFull shows the limiter's memory follows the keys in use: a sweep of
// many accounts leaves nothing behind once their buckets refill.
func TestBucketsAreForgottenOnceFull(t *testing.T) {
	t.Parallel()
	k := newKeyedLimiter(Limit{PerSecond: 1, Burst: 2})
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	k.lastSweep = now
	for i := 0; i < 10000; i++ {
		if _, wait := k.reserve(fmt.Sprintf("acc-%d", i), now); wait != 0 {
			t.Fatalf("first attempt on a fresh key waited %v", wait)
		}
	}
	if k.size() != 10000 {
		t.Fatalf("size %d", k.size())
	}
	later := now.Add(sweepEvery + time.Second)
	if _, wait := k.reserve("acc-new", later); wait != 0 {
		t.Fatal(wait)
	}
	if k.size() != 1 {
		t.Fatalf("size %d after the sweep, want only the key in use", k.size())
	}
}

func TestALimitAllowsItsBurstThenAsksForTheRefillTime(t *testing.T) {
	t.Parallel()
	k := newKeyedLimiter(Limit{PerSecond: 0.5, Burst: 3})
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if _, wait := k.reserve("t", now); wait != 0 {
			t.Fatalf("attempt %d waited %v", i+1, wait)
		}
	}
	_, wait := k.reserve("t", now)
	if wait != 2*time.Second {
		t.Fatalf("wait %v, want 2s (one token at 0.5/s)", wait)
	}
	if _, wait := k.reserve("t", now.Add(2*time.Second)); wait != 0 {
		t.Fatalf("after the refill: %v", wait)
	}
	if retryAfterSeconds(1500*time.Millisecond) != 2 || retryAfterSeconds(time.Millisecond) != 1 {
		t.Fatal("Retry-After must round up to whole seconds")
	}
}

func TestAnOffLimitAllowsEverything(t *testing.T) {
	t.Parallel()
	if k := newKeyedLimiter(Limit{PerSecond: -1}); k != nil {
		t.Fatal("a negative rate must turn the limit off")
	}
	var k *keyedLimiter
	if _, wait := k.reserve("x", time.Now()); wait != 0 {
		t.Fatal(wait)
	}
}
