package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/docker/cli/opts"
	"github.com/docker/compose/v5/cmd/formatter"
	"github.com/docker/compose/v5/pkg/api"
)

// lsOptions are the flags of `ls`, as Compose's (cmd/compose/list.go).
type lsOptions struct {
	format     string
	quiet, all bool
	names      []string // --filter name=REGEXP
}

var lsVerb = verb{name: "ls", read: func(f *verbFlags) (verbRun, error) {
	o := lsOptions{format: f.String("format"), quiet: f.Bool("quiet"), all: f.Bool("all")}
	if filter, ok := flagValue(f.lookup("filter")).(*opts.FilterOpt); ok {
		for key, values := range filter.Value() {
			if key != "name" {
				return nil, errors.New("invalid filter '" + key + "'")
			}
			for v := range values {
				o.names = append(o.names, v)
			}
		}
	}
	return o.run, nil
}}

// stack is a row of `ls`.
type stack struct {
	Name        string
	Status      string
	ConfigFiles string
}

// run lists the compose projects, as `docker compose ls` does: those that
// docker telepresence runs are compose projects too.
func (o lsOptions) run(ctx context.Context, c *verbContext, _ []string) error {
	backend, err := c.backend()
	if err != nil {
		return err
	}
	stacks, err := backend.List(ctx, api.ListOptions{All: o.all})
	if err != nil {
		return err
	}
	var rows []stack
	for _, s := range stacks {
		if o.named(s.Name) {
			rows = append(rows, stack{Name: s.Name, Status: strings.TrimSpace(s.Status + " " + s.Reason), ConfigFiles: s.ConfigFiles})
		}
	}
	if o.quiet {
		for _, s := range rows {
			fmt.Fprintln(c.dockerCli.Out(), s.Name)
		}
		return nil
	}
	return formatter.Print(rows, o.format, c.dockerCli.Out(), func(w io.Writer) {
		for _, s := range rows {
			fmt.Fprintf(w, "%s\t%s\t%s\n", s.Name, s.Status, s.ConfigFiles)
		}
	}, "NAME", "STATUS", "CONFIG FILES")
}

// named tells a project the name filters let through: a name equal to one,
// or matched by one as a regular expression.
func (o lsOptions) named(name string) bool {
	if len(o.names) == 0 {
		return true
	}
	for _, n := range o.names {
		if n == name {
			return true
		}
		if ok, err := regexp.MatchString(n, name); err == nil && ok {
			return true
		}
	}
	return false
}
