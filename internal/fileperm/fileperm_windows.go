//go:build windows

package fileperm

import (
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Access rights that let a trustee read a file's contents.
const readRights = windows.FILE_READ_DATA | windows.GENERIC_READ | windows.GENERIC_ALL

func private(path string) error {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("read the permissions of %s: %w", path, err)
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return fmt.Errorf("read the owner of %s: %w", path, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("read the access list of %s: %w", path, err)
	}
	var aces []ACE
	if dacl != nil {
		for i := uint32(0); i < uint32(dacl.AceCount); i++ {
			var ace *windows.ACCESS_ALLOWED_ACE
			if err := windows.GetAce(dacl, i, &ace); err != nil {
				return fmt.Errorf("read the access list of %s: %w", path, err)
			}
			if ace.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0 {
				continue // applies to a folder's children, not to this file
			}
			// The SID is stored inline, starting at SidStart.
			sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
			aces = append(aces, ACE{
				SID:   sid.String(),
				Allow: ace.Header.AceType == windows.ACCESS_ALLOWED_ACE_TYPE,
				Read:  ace.Mask&readRights != 0,
			})
		}
	}
	if who := aclExposed(owner.String(), dacl == nil, aces); len(who) > 0 {
		return &ExposedError{Path: path, Who: "also readable by " + strings.Join(who, ", "),
			Fix: `run icacls "` + path + `" /inheritance:r /grant:r "%USERNAME%:F" to keep it to yourself`}
	}
	return nil
}
