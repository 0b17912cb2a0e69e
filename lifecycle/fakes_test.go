package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence"
)

// steps records, in order, every call the fakes receive, so a test reads
// what the lifecycle did as a list of steps.
type steps struct {
	mu   sync.Mutex
	list []string
}

func (j *steps) add(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.list = append(j.list, fmt.Sprintf(format, args...))
}

func (j *steps) all() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.list)
}

func (j *steps) reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.list = nil
}

// fakeTP is a Telepresence of one release with at most one daemon, named
// "test": netns before 2.23, Teleroute from 2.23.
type fakeTP struct {
	mu      sync.Mutex
	j       *steps
	release telepresence.Version
	// noSubnets makes a Teleroute daemon route nothing (no network).
	noSubnets bool
	daemon    *telepresence.Daemon
	// other is another project's daemon, listed after daemon.
	other      *telepresence.Daemon
	statusErr  error
	versionErr error
	connectErr error
	failLeave  map[string]error
	onConnect  func()
	// failIntercept maps a workload to the error its intercept returns.
	failIntercept map[string]error
	// onIntercept runs before an intercept answers (to cancel a context),
	// under the fake's lock; onAttach runs before it, without the lock, and
	// fails the attachment with its error.
	onIntercept func(workload string)
	onAttach    func(name string) error
	// madeUnanswered makes each attachment, then answers with the
	// context's error if it ended meanwhile (made, but never heard back).
	madeUnanswered bool
	active         map[string]bool
	env            map[string]string
	mounts         []telepresence.Mount
}

func newFakeTP(j *steps, release telepresence.Version) *fakeTP {
	return &fakeTP{j: j, release: release, active: map[string]bool{}, failIntercept: map[string]error{}}
}

func (f *fakeTP) teleroute() bool { return f.release.AtLeast(2, 23) }

func (f *fakeTP) Status(context.Context) (*telepresence.Status, error) {
	f.j.add("tp status")
	if f.statusErr != nil {
		return nil, f.statusErr
	}
	st := &telepresence.Status{}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.daemon != nil {
		d := *f.daemon
		d.Attachments = nil
		for name := range f.active {
			d.Attachments = append(d.Attachments, name)
		}
		slices.Sort(d.Attachments)
		st.Daemons = []telepresence.Daemon{d}
	}
	if f.other != nil {
		st.Daemons = append(st.Daemons, *f.other)
		st.Several = len(st.Daemons) > 1
	}
	return st, nil
}

func (f *fakeTP) ClientVersion(context.Context) (telepresence.Version, error) {
	f.j.add("tp version")
	return f.release, f.versionErr
}

// connect makes the daemon status then reports.
func (f *fakeTP) connect() {
	d := &telepresence.Daemon{Name: "test", DaemonPort: 9999, Context: "default", Namespace: "default"}
	switch {
	case !f.teleroute():
		// As 2.20.2 prints it: a dns object, whose mappings key is left out
		// when the set is empty.
		d.Version, d.ContainerNetwork, d.ReportsDNSMappings, d.DNSMappings = f.release, "container:tp-test", true, []telepresence.DNSMapping{}
	case f.noSubnets:
		d.Version, d.ContainerNetwork, d.ReportsDNSMappings, d.DNSMappings = f.release, "default bridge", true, []telepresence.DNSMapping{}
	default:
		d.Version, d.ContainerNetwork, d.ReportsDNSMappings = f.release, "tp-test", true
		d.Subnets, d.DNSMappings = []string{"10.96.0.0/12"}, []telepresence.DNSMapping{{Name: "user", AliasFor: "users.default"}}
	}
	f.daemon = d
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
	if o.Name != "" && f.daemon != nil && o.Name != f.daemon.Name {
		// Another connection: its daemon is the fake's other one.
		f.other = &telepresence.Daemon{Name: o.Name, ContainerNetwork: "tp-" + o.Name, Version: f.release, Context: "default", Namespace: o.Namespace,
			Subnets: []string{"10.100.0.0/16"}, ReportsDNSMappings: true, DNSMappings: []telepresence.DNSMapping{}}
		return nil
	}
	f.connect()
	return nil
}

