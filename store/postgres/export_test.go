package postgres

// DenseMatches lets the tests force either search plan.
var DenseMatches = &denseMatches
