package store

import "time"

// CodeSends is what HolderTx.CountCodeSend found in the rolling window, and whether it counted the
// send. Under the holder's lock and a lock on the scope (the token, or the local operator), it
// forgets sends at or before now-window, and records a send at now only when fewer than perHolder
// sends to the holder and fewer than perScope sends by the scope lie in the window: so the limits
// are exact across goroutines, processes and every server of one PostgreSQL.
type CodeSends struct {
	Recorded bool // the send was within both limits and is counted
	Holder   int  // sends to the holder in the window, before this one
	Scope    int  // sends by the scope in the window, before this one
	// HolderOldest and ScopeOldest are the oldest sends in the window (zero when none): a limit
	// reached lifts when its oldest send leaves the window.
	HolderOldest, ScopeOldest time.Time
}
