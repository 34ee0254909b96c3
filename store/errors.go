package store

import (
	"errors"
	"io/fs"
)

// cleanPathError drops the operation and path that the os package's errors repeat ("stat x:
// no such file or directory"), since the caller's message already names the file.
func cleanPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
