package transform

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// AttachRequest is one attachment to make: an intercept, a replace, a
// wiretap or an ingest.
type AttachRequest struct {
	Kind vocab.Kind
	// Service is the compose service that handles it.
	Service string
	// Name is the attachment's name: the workload's, unless declared
	// (intercept, wiretap).
	Name string
	// Workload is the Kubernetes workload to attach to.
	Workload string
	// Ports are "<local port>[:<remote port>]": one at least for an
	// intercept or a wiretap; none for a replace means all.
	Ports []string
	// Address is the handler's alias on the Teleroute network, the
	// attachment's --address in the Teleroute model.
	Address string
	// K8sService is the Kubernetes service, when the workload has several.
	K8sService string
	Container  string
	HTTP       vocab.HTTPFilter
	Metadata   map[string]string
	ToPod      []string
	// Mount is false when the pod's volumes must not be mounted;
	// MountRequired is true when the intent asks for them (mount: true).
	Mount, MountRequired bool
	// Expose are the --expose values of the handler's published ports
	// (netns model).
	Expose []string
	// Block is where it was declared (x-telepresence.intercept, x-tele),
	// Source the file or flag, for errors.
	Block, Source string
	// Connection names the connection it is made on ("" for the default).
	Connection string
}

// Key is the dotted key of one of the request's settings, for errors.
func (r AttachRequest) Key(name string) string { return r.Block + "." + name }

// RemoteMapping is what a remote service's `mapping` asks: that its compose
// name resolve to a cluster service inside the daemon's network.
type RemoteMapping struct {
	// Service is the compose service name (the name to resolve).
	Service string
	// Name is the cluster service name.
	Name string
	// Namespace is the cluster namespace; empty means the connected namespace.
	Namespace string
}

// DNSMapping is the daemon's mapping for it, once the connected namespace
// is known.
func (m RemoteMapping) DNSMapping(connectedNamespace string) vocab.DNSMapping {
	return vocab.DNSMapping{Name: m.Service, AliasFor: m.host(connectedNamespace)}
}

// host is the name the daemon resolves the cluster service by: a name with
// a dot as it is written (x-tele's SERVICE.NAMESPACE), else the service in
// its namespace, else in the connected one.
func (m RemoteMapping) host(connectedNamespace string) string {
	ns := m.Namespace
	if ns == "" {
		ns = connectedNamespace
	}
	if ns == "" || strings.Contains(m.Name, ".") {
		return m.Name
	}
	return m.Name + "." + ns
}

// Plan is what Telepresence must do before the project can start.
type Plan struct {
	Attachments []AttachRequest
	// Expose lists the `--expose` values the daemon needs so that the
	// handlers' published ports still reach them from the workstation.
	Expose      []string
	DNSMappings []RemoteMapping
	// Proxies are the remote services whose ports the daemon reroutes.
	Proxies []Proxy
	// Remote are the remote services.
	Remote []string
	// ClusterServices are the local services that join the daemon's
	// network in the Teleroute model.
	ClusterServices []string
	// Watch lists the services that run locally and declare develop.watch.
	Watch    []string
	Warnings []string
}

// ForConnection is the part of the plan one connection's daemon serves:
// its attachments and proxies, and the handlers' ports it publishes.
func (p *Plan) ForConnection(name string, first bool) *Plan {
	out := *p
	out.Attachments, out.Proxies, out.Expose = nil, nil, nil
	mine := func(c string) bool { return c == name || c == "" && first }
	for _, req := range p.Attachments {
		if mine(req.Connection) {
			out.Attachments = append(out.Attachments, req)
			out.Expose = append(out.Expose, req.Expose...)
		}
	}
	for _, px := range p.Proxies {
		if mine(px.Connection) {
			out.Proxies = append(out.Proxies, px)
		}
	}
	out.Expose = uniqueSorted(out.Expose)
	return &out
}

// NeedsDaemonNetwork tells whether, in the Teleroute model, something must
// join the daemon's network.
func (p *Plan) NeedsDaemonNetwork() bool {
	return len(p.Attachments)+len(p.ClusterServices) > 0
}

// Only is the plan of the selected services (see Select): their
// intercepts and ports, and the local ones among them that need the cluster.
func (p *Plan) Only(selected []string) *Plan {
	if selected == nil {
		return p
	}
	out := *p
	out.Attachments, out.Expose, out.ClusterServices, out.Watch = nil, nil, nil, nil
	for _, req := range p.Attachments {
		if slices.Contains(selected, req.Service) {
			out.Attachments = append(out.Attachments, req)
			out.Expose = append(out.Expose, req.Expose...)
		}
	}
	out.Expose = uniqueSorted(out.Expose)
	keep := func(names []string) []string {
		return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return !slices.Contains(selected, n) })
	}
	out.ClusterServices, out.Watch = keep(p.ClusterServices), keep(p.Watch)
	return &out
}

