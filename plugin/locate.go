package plugin

import (
	"os"
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
	for _, f := range p.ComposeFiles {
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