// Attach makes an attachment named o.Name; failIntercept and onIntercept
// are by workload. Attachments are made concurrently: the fake locks.
func (f *fakeTP) Attach(ctx context.Context, o telepresence.AttachOptions) (*telepresence.Attachment, error) {
	f.j.add("tp %s", strings.Join(o.Args(), " "))
	if f.onAttach != nil {
		if err := f.onAttach(o.Name); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.onIntercept != nil {
		f.onIntercept(o.Workload) // under the fake's lock: it may change active
	}
	if err := ctx.Err(); err != nil {
		if f.madeUnanswered {
			f.active[o.Name] = true
		}
		return nil, &telepresence.CommandError{Args: o.Args(), Err: err}
	}
	if err, ok := f.failIntercept[o.Workload]; ok {
		return nil, err
	}
	if f.active[o.Name] {
		return nil, &telepresence.CommandError{Args: []string{string(o.Kind), o.Name}, Err: telepresence.ErrFailed,
			Message: `Intercept with name "` + o.Name + `" already exists`}
	}
	f.active[o.Name] = true
	env := map[string]string{"TELEPRESENCE_CONTAINER": o.Workload}
	for k, v := range f.env {
		env[k] = v
	}
	return &telepresence.Attachment{Kind: o.Kind, Name: o.Name, Environment: env, MountPort: 34439, Mounts: f.mounts}, nil
}

func (f *fakeTP) Detach(_ context.Context, c telepresence.Contract, a telepresence.DetachOptions) error {
	f.j.add("tp leave %s%s", a.Name, useSuffix(c))
	f.mu.Lock()
	defer f.mu.Unlock()
	if err, ok := f.failLeave[a.Name]; ok {
		return err
	}
	if !f.active[a.Name] {
		return fmt.Errorf("%w: %s", telepresence.ErrNotFound, a.Name)
	}
	delete(f.active, a.Name)
	return nil
}

func useSuffix(c telepresence.Contract) string {
	if c.Use != "" {
		return " --use " + c.Use
	}
	return ""
}

func (f *fakeTP) Quit(_ context.Context, c telepresence.Contract) error {
	f.j.add("tp quit%s", useSuffix(c))
	f.daemon = nil
	f.active = map[string]bool{}
	return nil
}

func (f *fakeTP) SetDNSMappings(_ context.Context, addr string, m []telepresence.DNSMapping) error {
	var set []string
	for _, x := range m {
		set = append(set, x.Name+"="+x.AliasFor)
	}
	f.j.add("tp dns %s [%s]", addr, strings.Join(set, " "))
	d := f.daemon
	if strings.HasSuffix(addr, ":49322") {
		d = f.other // its gRPC port, as fakeEngine publishes it
	}
	if d != nil && d.ReportsDNSMappings {
		d.DNSMappings = slices.Clone(m)
	}
	return nil
}

// fakeCompose turns Create/Up/Down into containers of the fake engine and
// keeps the options it was given.
type fakeCompose struct {
	j     *steps
	e     *fakeEngine
	upErr error
	onUp  func()
	// blockAttached makes an attached Up run until its context ends, then
	// stop the project, unless keepRunning.
	blockAttached, keepRunning bool
	// ran makes an Up that fails (upErr) start the containers first, as
	// when a container exits once it ran; without it a failing Up starts
	// none, as when a port is taken.
	ran      bool
	onCreate func()
	// onDown runs after each Down, e.g. to land a container whose create
	// the engine finished after Compose gave up on it.
	onDown   func()
	projects map[string]*types.Project
	creates  []api.CreateOptions
	ups      []api.UpOptions
	downs    []api.DownOptions
	watches  []api.WatchOptions
}

func newFakeCompose(j *steps, e *fakeEngine) *fakeCompose {
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
	c.projects[p.Name] = p
	c.e.mu.Lock()
	defer c.e.mu.Unlock()
	c.e.containers[p.Name] = nil
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		container := p.Name + "-" + name + "-1"
		c.e.containers[p.Name] = append(c.e.containers[p.Name], Container{Name: container, Project: p.Name, Service: name, Labels: s.CustomLabels, Running: true})
		if _, exists := c.e.endpoints[container]; !exists { // as Compose, which recreates only what changed
			c.e.endpoints[container] = endpointsOf(p, s)
		}
	}
	for _, key := range p.NetworkNames() {
		if n := p.Networks[key]; !bool(n.External) && !slices.ContainsFunc(c.e.networks[p.Name], func(x Network) bool { return x.Name == n.Name }) {
			c.e.networks[p.Name] = append(c.e.networks[p.Name], Network{Name: n.Name})
		}
	}
	for key, v := range p.Volumes {
		if !bool(v.External) && !slices.ContainsFunc(c.e.volumes[p.Name], func(x Volume) bool { return x.Name == v.Name }) {
			labels := map[string]string{api.ProjectLabel: p.Name, api.VolumeLabel: key}
			for k, l := range v.Labels {
				labels[k] = l
			}
			c.e.volumes[p.Name] = append(c.e.volumes[p.Name], Volume{Name: v.Name, Labels: labels, Options: v.DriverOpts})
		}
	}
	return nil
}

