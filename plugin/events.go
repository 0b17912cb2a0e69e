package plugin

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/docker/compose/v5/pkg/api"
)

// eventsOptions are the flags of `events`, as Compose's
// (cmd/compose/events.go).
type eventsOptions struct {
	json         bool
	since, until string
}

var eventsVerb = verb{name: "events", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := eventsOptions{json: f.Bool("json"), since: f.String("since"), until: f.String("until")}
	return o.run, nil
}}

// run streams the events of the project's containers, as `docker compose
// events` does: a line each, or a JSON object each with --json.
func (o eventsOptions) run(ctx context.Context, c *verbContext, services []string) error {
	t, backend, err := c.target(ctx, services...)
	if err != nil {
		return err
	}
	out := c.dockerCli.Out()
	return backend.Events(ctx, t.name, api.EventsOptions{Services: services, Since: o.since, Until: o.until, Consumer: func(e api.Event) error {
		if !o.json {
			fmt.Fprintln(out, e)
			return nil
		}
		b, err := json.Marshal(map[string]any{"time": e.Timestamp, "type": "container", "service": e.Service, "id": e.Container,
			"action": e.Status, "attributes": e.Attributes})
		if err == nil {
			fmt.Fprintln(out, string(b))
		}
		return err
	}})
}
