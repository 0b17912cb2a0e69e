package plugin

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/spf13/pflag"
)

// listOptions are the flags with which `config` prints one list of the
// transformed project, one item per line, instead of the project, as
// `docker compose config` does (cmd/compose/config.go): its services (the
// remote ones are the cluster's, so not among them), volumes, networks,
// models, profiles, images, or the environment of its interpolation.
// Where Compose prints a map's keys in no order, they are sorted here.
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

// print prints the first list asked for, in Compose's order of precedence.
func (l *listOptions) print(w io.Writer, p *types.Project) error {
	var lines []string
	switch {
	case l.services:
		// In the order the services start, as Compose prints them.
		err := p.ForEachService(p.ServiceNames(), func(name string, _ *types.ServiceConfig) error {
			lines = append(lines, name)
			return nil
		})
		if err != nil {
			return err
		}
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
		for _, s := range p.AllServices() {
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
	case l.environment:
		lines = p.Environment.Values()
	}
	for _, line := range lines {
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}
