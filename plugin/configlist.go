package plugin

import (
	"bytes"
	"maps"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/spf13/pflag"
)

// listOptions are the flags with which `config` prints one list, one item
// per line, instead of the project, as `docker compose config` does
// (docs/commands.md#config): the services, volumes, networks, models and
// images of the transformed project (the remote services are the
// cluster's, so not among them), the profiles of the project as loaded,
// or the environment of its interpolation. The order is stable: the
// services in the order they start, the rest sorted.
type listOptions struct {
	services, volumes, networks, models, profiles, images, environment bool
}

func (l *listOptions) addFlags(f *pflag.FlagSet) {
	f.BoolVar(&l.services, "services", false, "Print the service names, one per line.")
	f.BoolVar(&l.volumes, "volumes", false, "Print the volume names, one per line.")
	f.BoolVar(&l.networks, "networks", false, "Print the network names, one per line.")
	f.BoolVar(&l.models, "models", false, "Print the model names, one per line.")
	f.BoolVar(&l.profiles, "profiles", false, "Print the profile names, one per line.")
	f.BoolVar(&l.images, "images", false, "Print the image names, one per line.")
	f.BoolVar(&l.environment, "environment", false, "Print environment used for interpolation.")
}

func (l *listOptions) any() bool {
	return l.services || l.volumes || l.networks || l.models || l.profiles || l.images || l.environment
}

// print is the first list asked for, in Compose's order of precedence, of
// the transformed project p (loaded: the project as loaded).
func (l *listOptions) print(p, loaded *types.Project) []byte {
	var lines []string
	switch {
	case l.services:
		lines = startOrder(p)
	case l.volumes:
		lines = slices.Sorted(maps.Keys(p.Volumes))
	case l.networks:
		lines = slices.Sorted(maps.Keys(p.Networks))
	case l.models:
		for _, name := range slices.Sorted(maps.Keys(p.Models)) {
			if m := p.Models[name].Model; m != "" {
				lines = append(lines, m)
			}
		}
	case l.profiles:
		for _, s := range loaded.AllServices() {
			lines = append(lines, s.Profiles...)
		}
		slices.Sort(lines)
		lines = slices.Compact(lines)
	case l.images:
		for _, name := range p.ServiceNames() {
			s := p.Services[name]
			lines = append(lines, api.GetImageNameOrDefault(s, p.Name))
			lines = append(lines, api.GetDependentImages(s, p.Name)...)
		}
		for _, name := range slices.Sorted(maps.Keys(p.Jobs)) {
			job := types.ServiceConfig{Name: name, ContainerSpec: types.ContainerSpec{Image: p.Jobs[name].Image}}
			lines = append(lines, api.GetImageNameOrDefault(job, p.Name))
			lines = append(lines, api.GetDependentImages(job, p.Name)...)
		}
	case l.environment:
		lines = p.Environment.Values()
	}
	var out bytes.Buffer
	for _, line := range lines {
		out.WriteString(line + "\n")
	}
	return out.Bytes()
}

// startOrder are the services of p in an order they can start in: each
// after what it depends on, and, of those free to go, the first by name.
func startOrder(p *types.Project) []string {
	var order []string
	done := map[string]bool{}
	for len(order) < len(p.Services) {
		progressed := false
		for _, name := range p.ServiceNames() {
			if done[name] || !dependenciesDone(p.Services[name], p, done) {
				continue
			}
			order, done[name], progressed = append(order, name), true, true
			break
		}
		if !progressed { // a cycle, which loading refuses: the rest by name
			for _, name := range p.ServiceNames() {
				if !done[name] {
					order, done[name] = append(order, name), true
				}
			}
		}
	}
	return order
}

// dependenciesDone tells whether every service s depends on, of those in
// p, is done.
func dependenciesDone(s types.ServiceConfig, p *types.Project, done map[string]bool) bool {
	for dep := range s.DependsOn {
		if _, in := p.Services[dep]; in && !done[dep] {
			return false
		}
	}
	return true
}
