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

func readYAML(path string) map[string]any {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var doc map[string]any
	if yaml.Unmarshal(b, &doc) != nil {
		return nil
	}
	return doc
}
