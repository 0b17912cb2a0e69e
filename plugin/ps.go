package plugin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	cliformatter "github.com/docker/cli/cli/command/formatter"
	"github.com/docker/compose/v5/cmd/formatter"
	"github.com/docker/compose/v5/pkg/api"
)

// psOptions are the flags of `ps`, as Compose's (cmd/compose/ps.go).
type psOptions struct {
	format                                 string
	all, quiet, services, noTrunc, orphans bool
	status                                 []string
}

var psVerb = verb{name: "ps", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := psOptions{format: f.String("format"), all: f.Bool("all"), quiet: f.Bool("quiet"), services: f.Bool("services"),
		noTrunc: f.Bool("no-trunc"), orphans: f.Bool("orphans"), status: f.Strings("status")}
	if filter := f.String("filter"); filter != "" {
		key, value, ok := strings.Cut(filter, "=")
		switch {
		case !ok:
			return nil, errors.New("arguments to --filter should be in form KEY=VAL")
		case key != "status":
			return nil, fmt.Errorf("--filter %s: only status=STATUS is supported", filter)
		}
		o.status = append(o.status, value)
	}
	return o.run, nil
}}

// run lists the containers of the project, as `docker compose ps` does;
// the remote services have none.
func (o psOptions) run(ctx context.Context, c *verbContext, services []string) error {
	t, backend, err := c.target(ctx, services...)
	if err != nil {
		return err
	}
	if !o.orphans {
		services = t.servicesOrAll(services)
	}
	containers, err := backend.Ps(ctx, t.name, api.PsOptions{Project: t.local, All: o.all || len(o.status) > 0, Services: services})
	if err != nil {
		return err
	}
	if len(o.status) > 0 {
		containers = slices.DeleteFunc(containers, func(c api.ContainerSummary) bool { return !slices.Contains(o.status, string(c.State)) })
	}
	slices.SortFunc(containers, func(a, b api.ContainerSummary) int { return strings.Compare(a.Name, b.Name) })
	out := c.dockerCli.Out()
	switch {
	case o.quiet:
		for _, ctr := range containers {
			fmt.Fprintln(out, ctr.ID)
		}
		return nil
	case o.services:
		var names []string
		for _, ctr := range containers {
			if !slices.Contains(names, ctr.Service) {
				names = append(names, ctr.Service)
			}
		}
		fmt.Fprintln(out, strings.Join(names, "\n"))
		return nil
	}
	format := o.format
	if format == "" {
		format = c.dockerCli.ConfigFile().PsFormat
	}
	engine := slices.ContainsFunc(containers, func(c api.ContainerSummary) bool { return c.Labels[api.ContainerEngineLabel] != "" })
	return formatter.ContainerWrite(cliformatter.Context{Output: out, Format: formatter.NewContainerFormat(format, o.quiet, false, engine), Trunc: !o.noTrunc},
		containers)
}
