//go:build !windows

package fileperm

import (
	"fmt"
	"os"
)

func private(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if perm := uint32(info.Mode().Perm()); modeExposed(perm) {
		return &ExposedError{Path: path, Who: fmt.Sprintf("mode %04o", perm), Fix: "run chmod 600 on it"}
	}
	return nil
}
