//go:build !linux

package knowledge

import "os"

// dropCache does nothing where the kernel cannot be asked to.
func dropCache(*os.File) {}
