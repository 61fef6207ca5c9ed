package knowledgetest

import (
	"io/fs"
	"strings"
	"testing/fstest"

	"frontdoor/seeds"
)

// Seeds copies the shipped knowledge directory into memory, for a test to
// change, leaving out the files under each of the folders without (such as
// "corpus": a base whose messages would otherwise find their own items).
func Seeds(without ...string) (fstest.MapFS, error) {
	m := fstest.MapFS{}
	err := fs.WalkDir(seeds.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, dir := range without {
			if strings.HasPrefix(name, dir+"/") {
				return nil
			}
		}
		data, err := fs.ReadFile(seeds.FS, name)
		m[name] = &fstest.MapFile{Data: data}
		return err
	})
	return m, err
}
