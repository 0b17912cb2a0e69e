package lifecycle

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine/enginetest"
)

// fakeCompose turns Create/Up/Down into containers of the fake engine and
// keeps the options it was given.
type fakeCompose struct {
	j     *steps
	e     *enginetest.Fake
	upErr error
	onUp  func()
	// blockAttached makes an attached Up run until its context ends, then
	// stop the project, unless keepRunning.
	blockAttached, keepRunning bool
	// ran makes an Up that fails (upErr) start the containers first, as
	// when a container exits once it ran; without it a failing Up starts
	// none, as when a port is taken.
	ran bool
	// onCreate runs in Create, and in Up, which creates too.
	onCreate func()
	// onFetch runs in each Build ("build") and Pull ("pull").
	onFetch func(ctx context.Context, how string) error
	// onDown runs after each Down, e.g. to land a container whose create
	// the engine finished after Compose gave up on it.
	onDown   func()
	projects map[string]*types.Project
	// created are the projects of each Create.
	created []*types.Project
	creates []api.CreateOptions
	ups     []api.UpOptions
	downs   []api.DownOptions
	watches []api.WatchOptions
	// runs are the one-off containers run, with the project each ran in;
	// runExit is their exit status.
	runs     []api.RunOptions
	runExit  int
	restarts []api.RestartOptions
	scales   []api.ScaleOptions
	scaled   []*types.Project
}

func newFakeCompose(j *steps, e *enginetest.Fake) *fakeCompose {
	return &fakeCompose{j: j, e: e, projects: map[string]*types.Project{}}
}

func (c *fakeCompose) Create(ctx context.Context, p *types.Project, o api.CreateOptions) error {
	c.j.add("compose create %s", strings.Join(p.ServiceNames(), ","))
	c.creates = append(c.creates, o)
	if c.onCreate != nil {
		c.onCreate() // e.g. a Ctrl-C during the image build
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	c.created = append(c.created, p)
	c.make(p)
	return nil
}

// make makes the project's containers, networks and volumes, as Compose's
// create does, in Create and in Up.
func (c *fakeCompose) make(p *types.Project) {
	c.projects[p.Name] = p
	c.e.Lock()
	defer c.e.Unlock()
	c.e.Containers[p.Name] = nil
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		container := p.Name + "-" + name + "-1"
		c.e.Containers[p.Name] = append(c.e.Containers[p.Name], engine.Container{Name: container, Project: p.Name, Service: name, Labels: s.CustomLabels, Running: true})
		if _, exists := c.e.Endpoints[container]; !exists { // as Compose, which recreates only what changed
			c.e.Endpoints[container] = endpointsOf(p, s)
		}
	}
	for _, key := range p.NetworkNames() {
		if n := p.Networks[key]; !bool(n.External) && !slices.ContainsFunc(c.e.Networks[p.Name], func(x engine.Network) bool { return x.Name == n.Name }) {
			c.e.Networks[p.Name] = append(c.e.Networks[p.Name], engine.Network{Name: n.Name})
		}
	}
	for key, v := range p.Volumes {
		if !bool(v.External) && !slices.ContainsFunc(c.e.Volumes[p.Name], func(x engine.Volume) bool { return x.Name == v.Name }) {
			labels := map[string]string{api.ProjectLabel: p.Name, api.VolumeLabel: key}
			for k, l := range v.Labels {
				labels[k] = l
			}
			c.e.Volumes[p.Name] = append(c.e.Volumes[p.Name], engine.Volume{Name: v.Name, Labels: labels, Options: v.DriverOpts})
		}
	}
}

// Build and Pull log what they fetch, run onFetch (which may block until
// the test releases it, or fail), then make the images present.
func (c *fakeCompose) Build(ctx context.Context, p *types.Project, o api.BuildOptions) error {
	c.j.add("compose build %s", strings.Join(o.Services, ","))
	return c.fetch(ctx, p, "build", o.Services)
}

