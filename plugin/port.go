package plugin

import (
	"context"
	"fmt"
	"strconv"

	"github.com/docker/compose/v5/pkg/api"
)

// portOptions are the flags of `port`, as Compose's (cmd/compose/port.go).
type portOptions struct {
	api.PortOptions
	protocolGiven bool
}

var portVerb = verb{name: "port", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := portOptions{PortOptions: api.PortOptions{Protocol: f.String("protocol"), Index: f.Int("index")}, protocolGiven: f.Changed("protocol")}
	return o.run, nil
}}

// run prints where a service's port is published on the host, as `docker
// compose port` does: SERVICE [PRIVATE_PORT].
func (o portOptions) run(ctx context.Context, c *verbContext, args []string) error {
	service := args[0]
	var port uint16
	if len(args) > 1 {
		n, err := strconv.ParseUint(args[1], 10, 16)
		if err != nil {
			return fmt.Errorf("invalid port %q: %w", args[1], err)
		}
		port = uint16(n)
	} else if !o.protocolGiven {
		o.Protocol = "" // every port, of every protocol
	}
	t, backend, err := c.target(ctx, service)
	if err != nil {
		return err
	}
	publishers, err := backend.Ports(ctx, t.name, service, port, o.PortOptions)
	if err != nil {
		return err
	}
	if port != 0 && len(publishers) > 0 {
		fmt.Fprintln(c.dockerCli.Out(), publishers[0].HostPort())
		return nil
	}
	for _, p := range publishers {
		fmt.Fprintln(c.dockerCli.Out(), p.String())
	}
	return nil
}
