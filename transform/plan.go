package transform

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/telepresence"
)

// InterceptRequest is one `telepresence intercept` to create.
type InterceptRequest struct {
	// Service is the compose service that handles the intercept.
	Service string
	// Workload is the Kubernetes workload to intercept.
	Workload string
	// Port is "<local port>[:<service port>]".
	Port string
	// Address is the handler's alias on the Teleroute network, the
	// intercept's --address in the Teleroute model.
	Address string
	// K8sService is the Kubernetes service, when the workload has several.
	K8sService  string
	HTTPHeaders []string
	// Mount is false when the pod's volumes must not be mounted.
	Mount bool
	// Expose are the --expose values of the handler's published ports
	// (netns model).
	Expose []string
}

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
func (m RemoteMapping) DNSMapping(connectedNamespace string) telepresence.DNSMapping {
	ns := m.Namespace
	if ns == "" {
		ns = connectedNamespace
	}
	alias := m.Name
	if ns != "" {
		alias += "." + ns
	}
	return telepresence.DNSMapping{Name: m.Service, AliasFor: alias}
}

// Plan is what Telepresence must do before the project can start.
type Plan struct {
	Intercepts []InterceptRequest
	// Expose lists the `--expose` values the daemon needs so that the
	// handlers' published ports still reach them from the workstation.
	Expose      []string
	DNSMappings []RemoteMapping
	// Remote are the remote services.
	Remote []string
	// ClusterServices are the local services that join the daemon's
	// network in the Teleroute model.
	ClusterServices []string
	// Watch lists the services that run locally and declare develop.watch.
	Watch    []string
	Warnings []string
}

// NeedsDaemonNetwork tells whether, in the Teleroute model, something must
// join the daemon's network.
func (p *Plan) NeedsDaemonNetwork() bool {
	return len(p.Intercepts)+len(p.ClusterServices) > 0
}

// Only is the plan of the selected services (see Select): their
// intercepts and ports, and the local ones among them that need the cluster.
func (p *Plan) Only(selected []string) *Plan {
	if selected == nil {
		return p
	}
	out := *p
	out.Intercepts, out.Expose, out.ClusterServices, out.Watch = nil, nil, nil, nil
	for _, req := range p.Intercepts {
		if slices.Contains(selected, req.Service) {
			out.Intercepts = append(out.Intercepts, req)
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
// intercepts, exposed ports and DNS mappings the project needs.
func NewPlan(project *types.Project, in *Intent) (*Plan, error) {
	if err := Validate(project, in); err != nil {
		return nil, err
	}
	p := &Plan{}
	for _, name := range in.ServicesWith(InterceptHandler) {
		svc := project.Services[name]
		req, err := interceptRequest(project.Name, svc, in.Services[name])
		if err != nil {
			return nil, err
		}
		var warnings []string
		req.Expose, warnings = exposedPorts(svc)
		p.Intercepts = append(p.Intercepts, req)
		p.Expose = append(p.Expose, req.Expose...)
		p.Warnings = append(p.Warnings, warnings...)
	}
	p.Expose = uniqueSorted(p.Expose)
	p.Remote = in.ServicesWith(Remote)
	for _, name := range in.ServicesWith(Remote) {
		m := in.Services[name].Mapping
		if m == (Mapping{}) {
			continue
		}
		if m.Name == "" {
			m.Name = name
		}
		p.DNSMappings = append(p.DNSMappings, RemoteMapping{Service: name, Name: m.Name, Namespace: m.Namespace})
	}
	p.ClusterServices = ClusterServices(project, in)
	for _, name := range project.ServiceNames() {
		if svc := project.Services[name]; in.Behavior(name) != Remote && svc.Develop != nil && len(svc.Develop.Watch) > 0 {
			p.Watch = append(p.Watch, name)
		}
	}
	return p, nil
}

func interceptRequest(project string, svc types.ServiceConfig, si ServiceIntent) (InterceptRequest, error) {
	spec := si.Intercept
	req := InterceptRequest{
		Service:     svc.Name,
		Address:     InterceptAddress(project, svc.Name),
		Workload:    spec.Workload,
		Port:        spec.Port,
		K8sService:  spec.Service,
		HTTPHeaders: slices.Clone(spec.HTTPHeaders),
		Mount:       spec.Mount == nil || *spec.Mount,
	}
	if req.Workload == "" {
		req.Workload = svc.Name
	}
	if req.Port == "" {
		port, ok := firstContainerPort(svc)
		if !ok && si.Source == "--handler" {
			return req, &IntentError{Source: si.Source, Service: svc.Name,
				Problem: "no port to intercept: the service declares no ports or expose",
				Hint:    fmt.Sprintf("give the port on the command line, e.g. --handler %s:8080, or set x-telepresence.intercept.port", svc.Name)}
		}
		if !ok {
			return req, &IntentError{Service: svc.Name, Key: ExtensionKey + ".intercept.port",
				Problem: "no port to intercept: the service declares no ports or expose",
				Hint:    `set x-telepresence.intercept.port, e.g. "8080:http"`}
		}
		req.Port = port
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
		target := strconv.FormatUint(uint64(p.Target), 10)
		switch {
		case p.Published == "":
			expose = append(expose, target)
		case strings.Contains(p.HostIP, ":"):
			expose = append(expose, "["+p.HostIP+"]:"+p.Published+":"+target)
		case p.HostIP != "":
			expose = append(expose, p.HostIP+":"+p.Published+":"+target)
		default:
			expose = append(expose, p.Published+":"+target)
		}
	}
	return expose, warnings
}

func uniqueSorted(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
