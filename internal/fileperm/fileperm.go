// Package fileperm decides whether a secret file (the sealing key, an API token file) is private to
// its owner, the same question on every platform pindesk supports, answered the way each platform
// keeps permissions: mode bits on Linux and macOS, the file's access-control list on Windows (where
// os.Stat reports 0666 for any writable file, so mode bits would refuse every file).
package fileperm

import (
	"errors"
	"fmt"
)

// ErrExposed is wrapped by every answer that a file is readable by others.
var ErrExposed = errors.New("readable by others")

// ExposedError says who besides the owner may read a file, and how to fix it on this platform.
type ExposedError struct {
	Path string
	Who  string // "mode 0644", or the Windows accounts that may read it
	Fix  string
}

func (e *ExposedError) Error() string {
	return fmt.Sprintf("%s is readable by others (%s); %s", e.Path, e.Who, e.Fix)
}

func (e *ExposedError) Unwrap() error { return ErrExposed }

// Private returns nil when only the file's owner (and, on Windows, the operating system's own
// accounts) may read path, an *ExposedError when others may, or the error of reading its
// permissions.
func Private(path string) error { return private(path) }

// modeExposed is the Unix decision: any group or other permission bit exposes the file.
func modeExposed(perm uint32) bool { return perm&0o077 != 0 }

// Windows security identifiers that may always read a user's files: they administer the machine,
// so a file private from them cannot exist. Anyone else with read access exposes the file.
const (
	sidSystem         = "S-1-5-18"     // LocalSystem
	sidAdministrators = "S-1-5-32-544" // BUILTIN\Administrators
	sidOwnerRights    = "S-1-3-4"      // OWNER RIGHTS: the owner, whoever that is
	sidCreatorOwner   = "S-1-3-0"      // CREATOR OWNER: an inheritable placeholder, not a reader
)

// ACE is one entry of a Windows access-control list, reduced to what the decision needs.
type ACE struct {
	SID   string // the trustee, as an S-1-… string
	Allow bool   // an access-allowed entry (deny entries never expose)
	Read  bool   // the entry grants reading the file's data (FILE_READ_DATA or GENERIC_READ/ALL)
}

// aclExposed lists the trustees other than the owner and the machine's own administrators that an
// access-control list lets read the file. A nil DACL (nilDACL) grants everyone everything.
func aclExposed(owner string, nilDACL bool, aces []ACE) []string {
	if nilDACL {
		return []string{"Everyone (the file has no access-control list)"}
	}
	var who []string
	for _, a := range aces {
		if !a.Allow || !a.Read {
			continue
		}
		switch a.SID {
		case owner, sidSystem, sidAdministrators, sidOwnerRights, sidCreatorOwner:
			continue
		}
		who = append(who, a.SID)
	}
	return who
}
