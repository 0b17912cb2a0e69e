package plugin

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// declaringFileForKey returns the compose file that declares the key of an
// intent error: the last file (later files override earlier ones) that sets
// the key's first segment on the service, else the last file that mentions
// the service, else all the files.
func declaringFileForKey(p *types.Project, service, key string) string {
	first, _, _ := strings.Cut(key, ".")
	var byKey, byService string
	for _, f := range withIncludes(p.ComposeFiles) {
		doc := readYAML(f)
		if doc == nil {
			continue
		}
		if service == "" {
			if _, ok := doc[first]; ok {
				byKey = f
			}
			continue
		}
		services, _ := doc["services"].(map[string]any)
		svc, ok := services[service].(map[string]any)
		if !ok {
			continue
		}
		byService = f
		if _, ok := svc[first]; ok {
			byKey = f
		}
	}
	switch {
	case byKey != "":
		return byKey
	case byService != "":
		return byService
	default:
		return strings.Join(p.ComposeFiles, ", ")
	}
}

// withIncludes lists the compose files and, before each, the files it
// includes (recursively): they are loaded first, so a later file wins.
func withIncludes(files []string) []string {
	var out []string
	var walk func(f string, depth int)
	walk = func(f string, depth int) {
		if depth > 10 || slices.Contains(out, f) {
			return // an include cycle, which the loader refuses anyway
		}
		for _, inc := range includedFiles(f) {
			walk(inc, depth+1)
		}
		out = append(out, f)
	}
	for _, f := range files {
		walk(f, 0)
	}
	return out
}

// includedFiles reads the `include` section of a compose file: paths, or
// mappings whose path is a path or a list, relative to the file.
func includedFiles(file string) []string {
	doc := readYAML(file)
	list, _ := doc["include"].([]any)
	var out []string
	add := func(p any) {
		if s, ok := p.(string); ok && s != "" {
			if !filepath.IsAbs(s) {
				s = filepath.Join(filepath.Dir(file), s)
			}
			out = append(out, s)
		}
	}
	for _, item := range list {
		switch v := item.(type) {
		case string:
			add(v)
		case map[string]any:
			if paths, ok := v["path"].([]any); ok {
				for _, p := range paths {
					add(p)
				}
			} else {
				add(v["path"])
			}
		}
	}
	return out
}

// readYAML reads a YAML file whose top level is a mapping, or nil.
func readYAML(path string) map[string]any {
	doc, _ := readYAMLDoc(path)
	m, _ := doc.(map[string]any)
	return m
}

// readYAMLDoc reads the top level of a YAML file: nil for an empty one.
func readYAMLDoc(path string) (any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc any
	err = yaml.Unmarshal(b, &doc)
	return doc, err
}
