package plugin

import (
	"context"

	"github.com/docker/compose/v5/cmd/formatter"
	"github.com/docker/compose/v5/pkg/api"
)

// logsOptions are the flags of `logs`, as Compose's (cmd/compose/logs.go).
type logsOptions struct {
	api.LogOptions
	noColor, noPrefix bool
}

var logsVerb = verb{name: "logs", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := logsOptions{noColor: f.Bool("no-color"), noPrefix: f.Bool("no-log-prefix"), LogOptions: api.LogOptions{
		Follow: f.Bool("follow"), Index: f.Int("index"), Tail: f.String("tail"), Since: f.String("since"), Until: f.String("until"),
		Timestamps: f.Bool("timestamps")}}
	return o.run, nil
}}

// run streams the logs of the services that run here, as `docker compose
// logs` does: by default those without attach: false.
func (o logsOptions) run(ctx context.Context, c *verbContext, services []string) error {
	if o.Index > 0 && len(services) != 1 {
		return errNeedsOneService("--index")
	}
	t, backend, err := c.target(ctx, services...)
	if err != nil {
		return err
	}
	opts := o.LogOptions
	opts.Project, opts.Services = t.local, t.attached(services)
	consumer := formatter.NewLogConsumer(ctx, c.dockerCli.Out(), c.dockerCli.Err(), !o.noColor, !o.noPrefix, false)
	return backend.Logs(ctx, t.name, consumer, opts)
}
