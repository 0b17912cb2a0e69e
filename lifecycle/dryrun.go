package lifecycle

import (
	"context"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// A dry run (--dry-run, as Docker Compose's) goes through every step as a
// run would, deciding what to connect, make, reuse, end or create, but
// changes nothing: Telepresence is only asked for its status and version,
// and the engine only read. What would change is said on Err; Compose,
// given a dry-run backend by the caller, says what it would create. This
// file holds the stand-ins for Telepresence and the engine that say instead
// of doing.

// DryRunPrefix starts every line of a dry run, as Compose's dry-run
// display starts its own.
const DryRunPrefix = "DRY-RUN MODE - "

// dryRun returns the Runner a dry run works with: Telepresence and the
// engine wrapped so that what would change is said, not done.
func (r *Runner) dryRun() *Runner {
	p := &pretend{}
	d := &Runner{Compose: r.Compose, Engine: &engine.Dry{Engine: r.Engine, Say: p.sayf, Pretended: p.network},
		Telepresence: &dryTelepresence{Client: r.Telepresence, p: p}, Settings: r.Settings}
	// It says each step as a line (event), takes no lock (it changes
	// nothing), and its progress is Compose's dry-run display's.
	d.DryRun, d.Events, d.Locker = true, nil, nil
	p.say = func(format string, args ...any) { d.printf(DryRunPrefix+format, args...) }
	return d
}

// pretend is what a dry run pretends exists: the daemons it would connect.
type pretend struct {
	say     func(format string, args ...any)
	mu      sync.Mutex
	daemons []telepresence.Daemon
}

// daemon is the pretended daemon whose container is container, if any.
func (p *pretend) daemon(container string) (telepresence.Daemon, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, d := range p.daemons {
		if d.Container() == container {
			return d, true
		}
	}
	return telepresence.Daemon{}, false
}

func (p *pretend) sayf(format string, args ...any) { p.say(format, args...) }

// network tells a pretended daemon container, and its Teleroute network.
func (p *pretend) network(container string) (string, bool) {
	d, ok := p.daemon(container)
	return d.Network(), ok
}

// dryTelepresence answers status and version from Telepresence, and says
// what it would run for the rest.
type dryTelepresence struct {
	telepresence.Client
	p *pretend
}

func (t *dryTelepresence) Status(ctx context.Context) (*telepresence.Status, error) {
	st, err := t.Client.Status(ctx)
	if err != nil {
		return st, err
	}
	t.p.mu.Lock()
	defer t.p.mu.Unlock()
	st.Daemons = append(st.Daemons, t.p.daemons...)
	st.Several = st.Several || len(st.Daemons) > 1
	return st, nil
}

func (t *dryTelepresence) Connect(ctx context.Context, opts telepresence.ConnectOptions) error {
	t.p.say("would run: telepresence %s", strings.Join(opts.Args(), " "))
	v, err := t.ClientVersion(ctx)
	if err != nil {
		return err
	}
	// The namespace a connect that names none gives the daemon is the
	// kubeconfig context's, which only the connect tells.
	ns := opts.Namespace
	if ns == "" {
		ns = PlaceholderNamespace
	}
	// A connection's name names the daemon (its container tp-<name>, its
	// Teleroute network <name>); else the kubeconfig context does, which
	// only the connect tells: placeholders stand for them.
	d := telepresence.Daemon{Name: opts.Name, Version: v, Context: opts.Context, Namespace: ns, ReportsDNSMappings: true}
	teleroute := vocab.ModelFor(v) == vocab.ModelTeleroute
	switch {
	case opts.Name != "" && !teleroute:
		d.ContainerNetwork = "container:tp-" + opts.Name
	case opts.Name != "":
		d.ContainerNetwork = "tp-" + opts.Name
	case teleroute:
		d.ContainerNetwork, d.Name = PlaceholderDaemon, PlaceholderNetwork
	default:
		d.ContainerNetwork, d.Name = "container:"+PlaceholderDaemon, "dry-run"
	}
	t.p.mu.Lock()
	defer t.p.mu.Unlock()
	t.p.daemons = append(t.p.daemons, d)
	return nil
}

func (t *dryTelepresence) Attach(_ context.Context, opts telepresence.AttachOptions) (*vocab.Attachment, error) {
	t.p.say("would run: telepresence %s", strings.Join(opts.Args(), " "))
	return &vocab.Attachment{Kind: opts.Kind, Name: opts.Name, Environment: map[string]string{}}, nil
}

func (t *dryTelepresence) Detach(_ context.Context, c telepresence.Contract, opts vocab.AttachmentRef) error {
	t.p.say("would end %s %s", opts.Kind, opts.Name)
	return nil
}

func (t *dryTelepresence) Quit(context.Context, telepresence.Contract) error {
	t.p.say("would run: telepresence quit")
	return nil
}

func (t *dryTelepresence) SetDNSMappings(_ context.Context, _ string, mappings []vocab.DNSMapping) error {
	var set []string
	for _, m := range mappings {
		set = append(set, m.Name+"="+m.AliasFor)
	}
	t.p.say("would set the daemon's DNS mappings to [%s]", strings.Join(set, " "))
	return nil
}

// sayCompose is what Compose would be asked, where it cannot be asked (the
// daemon's networks do not exist yet).
func (u *upRun) sayCompose(project *types.Project) {
	verb := "create and start"
	if u.opts.Mode == Create {
		verb = "create"
	}
	var networks, volumes []string
	for _, key := range project.NetworkNames() {
		if n := project.Networks[key]; !bool(n.External) {
			networks = append(networks, n.Name)
		}
	}
	for _, key := range project.VolumeNames() {
		if v := project.Volumes[key]; !bool(v.External) {
			volumes = append(volumes, v.Name)
		}
	}
	u.printf("%swould %s with Compose the services %s, the networks %s and the volumes %s", DryRunPrefix, verb,
		orNone(project.ServiceNames()), orNone(networks), orNone(volumes))
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "(none)"
	}
	return strings.Join(list, ", ")
}

// isDry tells a Telepresence that a dry run wrapped.
func isDry(c telepresence.Client) bool {
	_, ok := c.(*dryTelepresence)
	return ok
}

// dryCompose is what a dry run asks of Compose: to create the project, in
// its own dry run (which reads the engine and writes nothing), where the
// daemon's networks exist; else what it would ask.
func (u *upRun) dryCompose(ctx context.Context, project *types.Project, create api.CreateOptions) error {
	if u.pretended() || u.opts.Mode == Watch && u.opts.NoUp {
		u.sayCompose(project)
		return nil
	}
	return u.Compose.Create(ctx, project, create)
}
