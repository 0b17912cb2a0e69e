package telepresence

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// noNetwork is what 2.23+ status prints as container_network when the
// daemon made no Teleroute network.
const noNetwork = "default bridge"

// Daemon is one containerized daemon as `telepresence status` reports it.
type Daemon struct {
	// Name is the connection name; the daemon container is tp-<name> and,
	// in the Teleroute model, the Teleroute network is <name>.
	Name string
	// DaemonPort is the host port of the daemon's gRPC API.
	DaemonPort int
	// ContainerNetwork is "container:tp-<name>" (netns), "tp-<name>"
	// (Teleroute) or "default bridge" (Teleroute, no network).
	ContainerNetwork string
	// Version is the daemon's release; zero when status does not say.
	Version   vocab.Version
	Context   string
	Namespace string
	// ManagerNamespace is where its traffic-manager runs.
	ManagerNamespace string
	// Attachments are the names of the intercepts, replacements and
	// wiretaps the daemon holds (2.27 and newer list them by kind; older
	// releases list them all as intercepts).
	Attachments []string
	// Ingests are the ingests the daemon holds; ListsIngests is false when
	// status does not list them (before 2.27, unless it shows some), so
	// whether one is live is unknown.
	Ingests      []IngestRef
	ListsIngests bool
	// Subnets and AlsoProxySubnets are the cluster subnets it routes.
	Subnets          []string
	AlsoProxySubnets []string
	// DNSMappings is the daemon's mapping set; ReportsDNSMappings is false
	// when status prints no dns object at all, so the set is unknown.
	DNSMappings        []vocab.DNSMapping
	ReportsDNSMappings bool
}

// IngestRef names an ingest: a workload's container.
type IngestRef struct {
	Workload  string
	Container string
}

// Holds tells whether the daemon holds an attachment; ok is false when
// status cannot tell (an ingest before 2.27).
func (d *Daemon) Holds(kind vocab.Kind, name, container string) (held, ok bool) {
	if kind != vocab.KindIngest {
		return slices.Contains(d.Attachments, name), true
	}
	if !d.ListsIngests {
		return false, false
	}
	return slices.ContainsFunc(d.Ingests, func(i IngestRef) bool {
		return i.Workload == name && (container == "" || i.Container == container)
	}), true
}

// Model tells the network model of the daemon from container_network.
func (d *Daemon) Model() vocab.Model {
	switch {
	case strings.HasPrefix(d.ContainerNetwork, "container:"):
		return vocab.ModelNetns
	case d.ContainerNetwork == noNetwork:
		return vocab.ModelTelerouteNoNetwork
	case d.ContainerNetwork == "":
		return vocab.ModelFor(d.Version)
	}
	return vocab.ModelTeleroute
}

// Container is the name of the daemon container.
func (d *Daemon) Container() string {
	if c, ok := strings.CutPrefix(d.ContainerNetwork, "container:"); ok && c != "" {
		return c
	}
	if d.ContainerNetwork != "" && d.ContainerNetwork != noNetwork {
		return d.ContainerNetwork
	}
	return "tp-" + d.Name
}

// Network is the Teleroute network of the daemon (Teleroute model only).
func (d *Daemon) Network() string { return d.Name }

// Release is the daemon's version, or, when status does not print it, the
// oldest release of its model.
func (d *Daemon) Release() vocab.Version {
	if d.Version.IsZero() && d.Model() != vocab.ModelNetns {
		return vocab.Teleroute.Release()
	}
	return d.Version
}

// ReleaseName names the daemon's release for messages.
func (d *Daemon) ReleaseName() string {
	switch {
	case !d.Version.IsZero():
		return d.Version.String()
	case d.Model() == vocab.ModelNetns:
		return "2.22 or older"
	}
	return vocab.Teleroute.Release().String() + " or newer"
}

// Status is what `telepresence status` says.
type Status struct {
	// Daemons are the containerized daemons that run.
	Daemons []Daemon
	// Several is true when status printed several connections: commands
	// then need --use.
	Several bool
	// OnHost tells a daemon on the host (connect without --docker). It
	// never serves a project: a request for a containerized daemon does not
	// take it, and the two coexist (pkg/client/cli/connect/connector.go).
	OnHost bool
}

// Running tells whether a containerized daemon runs.
func (s *Status) Running() bool { return len(s.Daemons) > 0 }

// Select picks the daemon a project uses: the only one, or among several
// the one connected to the context and namespace the project declares. The
// Contract it returns passes --use when several run. A nil Daemon means
// none runs.
func (s *Status) Select(context, namespace string) (*Daemon, Contract, error) {
	if len(s.Daemons) == 0 {
		return nil, Contract{}, nil
	}
	if len(s.Daemons) == 1 && !s.Several {
		d := s.Daemons[0]
		return &d, s.ContractFor(d), nil
	}
	var match []Daemon
	for _, d := range s.Daemons {
		if (context == "" || d.Context == context) && (namespace == "" || d.Namespace == namespace) {
			match = append(match, d)
		}
	}
	if len(match) == 1 {
		d := match[0]
		return &d, s.ContractFor(d), nil
	}
	names := make([]string, len(s.Daemons))
	for i, d := range s.Daemons {
		names[i] = fmt.Sprintf("%s (context %q, namespace %q)", d.Name, d.Context, d.Namespace)
	}
	return nil, Contract{}, fmt.Errorf("%w: %d Telepresence daemons run: %s (hint: set x-telepresence.context and namespace to choose one, or `telepresence quit` the others)",
		ErrSeveralDaemons, len(s.Daemons), strings.Join(names, ", "))
}

