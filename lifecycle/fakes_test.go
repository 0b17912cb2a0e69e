package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// journal records, in order, every call the fakes receive, so a test reads
// what the lifecycle did as a list of steps.
type journal struct {
	mu    sync.Mutex
	steps []string
}

func (j *journal) add(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.steps = append(j.steps, fmt.Sprintf(format, args...))
}

func (j *journal) list() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.steps...)
}

type fakeTP struct {
	j          *journal
	status     telepresence.Status
	statusErr  error
	connectErr error
	failLeave  map[string]error
	onConnect  func()
	// failIntercept maps a workload to the error its intercept returns.
	failIntercept map[string]error
	// onIntercept runs before an intercept answers (to cancel a context).
	onIntercept func(workload string)
	active      map[string]bool
	env         map[string]string
	mounts      []string
}

func newFakeTP(j *journal) *fakeTP {
	return &fakeTP{j: j, active: map[string]bool{}, failIntercept: map[string]error{}}
}

func (f *fakeTP) Status(context.Context) (*telepresence.Status, error) {
	f.j.add("tp status")
	if f.statusErr != nil {
		return nil, f.statusErr
	}
	st := f.status
	return &st, nil
}

func (f *fakeTP) Connect(ctx context.Context, o telepresence.ConnectOptions) error {
	f.j.add("tp %s", strings.Join(o.Args(), " "))
	if f.onConnect != nil {
		f.onConnect()
		return ctx.Err()
	}
	if f.connectErr != nil {
		return f.connectErr
	}
	f.status = telepresence.Status{Running: true, InDocker: true, Name: "test", ContainerNetwork: "container:tp-test",
		DaemonPort: 9999, Namespace: "default", ExposedPorts: o.Expose}
	return nil
}

