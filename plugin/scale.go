package plugin

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
	"github.com/telepresenceio/docker-telepresence/transform"
)

var scaleVerb = verb{name: "scale", services: true, read: func(f *verbFlags) (verbRun, error) {
	noDeps := f.Bool("no-deps")
	return func(ctx context.Context, c *verbContext, args []string) error {
		replicas := map[string]int{}
		for _, arg := range args {
			name, num, ok := strings.Cut(arg, "=")
			n, err := strconv.Atoi(num)
			if !ok || err != nil || n < 0 {
				return fmt.Errorf("invalid scale specifier: %s (hint: write SERVICE=REPLICAS)", arg)
			}
			replicas[name] = n
		}
		backend, err := c.backend()
		if err != nil {
			return err
		}
		project, intent, err := c.global.loadIntent(ctx, backend, transform.Flags{}, nil, "scale")
		if err != nil {
			return err
		}
		err = newRunner(c.dockerCli, c.global, backend).Scale(ctx, lifecycle.ScaleOptions{Project: project, Intent: intent, Replicas: replicas, NoDeps: noDeps})
		return locateIntentErrors(err, project)
	}, nil
}}
