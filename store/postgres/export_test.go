package postgres

// WithDenseMatches sets the number of matching terms from which the store's SearchAccounts takes
// its dense plan, so the tests can force either plan on a store of their own.
func WithDenseMatches(n int) Option { return func(o *options) { o.dense = n } }

// Unchain makes s append audit events as before the chain, for the benchmarks that weigh it.
func Unchain(s *Store) { s.unchained = true }