func (f *fakeTP) Intercept(ctx context.Context, o telepresence.InterceptOptions) (*telepresence.Intercept, error) {
	f.j.add("tp intercept %s --port %s", o.Workload, o.Port)
	if f.onIntercept != nil {
		f.onIntercept(o.Workload)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err, ok := f.failIntercept[o.Workload]; ok {
		return nil, err
	}
	if f.active[o.Workload] {
		return nil, &telepresence.CommandError{Args: []string{"intercept", o.Workload}, Err: telepresence.ErrFailed,
			Message: "intercept " + o.Workload + " already exists"}
	}
	f.active[o.Workload] = true
	env := map[string]string{"TELEPRESENCE_CONTAINER": o.Workload}
	for k, v := range f.env {
		env[k] = v
	}
	return &telepresence.Intercept{Name: o.Workload, Disposition: "ACTIVE", Environment: env, MountPort: 34439, Mounts: f.mounts}, nil
}

func (f *fakeTP) Leave(_ context.Context, name string) error {
	f.j.add("tp leave %s", name)
	if err, ok := f.failLeave[name]; ok {
		return err
	}
	if !f.active[name] {
		return fmt.Errorf("%w: %s", telepresence.ErrNotFound, name)
	}
	delete(f.active, name)
	return nil
}

func (f *fakeTP) Quit(context.Context) error {
	f.j.add("tp quit")
	f.status = telepresence.Status{}
	return nil
}

func (f *fakeTP) SetDNSMappings(_ context.Context, port int, m []telepresence.DNSMapping) error {
	for _, x := range m {
		f.j.add("tp dns %d %s=%s", port, x.Name, x.AliasFor)
	}
	return nil
}

// fakeEngine keeps containers, networks and volumes of projects in memory.
type fakeEngine struct {
	j          *journal
	containers map[string][]Container
	networks   map[string][]Network
	volumes    map[string][]Volume
	mu         sync.Mutex
	daemonDown bool
	daemonErr  error
	handlerEnv map[string]map[string]string
	portUsers  map[string][]string
}

func newFakeEngine(j *journal) *fakeEngine {
	return &fakeEngine{j: j, containers: map[string][]Container{}, networks: map[string][]Network{}, volumes: map[string][]Volume{}}
}

func (e *fakeEngine) Daemon(_ context.Context, name string) (DaemonInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.daemonErr != nil {
		return DaemonInfo{}, e.daemonErr
	}
	return DaemonInfo{Name: name, Running: !e.daemonDown, Network: "telepresence", IP: "172.20.0.2"}, nil
}

// setDaemon changes what Daemon answers, safely while a monitor polls it.
func (e *fakeEngine) setDaemon(down bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.daemonDown, e.daemonErr = down, err
}

func (e *fakeEngine) ConnectNetwork(_ context.Context, network, container string, aliases []string) error {
	e.j.add("docker network connect %s %s %v", network, container, aliases)
	for p, nets := range e.networks {
		for i, n := range nets {
			if n.Name == network {
				e.networks[p][i].Containers = append(n.Containers, container)
			}
		}
	}
	return nil
}

func (e *fakeEngine) DisconnectNetwork(_ context.Context, network, container string) error {
	e.j.add("docker network disconnect %s %s", network, container)
	return nil
}

func (e *fakeEngine) ProjectContainers(_ context.Context, p string) ([]Container, error) {
	return e.containers[p], nil
}

func (e *fakeEngine) ProjectNetworks(_ context.Context, p string) ([]Network, error) {
	return e.networks[p], nil
}

func (e *fakeEngine) ProjectVolumes(_ context.Context, p string) ([]Volume, error) {
	return e.volumes[p], nil
}

func (e *fakeEngine) CreateVolume(_ context.Context, name string, labels map[string]string) error {
	e.j.add("docker volume create %s", name)
	p := labels[api.ProjectLabel]
	e.volumes[p] = append(e.volumes[p], Volume{Name: name, Labels: labels})
	return nil
}

func (e *fakeEngine) RemoveVolume(_ context.Context, name string) error {
	e.j.add("docker volume rm %s", name)
	for p, vols := range e.volumes {
		for i, v := range vols {
			if v.Name == name {
				e.volumes[p] = append(vols[:i:i], vols[i+1:]...)
				break
			}
		}
	}
	return nil
}

func (e *fakeEngine) EnsureVolumePlugin(_ context.Context, name, remote string, _ io.Writer) error {
	e.j.add("docker plugin ensure %s", name)
	return errors.New("pull access denied")
}

func (e *fakeEngine) Architecture(context.Context) (string, error) { return "amd64", nil }

func (e *fakeEngine) HandlerEnv(_ context.Context, container string) (map[string]string, error) {
	return e.handlerEnv[container], nil
}

func (e *fakeEngine) DaemonUsers(_ context.Context, daemon string) ([]string, error) {
	var projects []string
	for p, cs := range e.containers {
		for _, c := range cs {
			if c.Labels[transform.LabelDaemon] == daemon && !slices.Contains(projects, p) {
				projects = append(projects, p)
			}
		}
	}
	return projects, nil
}

func (e *fakeEngine) PortUsers(_ context.Context, port string) ([]string, error) {
	return e.portUsers[port], nil
}

// fakeCompose turns Create/Up/Down into containers of the fake engine.
type fakeCompose struct {
	j     *journal
	e     *fakeEngine
	upErr error
	onUp  func()
	// blockAttached makes an attached Up run until its context ends.
	blockAttached bool
	onCreate      func()
	projects      map[string]*types.Project
}

func newFakeCompose(j *journal, e *fakeEngine) *fakeCompose {
	return &fakeCompose{j: j, e: e, projects: map[string]*types.Project{}}
}

func (c *fakeCompose) Create(ctx context.Context, p *types.Project, _ api.CreateOptions) error {
	c.j.add("compose create %s", strings.Join(p.ServiceNames(), ","))
	if c.onCreate != nil {
		c.onCreate() // e.g. a Ctrl-C during the image build
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	c.projects[p.Name] = p
	c.e.containers[p.Name] = nil
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		c.e.containers[p.Name] = append(c.e.containers[p.Name], Container{Name: p.Name + "-" + name + "-1", Service: name, Labels: s.CustomLabels, Running: true})
	}
	for _, key := range p.NetworkNames() {
		if n := p.Networks[key]; !bool(n.External) && !slices.ContainsFunc(c.e.networks[p.Name], func(x Network) bool { return x.Name == n.Name }) {
			c.e.networks[p.Name] = append(c.e.networks[p.Name], Network{Name: n.Name})
		}
	}
	return nil
}

func (c *fakeCompose) Up(ctx context.Context, p *types.Project, o api.UpOptions) error {
	attached := o.Start.Attach != nil
	c.j.add("compose up attached=%v watch=%v", attached, o.Start.Watch)
	if c.onUp != nil {
		c.onUp()
	}
	if attached && c.blockAttached {
		<-ctx.Done() // like Compose: run until interrupted, then stop
		c.j.add("compose stopped the project")
	}
	return c.upErr
}

func (c *fakeCompose) Stop(_ context.Context, name string, _ api.StopOptions) error {
	c.j.add("compose stop %s", name)
	return nil
}

func (c *fakeCompose) Down(_ context.Context, name string, _ api.DownOptions) error {
	c.j.add("compose down %s", name)
	delete(c.e.containers, name)
	delete(c.e.networks, name)
	return nil
}

func (c *fakeCompose) Watch(ctx context.Context, _ *types.Project, _ api.WatchOptions) error {
	c.j.add("compose watch")
	<-ctx.Done()
	return ctx.Err()
}

// discard is a LogConsumer for attached runs.
type discard struct{}

func (discard) Log(string, string)    {}
func (discard) Err(string, string)    {}
func (discard) Status(string, string) {}