// SelectNamed picks the daemon of a named connection (connect --name); a
// nil Daemon means none runs.
func (s *Status) SelectNamed(name string) (*Daemon, Contract) {
	for i, d := range s.Daemons {
		if d.Name == name {
			return &s.Daemons[i], s.ContractFor(d)
		}
	}
	return nil, Contract{}
}

// ContractFor is how to talk to one of the daemons: its release, and --use
// when status printed several.
func (s *Status) ContractFor(d Daemon) Contract {
	c := Contract{Version: d.Release()}
	if s.Several {
		c.Use = d.Name
	}
	return c
}

// statusJSON holds the three shapes of status: one containerized daemon
// ("daemon"), a daemon on the host ("user_daemon", "root_daemon"), or
// several daemons ("connections"); docs/telepresence-contract.md#status
// describes them, and internal/samples/status-*.json are samples.
type statusJSON struct {
	Daemon      *daemonJSON      `json:"daemon"`
	UserDaemon  *daemonJSON      `json:"user_daemon"`
	Connections []connectionJSON `json:"connections"`
}

type connectionJSON struct {
	Daemon     *daemonJSON `json:"daemon"`
	UserDaemon *daemonJSON `json:"user_daemon"`
}

type daemonJSON struct {
	Running          bool       `json:"running"`
	InDocker         bool       `json:"in_docker"`
	Name             string     `json:"name"`
	DaemonPort       int        `json:"daemon_port"`
	ContainerNetwork string     `json:"container_network"`
	Version          string     `json:"version"`
	Context          string     `json:"kubernetes_context"`
	Namespace        string     `json:"namespace"`
	ManagerNamespace string     `json:"manager_namespace"`
	Subnets          []string   `json:"subnets"`
	AlsoProxySubnets []string   `json:"also_proxy_subnets"`
	Intercepts       []nameJSON `json:"intercepts"`
	Replacements     []nameJSON `json:"replacements"`
	Wiretaps         []nameJSON `json:"wiretaps"`
	Ingests          *[]struct {
		Workload  string `json:"workload"`
		Container string `json:"container"`
	} `json:"ingests"`
	DNS *struct {
		Mappings []struct {
			Name     string `json:"name"`
			AliasFor string `json:"aliasFor"`
		} `json:"mappings"`
	} `json:"dns"`
}

type nameJSON struct {
	Name string `json:"name"`
}

// containerized tells a daemon that runs in a container.
func (d *daemonJSON) containerized() bool { return d.InDocker || d.ContainerNetwork != "" }

func (d *daemonJSON) daemon() Daemon {
	out := Daemon{
		Name: d.Name, DaemonPort: d.DaemonPort, ContainerNetwork: d.ContainerNetwork,
		Context: d.Context, Namespace: d.Namespace, ManagerNamespace: d.ManagerNamespace,
		Subnets: d.Subnets, AlsoProxySubnets: d.AlsoProxySubnets,
	}
	out.Version, _ = vocab.ParseVersion(d.Version)
	for _, a := range slices.Concat(d.Intercepts, d.Replacements, d.Wiretaps) {
		out.Attachments = append(out.Attachments, a.Name)
	}
	// From 2.27 status lists every kind, each left out when empty
	// (pkg/client/cli/cmd/status.go UserDaemonStatus, omitempty): there an
	// absent list is an empty one.
	if d.Ingests != nil || out.Version.Has(vocab.StatusListsEveryKind) {
		out.ListsIngests = true
	}
	if d.Ingests != nil {
		for _, i := range *d.Ingests {
			out.Ingests = append(out.Ingests, IngestRef{Workload: i.Workload, Container: i.Container})
		}
	}
	// 2.20–2.22 omit dns.mappings when the set is empty
	// (pkg/client/cli/cmd/status.go, omitempty): a dns object without
	// mappings means none.
	if d.DNS != nil {
		out.ReportsDNSMappings = true
		out.DNSMappings = []vocab.DNSMapping{}
		for _, m := range d.DNS.Mappings {
			out.DNSMappings = append(out.DNSMappings, vocab.DNSMapping{Name: m.Name, AliasFor: m.AliasFor})
		}
	}
	return out
}

// parseStatus reads status JSON (maybe in a {"cmd","stdout"} envelope).
func parseStatus(out []byte) (*Status, error) {
	raw, err := unwrapJSON(out)
	if err != nil {
		return nil, err
	}
	var st statusJSON
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, err
	}
	s := &Status{}
	onHost := st.UserDaemon != nil && st.UserDaemon.Running
	add := func(d *daemonJSON) {
		switch {
		case d == nil || !d.Running:
		case d.containerized():
			s.Daemons = append(s.Daemons, d.daemon())
		default:
			onHost = true
		}
	}
	add(st.Daemon)
	for _, c := range st.Connections {
		add(c.Daemon)
		add(c.UserDaemon)
	}
	s.Several = len(st.Connections) > 1
	s.OnHost = onHost
	return s, nil
}
