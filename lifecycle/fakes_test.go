package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
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
	release vocab.Version
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
	// onStatus runs as status is asked, before it answers.
	onStatus func()
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
	mounts         []vocab.Mount
	// exposed are the ports the first daemon publishes (connect --expose).
	exposed []string
	// onHost is a daemon the user connected on the host, which status
	// lists beside the containerized ones.
	onHost bool
}

func newFakeTP(j *steps, release vocab.Version) *fakeTP {
	return &fakeTP{j: j, release: release, active: map[string]bool{}, failIntercept: map[string]error{}}
}

func (f *fakeTP) teleroute() bool { return f.release.Has(vocab.Teleroute) }

func (f *fakeTP) Status(context.Context) (*telepresence.Status, error) {
	f.j.add("tp status")
	if f.onStatus != nil {
		f.onStatus()
	}
	if f.statusErr != nil {
		return nil, f.statusErr
	}
	st := &telepresence.Status{OnHost: f.onHost}
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

func (f *fakeTP) ClientVersion(context.Context) (vocab.Version, error) {
	f.j.add("tp version")
	return f.release, f.versionErr
}

// connect makes the daemon status then reports: named by the
// connection, else "test".
func (f *fakeTP) connect(name string) {
	if name == "" {
		name = "test"
	}
	d := &telepresence.Daemon{Name: name, DaemonPort: 9999, Context: "default", Namespace: "default"}
	switch {
	case !f.teleroute():
		// As 2.20.2 prints it: a dns object, whose mappings key is left out
		// when the set is empty.
		d.Version, d.ContainerNetwork, d.ReportsDNSMappings, d.DNSMappings = f.release, "container:tp-"+name, true, []vocab.DNSMapping{}
	case f.noSubnets:
		d.Version, d.ContainerNetwork, d.ReportsDNSMappings, d.DNSMappings = f.release, "default bridge", true, []vocab.DNSMapping{}
	default:
		d.Version, d.ContainerNetwork, d.ReportsDNSMappings = f.release, "tp-"+name, true
		d.Subnets, d.DNSMappings = []string{"10.96.0.0/12"}, []vocab.DNSMapping{{Name: "user", AliasFor: "users.default"}}
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
			Subnets: []string{"10.100.0.0/16"}, ReportsDNSMappings: true, DNSMappings: []vocab.DNSMapping{}}
		return nil
	}
	if f.daemon != nil && (o.Name == "" || o.Name == f.daemon.Name) {
		return nil // a connect to a daemon that runs: it keeps what it publishes
	}
	f.connect(o.Name)
	f.exposed = o.Expose
	return nil
}

// Attach makes an attachment named o.Name; failIntercept and onIntercept
// are by workload. Attachments are made concurrently: the fake locks.
func (f *fakeTP) Attach(ctx context.Context, o telepresence.AttachOptions) (*vocab.Attachment, error) {
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
	return &vocab.Attachment{Kind: o.Kind, Name: o.Name, Environment: env, MountPort: 34439, Mounts: f.mounts}, nil
}

func (f *fakeTP) Detach(_ context.Context, c telepresence.Contract, a vocab.AttachmentRef) error {
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

func (f *fakeTP) SetDNSMappings(_ context.Context, addr string, m []vocab.DNSMapping) error {
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

// daemonInfo is what Docker answers of fakeTP's daemon: on the network
// "telepresence" with its port published 1:1 (netns), or on the bridge and
// the Teleroute network with 4038 published (Teleroute). published
// replaces the ports the daemon tp-test publishes.
func daemonInfo(tp *fakeTP, published func() map[string][]string) func(name string) engine.DaemonInfo {
	return func(name string) engine.DaemonInfo {
		info := engine.DaemonInfo{Networks: map[string]engine.Endpoint{}, Published: map[string][]string{}}
		first := tp.firstDaemon()
		if tp.teleroute() {
			info.Networks["bridge"] = engine.Endpoint{IP: "172.17.0.2"}
			if !tp.noSubnets {
				info.Networks[first] = engine.Endpoint{IP: "172.30.0.2"}
			}
			info.Published["4038/tcp"] = []string{"127.0.0.1:49321"}
			if name != "tp-"+first {
				info.Published["4038/tcp"] = []string{"127.0.0.1:49322"} // fakeTP's other daemon
				info.Networks[strings.TrimPrefix(name, "tp-")] = engine.Endpoint{IP: "172.31.0.2"}
			}
		} else {
			info.Networks["telepresence"] = engine.Endpoint{IP: "172.20.0.2"}
			info.Published["9999/tcp"] = []string{"127.0.0.1:9999"}
			info.Published["8088/tcp"] = []string{"127.0.0.1:8088"}
		}
		if name == "tp-"+first {
			for _, e := range tp.exposedPorts() {
				host, port := splitExpose(e)
				if anyPort(host) {
					host = "32768"
				}
				info.Published[port+"/tcp"] = []string{"0.0.0.0:" + host}
			}
		}
		if p := published(); p != nil && name == "tp-"+first {
			info.Published = p
		}
		return info
	}
}

// firstDaemon is the name of the fake's first daemon: "test" unless its
// connection named it.
func (f *fakeTP) firstDaemon() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.daemon != nil {
		return f.daemon.Name
	}
	return "test"
}

func (f *fakeTP) exposedPorts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.exposed)
}
