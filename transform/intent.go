// Package transform turns a loaded compose project into the project that runs
// with Telepresence: it reads the declared intent (x-telepresence or x-tele
// extensions, and flags), plans what Telepresence must do, and applies the
// result of the attachments to a copy of the project. It does no I/O and
// never edits its input.
package transform

import (
	"maps"
	"regexp"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// Behavior is what a compose service does when the project runs with
// Telepresence (docs/attachments.md).
type Behavior string

const (
	// Local services run locally as before.
	Local Behavior = "local"
	// InterceptHandler services take the traffic, environment and volumes of a workload.
	InterceptHandler Behavior = "interceptHandler"
	// Ingest services take the environment and (read-only) volumes of a
	// workload's container, and no traffic.
	Ingest Behavior = "ingest"
	// Replace services replace a container of the workload's pods: all its
	// traffic (or the ports given), its environment and volumes.
	Replace Behavior = "replace"
	// Wiretap services get a copy of the traffic while the pod serves it,
	// with its environment and read-only volumes.
	Wiretap Behavior = "wiretap"
	// Remote services are not run: the cluster has them.
	Remote Behavior = "remote"
)

var behaviors = []Behavior{InterceptHandler, Ingest, Replace, Wiretap, Remote, Local}

// Kind is the Telepresence attachment a behaviour makes; "" when it makes
// none.
func (b Behavior) Kind() vocab.Kind {
	switch b {
	case InterceptHandler:
		return vocab.KindIntercept
	case Ingest:
		return vocab.KindIngest
	case Replace:
		return vocab.KindReplace
	case Wiretap:
		return vocab.KindWiretap
	}
	return ""
}

// Attaches tells the behaviours whose service is attached to a workload
// (its handler): they run with the pod's environment and reach the cluster.
func (b Behavior) Attaches() bool { return b.Kind() != "" }

// Connection says how to connect Telepresence.
type Connection struct {
	// Name is the connection's name (connect --name); empty for the
	// default one.
	Name             string
	Context          string
	Namespace        string
	ManagerNamespace string
	MappedNamespaces []string
	AlsoProxy        []string
	NeverProxy       []string
}

// AttachSpec is what an attachment is made with; every field is optional.
type AttachSpec struct {
	// Name is the attachment's name (intercept, wiretap); empty means the
	// workload's.
	Name     string
	Workload string
	// Service is the Kubernetes service, when the workload has several.
	Service   string
	Container string
	// Ports are LOCAL[:REMOTE] entries: the first is the intercepted port.
	Ports []string
	// HTTP makes a personal intercept.
	HTTP     vocab.HTTPFilter
	Metadata map[string]string
	// ToPod are ports of the pod the handler reaches.
	ToPod []string
	// Mount is nil when not declared (mount by default).
	Mount *bool
}

// Mapping is the optional `mapping` of a remote service (a proxy in x-tele).
type Mapping struct {
	Name      string
	Namespace string
	// Ports are COMPOSE:CLUSTER entries: the compose port dependents dial,
	// and the cluster service's port it reaches.
	Ports []string
}

func (m Mapping) empty() bool { return m.Name == "" && m.Namespace == "" && len(m.Ports) == 0 }

// ServiceIntent is the declared behaviour of one service.
type ServiceIntent struct {
	Behavior Behavior
	Attach   AttachSpec
	Mapping  Mapping
	// Cluster is set on a local service that must reach the cluster (the
	// Teleroute model puts it on the daemon's network).
	Cluster bool
	// Connection names the service's connection ("" for the default).
	Connection string
	// Source is "file" or the flag that declared or overrode the intent.
	Source string
	// Block is the key of the block the attachment's keys were read from,
	// for errors: x-telepresence.intercept, x-tele, ...
	Block string
}

// workload is the workload a handler attaches to: as declared, else its
// attachment's name, else the service's.
func (si ServiceIntent) workload(service string) string {
	switch {
	case si.Attach.Workload != "":
		return si.Attach.Workload
	case si.Attach.Name != "":
		return si.Attach.Name
	}
	return service
}

// name is the name of a handler's attachment: as declared; else a replace
// or an ingest is named by its workload (as Telepresence names them), a
// wiretap by the service (so that it does not take the name of the
// workload's intercept), and an intercept by its workload.
func (si ServiceIntent) name(service string) string {
	switch {
	case si.Behavior == Replace || si.Behavior == Ingest:
		return si.workload(service)
	case si.Attach.Name != "":
		return si.Attach.Name
	case si.Behavior == Wiretap:
		return service
	}
	return si.workload(service)
}

// workloadKey is the key that names the workload in the service's front
// door: x-tele names it with name, but for an intercept.
func (si ServiceIntent) workloadKey() string {
	if si.Block == TeleKey && si.Behavior != InterceptHandler {
		return si.key("name")
	}
	return si.key("workload")
}

// block is the key of the block the attachment was declared in.
func (si ServiceIntent) block() string {
	if si.Block != "" {
		return si.Block
	}
	return ExtensionKey + "." + blockOf(si.Behavior)
}

// key is the dotted key of an attachment setting, for errors.
func (si ServiceIntent) key(name string) string { return si.block() + "." + name }

// MountOverride sets the policy of the pod volumes that a compose volume,
// named or matching a pattern, is mounted in place of.
type MountOverride struct {
	Volume  string
	Pattern *regexp.Regexp
	Policy  vocab.MountPolicy
}

// Matches tells whether the override is about a compose volume.
func (m MountOverride) Matches(volume string) bool {
	if m.Pattern != nil {
		return m.Pattern.MatchString(volume)
	}
	return m.Volume == volume
}

// Intent is everything the user declared.
type Intent struct {
	// Connections are the declared connections; none means the default.
	Connections []Connection
	Mounts      []MountOverride
	// Services holds the services that declare a behaviour other than the
	// default; a service that is absent is Local.
	Services map[string]ServiceIntent
}

// Connection is the project's first connection (the only one, mostly;
// the default one when none is declared).
func (in *Intent) Connection() Connection {
	if in == nil || len(in.Connections) == 0 {
		return Connection{}
	}
	return in.Connections[0]
}

// ConnectionOf is the name of the connection a service uses: the one it
// names, else the first.
func (in *Intent) ConnectionOf(service string) string {
	if si, ok := in.Services[service]; ok && si.Connection != "" {
		return si.Connection
	}
	return in.Connection().Name
}

// Several tells a project of several connections.
func (in *Intent) Several() bool { return in != nil && len(in.Connections) > 1 }

// Behavior returns the behaviour of a service (Local when undeclared).
func (in *Intent) Behavior(service string) Behavior {
	if in == nil {
		return Local
	}
	if si, ok := in.Services[service]; ok {
		return si.Behavior
	}
	return Local
}

// Only is the intent for running the selected services (see Select):
// handlers that do not run are left out, so that nothing is done for them.
// nil selects every service.
func (in *Intent) Only(selected []string) *Intent {
	if selected == nil {
		return in
	}
	out := &Intent{Connections: in.Connections, Mounts: in.Mounts, Services: map[string]ServiceIntent{}}
	for name, si := range in.Services {
		if !si.Behavior.Attaches() || slices.Contains(selected, name) {
			out.Services[name] = si
		}
	}
	return out
}

// ServicesWith lists, sorted, the services that have behaviour b.
func (in *Intent) ServicesWith(b Behavior) []string {
	return in.services(func(x Behavior) bool { return x == b })
}

// Handlers lists, sorted, the services attached to a workload.
func (in *Intent) Handlers() []string { return in.services(Behavior.Attaches) }

func (in *Intent) services(keep func(Behavior) bool) []string {
	var out []string
	for name, si := range in.Services {
		if keep(si.Behavior) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Flags are the intent declared on the command line. They win over the files.
type Flags struct {
	// Handlers are --handler SERVICE values.
	Handlers []string
	// Remotes are --remote SERVICE[=NAME[.NAMESPACE]] values.
	Remotes []string
}

// ParseIntent reads the x-telepresence and x-tele extensions of the project
// and the flags. Every problem is reported, each naming the service and key.
func ParseIntent(project *types.Project, flags Flags) (*Intent, error) {
	var errs Errors
	in := &Intent{Services: map[string]ServiceIntent{}}
	parseTopLevel(project.Extensions, in, &errs)
	for _, name := range project.ServiceNames() {
		si, declared := parseServiceExtensions(name, project.Services[name].Extensions, &errs)
		if declared && (si.Behavior != Local || si.Cluster) {
			in.Services[name] = si
		}
	}
	nameTeleConnections(project.Extensions, in)
	applyFlags(project, flags, in, &errs)
	checkDefaultedNames(in, &errs)
	checkConnections(in, &errs)
	return in, errs.orNil()
}

// Declares tells whether any service does anything with Telepresence:
// without, the project runs as Compose runs it.
func (in *Intent) Declares() bool { return in != nil && len(in.Services) > 0 }

// WithCluster is the intent with a local service reaching the cluster, as
// cluster: true would have it (Teleroute model): how a one-off container
// of any service reaches the remote services by their compose names. The
// intent it is made from is not changed.
func (in *Intent) WithCluster(service string) *Intent {
	if b := in.Behavior(service); b != Local {
		return in
	}
	out := &Intent{Connections: in.Connections, Mounts: in.Mounts, Services: maps.Clone(in.Services)}
	si := out.Services[service]
	si.Behavior, si.Cluster = Local, true
	out.Services[service] = si
	return out
}

// nameTeleConnections names the unnamed connections of an x-tele project
// as Telepresence's own compose names them: trn-<namespace>, trn-default
// without one (pkg/client/cli/docker/compose/connection.go). A user who
// ran the same file with `telepresence compose` has that daemon running,
// and it is used rather than a second one for the same cluster. A project
// whose top level is x-telepresence keeps its daemon chosen by context and
// namespace.
func nameTeleConnections(ext map[string]any, in *Intent) {
	_, teleTop := ext[TeleKey]
	_, tpTop := ext[ExtensionKey]
	teleService := slices.ContainsFunc(slices.Collect(maps.Values(in.Services)), func(si ServiceIntent) bool { return si.Block == TeleKey })
	if tpTop || !teleTop && !teleService {
		return
	}
	if len(in.Connections) == 0 {
		in.Connections = []Connection{{}}
	}
	for i, c := range in.Connections {
		if c.Name == "" {
			ns := c.Namespace
			if ns == "" {
				ns = "default"
			}
			in.Connections[i].Name = "trn-" + ns
		}
	}
}
