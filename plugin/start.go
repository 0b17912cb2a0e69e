package plugin

import (
	"context"
	"time"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
	"github.com/telepresenceio/docker-telepresence/transform"
)

var startVerb = verb{name: "start", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := lifecycle.StartOptions{Wait: f.Bool("wait"), WaitTimeout: time.Duration(f.Int("wait-timeout")) * time.Second}
	return func(ctx context.Context, c *verbContext, services []string) error {
		return c.start(ctx, o, services, (*lifecycle.Runner).Start)
	}, nil
}}

var restartVerb = verb{name: "restart", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := lifecycle.StartOptions{NoDeps: f.Bool("no-deps"), Timeout: f.Timeout()}
	return func(ctx context.Context, c *verbContext, services []string) error {
		return c.start(ctx, o, services, (*lifecycle.Runner).Restart)
	}, nil
}}

// start starts or restarts the project's containers with the lifecycle,
// which makes the attachments that ended again (lifecycle.Start).
func (c *verbContext) start(ctx context.Context, o lifecycle.StartOptions, services []string,
	run func(*lifecycle.Runner, context.Context, lifecycle.StartOptions) error) error {
	ctx, stop := withSignals(ctx, c.dockerCli)
	defer stop()
	backend, err := c.backend()
	if err != nil {
		return err
	}
	project, intent, err := c.global.loadIntent(ctx, backend, transform.Flags{}, nil, c.cmd.Name())
	if err != nil {
		return err
	}
	o.Project, o.Intent, o.Services = project, intent, services
	return locateIntentErrors(run(newRunner(c.dockerCli, c.global, backend), ctx, o), project)
}
