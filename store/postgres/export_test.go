package postgres

// DenseMatches lets the tests force either search plan.
var DenseMatches = &denseMatches

// Unchain makes s append audit events as before the chain, for the benchmarks that weigh it.
func Unchain(s *Store) { s.unchained = true }
