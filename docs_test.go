package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every reference to a document under docs/, and to a heading in it, in the repository's code and
// documents names a file and a heading that exist: comments point there
// instead of to anything outside the repository.
func TestDocsReferencesResolve(t *testing.T) {
	anchors := map[string]map[string]bool{}
	heading := regexp.MustCompile(`(?m)^#+ (.+)$`)
	docs, err := filepath.Glob("docs/*.md")
	if err != nil || len(docs) == 0 {
		t.Fatalf("no docs: %v", err)
	}
	for _, d := range docs {
		b, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		anchors[d] = map[string]bool{}
		for _, m := range heading.FindAllStringSubmatch(string(b), -1) {
			anchors[d][slug(m[1])] = true
		}
	}
	ref := regexp.MustCompile(`docs/([\w-]+\.md)(#[\w-]+)?`)
	err = filepath.WalkDir(".", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() && (e.Name() == ".git" || e.Name() == "bin") {
			return err
		}
		if e.IsDir() || !strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, ".md") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range ref.FindAllStringSubmatch(string(b), -1) {
			file := "docs/" + m[1]
			switch {
			case anchors[file] == nil:
				t.Errorf("%s: %s: no such document", path, m[0])
			case m[2] != "" && !anchors[file][m[2][1:]]:
				t.Errorf("%s: %s: no such heading in %s", path, m[0], file)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// slug is the anchor GitHub gives a heading: lower case, spaces to '-',
// punctuation dropped.
func slug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}
