package sqlite

// WithThrowaway opens a database that is deleted when it is closed and never opened again: the
// demo's, in a temporary folder. Its commits are not fsync'd (synchronous=OFF): a power cut
// could lose its last commits, which only matters to a database someone will open again. Each
// commit is still atomic (WAL), and every answer is what a durable store would give.
//
// The demo seeds its scenarios through the core, as production state is made, one durable write
// at a time: some forty fsync'd commits before its first frame, 30–90 ms on a busy disk.
func WithThrowaway() Option { return func(o *options) { o.throwaway = true } }

// synchronous is the synchronous pragma of a connection: FULL, so that a verification's answer is
// never shown before its count is on disk (see the package doc), except on a throwaway database.
func synchronous(o options) string {
	if o.throwaway {
		return "OFF"
	}
	return "FULL"
}
