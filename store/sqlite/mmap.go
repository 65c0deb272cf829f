package sqlite

import "strconv"

// readerMmapSize is the mmap_size of every read connection: how much of the database file SQLite
// reads through a memory map instead of read calls into its page cache.
//
// A search walks index pages spread over the whole file (at 100,000 accounts: 830 MB, most of it
// the search terms and their per-account index), far more than the 2 MB page cache holds, so
// without a map a third of a keystroke's CPU went to pread system calls copying pages the
// operating system already had in memory. Mapped, a page is read where the kernel keeps it: the
// keystroke benchmark (ui.BenchmarkKeystrokeToResults100k) fell from 9–10 to 6–7 CPU-ms and its
// p95 under one frame. The mapping is read-only (SQLite still writes through write calls, and
// reads pages newer than the file from the WAL as before), shared with the kernel's file cache,
// and costs address space, not memory.
//
// SQLite caps the size at its compile-time maximum (just under 2 GiB on every platform pindesk
// builds for) and falls back to read calls for the rest of a larger file, or for all of it if the
// map cannot be made. On a 32-bit build four readers each mapping 2 GiB would not fit the address
// space, so there a reader maps the first 64 MiB. Only readers map: the writer's reads are few.
//
// The price: an I/O error on a mapped page (a failing disk, or the file cut short or overwritten
// in place by something that is not SQLite) is a SIGBUS that kills the process, where a read call
// would have returned an error (SQLITE_IOERR, or "malformed" for a file cut short). pindesk never
// shrinks its file itself (no VACUUM), which also keeps Windows, which cannot truncate a mapped
// file, out of trouble.
var readerMmapSize int64 = 1 << 31

func init() {
	if strconv.IntSize == 32 {
		readerMmapSize = 64 << 20
	}
}