func (c *fakeCompose) Up(ctx context.Context, p *types.Project, o api.UpOptions) error {
	attached := o.Start.Attach != nil
	c.j.add("compose up attached=%v watch=%v", attached, o.Start.Watch)
	c.ups = append(c.ups, o)
	if c.onUp != nil {
		c.onUp()
	}
	if c.upErr == nil || c.ran {
		c.e.startAll(p.Name)
	}
	if attached && c.blockAttached {
		<-ctx.Done() // like Compose: run until interrupted, then stop
		if !c.keepRunning {
			c.e.stopAll(p.Name)
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
	c.e.mu.Lock()
	defer c.e.mu.Unlock()
	for _, ctr := range c.e.containers[name] {
		delete(c.e.endpoints, ctr.Name)
	}
	delete(c.e.containers, name)
	delete(c.e.networks, name)
	if o.Volumes { // as Compose may: every volume labelled with the project
		delete(c.e.volumes, name)
	}
	if c.onDown != nil {
		c.e.mu.Unlock()
		c.onDown()
		c.e.mu.Lock()
	}
	return nil
}

func (c *fakeCompose) Watch(ctx context.Context, _ *types.Project, o api.WatchOptions) error {
	c.j.add("compose watch")
	c.watches = append(c.watches, o)
	<-ctx.Done()
	return ctx.Err()
}

// endpointsOf are the networks Compose attaches a service's container to,
// with the aliases it declares there and its service name.
func endpointsOf(p *types.Project, s types.ServiceConfig) map[string]Endpoint {
	out := map[string]Endpoint{}
	for key, cfg := range s.Networks {
		ep := Endpoint{Aliases: []string{s.Name}}
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

// labelled lists, sorted, the names of the volumes of the project "proj"
// with a label.
func (e *fakeEngine) labelled(label string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var names []string
	for _, v := range e.volumes["proj"] {
		if _, ok := v.Labels[label]; ok {
			names = append(names, v.Name)
		}
	}
	slices.Sort(names)
	return names
}

// startAll marks the project's containers as started.
func (e *fakeEngine) startAll(project string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.containers[project] {
		e.containers[project][i].Started = true
	}
}

// stopAll marks the project's containers as stopped.
func (e *fakeEngine) stopAll(project string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.containers[project] {
		e.containers[project][i].Running = false
	}
}