// NewPlan validates the intent against the project and says which
// attachments, exposed ports and DNS mappings the project needs.
func NewPlan(project *types.Project, in *Intent) (*Plan, error) {
	if err := Validate(project, in); err != nil {
		return nil, err
	}
	p := &Plan{}
	for _, name := range in.Handlers() {
		svc := project.Services[name]
		req, err := attachRequest(project.Name, svc, in.Services[name])
		if err != nil {
			return nil, err
		}
		var warnings []string
		if req.Kind == vocab.KindWiretap && len(req.Metadata) > 0 {
			// x-tele takes it (upstream's compose passes it over gRPC); the
			// telepresence CLI's wiretap has no --metadata.
			p.Warnings = append(p.Warnings, fmt.Sprintf("service %q: %s: not passed: the telepresence CLI's wiretap has no --metadata flag (Telepresence's own compose passes it through the daemon's API)", name, req.Key("metadata")))
			req.Metadata = nil
		}
		req.Expose, warnings = exposedPorts(svc)
		p.Attachments = append(p.Attachments, req)
		p.Expose = append(p.Expose, req.Expose...)
		p.Warnings = append(p.Warnings, warnings...)
	}
	p.Expose = uniqueSorted(p.Expose)
	p.Remote = in.ServicesWith(Remote)
	for _, name := range in.ServicesWith(Remote) {
		m := in.Services[name].Mapping
		if m.Name != "" || m.Namespace != "" {
			rm := RemoteMapping{Service: name, Name: m.Name, Namespace: m.Namespace}
			if rm.Name == "" {
				rm.Name = name
			}
			p.DNSMappings = append(p.DNSMappings, rm)
		}
		p.Proxies = append(p.Proxies, proxyOf(project.Services[name], in.Services[name])...)
	}
	p.ClusterServices = ClusterServices(project, in)
	for _, name := range project.ServiceNames() {
		if svc := project.Services[name]; in.Behavior(name) != Remote && svc.Develop != nil && len(svc.Develop.Watch) > 0 {
			p.Watch = append(p.Watch, name)
		}
	}
	return p, nil
}

func attachRequest(project string, svc types.ServiceConfig, si ServiceIntent) (AttachRequest, error) {
	spec := si.Attach
	req := AttachRequest{
		Kind: si.Behavior.Kind(), Service: svc.Name, Name: si.name(svc.Name), Workload: si.workload(svc.Name),
		Ports: slices.Clone(spec.Ports), K8sService: spec.Service, Container: spec.Container,
		HTTP: spec.HTTP.Clone(), Metadata: spec.Metadata, ToPod: slices.Clone(spec.ToPod), Mount: spec.Mount == nil || *spec.Mount,
		MountRequired: spec.Mount != nil && *spec.Mount,
		Block:         si.block(), Source: si.Source, Connection: si.Connection,
	}
	if req.Kind.Traffic() {
		req.Address = InterceptAddress(project, svc.Name)
	}
	if len(req.Ports) > 0 || req.Kind == vocab.KindReplace || req.Kind == vocab.KindIngest {
		return req, nil
	}
	port, ok := firstContainerPort(svc)
	switch {
	case ok:
		req.Ports = []string{port}
	case si.Source == "--handler":
		return req, &IntentError{Source: si.Source, Service: svc.Name,
			Problem: "no port to intercept: the service declares no ports or expose",
			Hint:    fmt.Sprintf("give the port on the command line, e.g. --handler %s:8080, or set x-telepresence.intercept.port", svc.Name)}
	default:
		return req, &IntentError{Service: svc.Name, Key: si.key("ports"),
			Problem: fmt.Sprintf("no port to %s: the service declares no ports or expose", req.Kind),
			Hint:    fmt.Sprintf(`set %s, e.g. ["8080:http"]`, si.key("ports"))}
	}
	return req, nil
}

// firstContainerPort is the default local port of an intercept: the first
// container port the service publishes or exposes.
func firstContainerPort(svc types.ServiceConfig) (string, bool) {
	for _, p := range svc.Ports {
		if p.Target != 0 {
			return strconv.FormatUint(uint64(p.Target), 10), true
		}
	}
	for _, e := range svc.Expose {
		port, _, _ := strings.Cut(e, "/")
		port, _, _ = strings.Cut(port, "-")
		if n, err := strconv.Atoi(port); err == nil && n > 0 {
			return port, true
		}
	}
	return "", false
}

// exposedPorts turns the handler's published ports into daemon --expose values.
func exposedPorts(svc types.ServiceConfig) ([]string, []string) {
	var expose, warnings []string
	for _, p := range svc.Ports {
		if p.Protocol != "" && p.Protocol != "tcp" {
			warnings = append(warnings, fmt.Sprintf("service %q: ports: %s/%d is not published: the Telepresence daemon exposes TCP ports only",
				svc.Name, p.Protocol, p.Target))
			continue
		}
		expose = append(expose, publishSpec(p, strconv.FormatUint(uint64(p.Target), 10)))
	}
	return expose, warnings
}

func uniqueSorted(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
