package main

import (
	"go/parser"
	"go/token"
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

// Every test the documents cite by name exists, so that a reader who looks
// for the proof of a claim finds it.
func TestDocsCiteTestsThatExist(t *testing.T) {
	defined := map[string]bool{}
	test := regexp.MustCompile(`(?m)^func (Test\w+)\(`)
	walkFiles(t, "_test.go", func(path string, b []byte) {
		for _, m := range test.FindAllSubmatch(b, -1) {
			defined[string(m[1])] = true
		}
	})
	cited := regexp.MustCompile(`\bTest[A-Z]\w*`)
	for _, doc := range documents(t) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range cited.FindAllString(string(b), -1) {
			if !defined[name] {
				t.Errorf("%s cites %s, which no test file defines", doc, name)
			}
		}
	}
}

// Every file of this repository the documents cite by path exists.
func TestDocsCiteFilesThatExist(t *testing.T) {
	ours := `(?:lifecycle|transform|telepresence|plugin|internal|metadata|e2e|scripts|examples)`
	path := regexp.MustCompile("`(" + ours + `/[\w./-]+\.(?:go|sh|yaml|json|txt|md))` + "`")
	for _, doc := range documents(t) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range path.FindAllStringSubmatch(string(b), -1) {
			if _, err := os.Stat(m[1]); err != nil {
				t.Errorf("%s cites %s, which does not exist", doc, m[1])
			}
		}
	}
}

// documents are the Markdown files that describe the project.
func documents(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append(docs, "README.md", "BENCHMARKS.md")
}

// walkFiles calls do with every file of the repository whose name ends in
// suffix (not under .git or bin).
func walkFiles(t *testing.T, suffix string, do func(path string, b []byte)) {
	t.Helper()
	err := filepath.WalkDir(".", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() && (e.Name() == ".git" || e.Name() == "bin" || e.Name() == "testdata") {
			if err == nil {
				err = filepath.SkipDir
			}
			return err
		}
		if e.IsDir() || !strings.HasSuffix(path, suffix) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err == nil {
			do(path, b)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// docs/architecture.md draws every package of the plugin and the imports
// between them: an arrow in the code that the table lacks, or one the table
// draws that the code lacks, fails. The e2e tree imports no package of the
// plugin but internal/samples.
func TestArchitectureMatchesTheImports(t *testing.T) {
	actual := importsOfThisModule(t)
	drawn := drawnArrows(t)
	for pkg, want := range drawn {
		if actual[pkg] == nil {
			t.Errorf("docs/architecture.md draws %s, which has no Go files", pkg)
		}
		for imp := range actual[pkg] {
			if !want[imp] {
				t.Errorf("%s imports %s: draw it in docs/architecture.md, or remove the import", pkg, imp)
			}
		}
		for imp := range want {
			if !actual[pkg][imp] {
				t.Errorf("docs/architecture.md says %s imports %s, which it does not", pkg, imp)
			}
		}
	}
	for pkg, imports := range actual {
		if pkg != "e2e" && !strings.HasPrefix(pkg, "e2e/") {
			if drawn[pkg] == nil {
				t.Errorf("package %s is not in docs/architecture.md: add a row for it", pkg)
			}
			continue
		}
		for imp := range imports {
			if imp != "internal/samples" && imp != "e2e" && !strings.HasPrefix(imp, "e2e/") {
				t.Errorf("%s imports %s: the e2e tree drives the plugin's binary, never its packages", pkg, imp)
			}
		}
	}
}

// importsOfThisModule are, by package directory, the packages of this
// module that its non-test files import.
func importsOfThisModule(t *testing.T) map[string]map[string]bool {
	t.Helper()
	const module = "github.com/telepresenceio/docker-telepresence/"
	actual := map[string]map[string]bool{}
	walkFiles(t, ".go", func(path string, _ []byte) {
		if strings.HasSuffix(path, "_test.go") {
			return
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		if actual[pkg] == nil {
			actual[pkg] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			if ours, ok := strings.CutPrefix(strings.Trim(imp.Path.Value, `"`), module); ok {
				actual[pkg][ours] = true
			}
		}
	})
	return actual
}

// drawnArrows are the rows of docs/architecture.md's table: each package
// with the packages it imports.
func drawnArrows(t *testing.T) map[string]map[string]bool {
	t.Helper()
	b, err := os.ReadFile("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([\\w./-]+)` \\|[^|]*\\|([^|]*)\\|$")
	name := regexp.MustCompile("`([\\w./-]+)`")
	drawn := map[string]map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		drawn[m[1]] = map[string]bool{}
		for _, imp := range name.FindAllStringSubmatch(m[2], -1) {
			drawn[m[1]][imp[1]] = true
		}
	}
	if len(drawn) == 0 {
		t.Fatal("docs/architecture.md has no table of packages")
	}
	return drawn
}