func (c *fakeCompose) Pull(ctx context.Context, p *types.Project, _ api.PullOptions) error {
	c.j.add("compose pull %s", strings.Join(p.ServiceNames(), ","))
	return c.fetch(ctx, p, "pull", p.ServiceNames())
}

func (c *fakeCompose) fetch(ctx context.Context, p *types.Project, how string, services []string) error {
	if c.onFetch != nil {
		if err := c.onFetch(ctx, how); err != nil {
			return err
		}
	}
	c.e.Lock()
	defer c.e.Unlock()
	for _, name := range services {
		delete(c.e.Missing, api.GetImageNameOrDefault(p.Services[name], p.Name))
	}
	return nil
}

func (c *fakeCompose) Up(ctx context.Context, p *types.Project, o api.UpOptions) error {
	attached := o.Start.Attach != nil
	c.j.add("compose up attached=%v watch=%v", attached, o.Start.Watch)
	c.ups = append(c.ups, o)
	if c.onCreate != nil { // Compose's up creates first, as create does
		c.onCreate()
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if c.upErr == nil || c.ran {
		c.make(p) // Compose's up creates what create did not
	}
	if c.onUp != nil {
		c.onUp()
	}
	if c.upErr == nil || c.ran {
		c.e.StartAll(p.Name)
	}
	if attached && c.blockAttached {
		<-ctx.Done() // like Compose: run until interrupted, then stop
		if !c.keepRunning {
			c.e.StopAll(p.Name)
			c.j.add("compose stopped the project")
		}
	}
	return c.upErr
}

func (c *fakeCompose) Stop(_ context.Context, name string, _ api.StopOptions) error {
	c.j.add("compose stop %s", name)
	return nil
}

func (c *fakeCompose) Down(_ context.Context, name string, o api.DownOptions) error {
	c.j.add("compose down %s", name)
	c.downs = append(c.downs, o)
	c.e.Lock()
	defer c.e.Unlock()
	for _, ctr := range c.e.Containers[name] {
		delete(c.e.Endpoints, ctr.Name)
	}
	delete(c.e.Containers, name)
	delete(c.e.Networks, name)
	if o.Volumes { // as Compose may: every volume labelled with the project
		delete(c.e.Volumes, name)
	}
	if c.onDown != nil {
		c.e.Unlock()
		c.onDown()
		c.e.Lock()
	}
	return nil
}

func (c *fakeCompose) Watch(ctx context.Context, _ *types.Project, o api.WatchOptions) error {
	c.j.add("compose watch")
	c.watches = append(c.watches, o)
	<-ctx.Done()
	return ctx.Err()
}

func (c *fakeCompose) Restart(_ context.Context, name string, o api.RestartOptions) error {
	c.j.add("compose restart %s %s", name, strings.Join(o.Services, ","))
	c.restarts = append(c.restarts, o)
	return nil
}

func (c *fakeCompose) RunOneOffContainer(_ context.Context, p *types.Project, o api.RunOptions) (int, error) {
	c.j.add("compose run %s", o.Service)
	c.runs = append(c.runs, o)
	c.projects[p.Name+" run"] = p
	return c.runExit, nil
}

func (c *fakeCompose) Scale(_ context.Context, p *types.Project, o api.ScaleOptions) error {
	c.j.add("compose scale %v", o.Replicas)
	c.scales, c.scaled = append(c.scales, o), append(c.scaled, p)
	return nil
}

// endpointsOf are the networks Compose attaches a service's container to,
// with the aliases it declares there and its service name.
func endpointsOf(p *types.Project, s types.ServiceConfig) map[string]engine.Endpoint {
	out := map[string]engine.Endpoint{}
	for key, cfg := range s.Networks {
		ep := engine.Endpoint{Aliases: []string{s.Name}}
		if cfg != nil {
			ep.Aliases = append(slices.Clone(cfg.Aliases), s.Name)
		}
		out[p.Networks[key].Name] = ep
	}
	return out
}

// discard is a LogConsumer for attached runs.
type discard struct{}

func (discard) Log(string, string)    {}
func (discard) Err(string, string)    {}
func (discard) Status(string, string) {}

var errPullDenied = errors.New("pull access denied")
