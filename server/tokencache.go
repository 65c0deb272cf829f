package server

import (
	"sync"
	"time"
)

// DefaultTokenCacheTTL is how long a successful token lookup is reused. Looking a token up costs a
// database read on every request; reusing it for a moment costs this: a token revoked by another
// process (pindesk admin token revoke) is still accepted for up to this long. A revocation through
// this server's API takes effect at once.
const DefaultTokenCacheTTL = 2 * time.Second

// tokenCacheMax bounds the cache. Only tokens that exist are cached, so an attacker trying random
// tokens cannot grow it; past the bound it is simply emptied.
const tokenCacheMax = 10000

type tokenCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[string]cachedToken
}

type cachedToken struct {
	c       caller
	expires time.Time
}

func newTokenCache(ttl time.Duration) *tokenCache {
	return &tokenCache{ttl: ttl, entries: map[string]cachedToken{}}
}

func (tc *tokenCache) get(hash []byte, now time.Time) (caller, bool) {
	if tc.ttl <= 0 {
		return caller{}, false
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	e, ok := tc.entries[string(hash)]
	if !ok || now.After(e.expires) {
		return caller{}, false
	}
	return e.c, true
}

func (tc *tokenCache) put(hash []byte, c caller, now time.Time) {
	if tc.ttl <= 0 {
		return
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.entries) >= tokenCacheMax {
		tc.entries = map[string]cachedToken{}
	}
	tc.entries[string(hash)] = cachedToken{c: c, expires: now.Add(tc.ttl)}
}

// forget drops every cached lookup (after a revocation).
func (tc *tokenCache) forget() {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.entries = map[string]cachedToken{}
}
