// Package transform turns a loaded compose project into the project that runs
// with Telepresence: it reads the declared intent (x-telepresence extensions
// and flags), plans what Telepresence must do, and applies the result of the
// intercepts to a copy of the project. It does no I/O and never edits its
// input.
package transform

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// ExtensionKey is the compose extension that carries the intent.
const ExtensionKey = "x-telepresence"

// Behavior is what a compose service does when the project runs with Telepresence.
type Behavior string

const (
	// Local services run locally as before.
	Local Behavior = "local"
	// InterceptHandler services take the traffic, environment and volumes of a workload.
	InterceptHandler Behavior = "interceptHandler"
	// Remote services are not run: the cluster has them.
	Remote Behavior = "remote"
)

var behaviors = []Behavior{InterceptHandler, Remote, Local}

// Connection says how to connect Telepresence (top-level x-telepresence).
type Connection struct {
	Context          string
	Namespace        string
	ManagerNamespace string
	MappedNamespaces []string
}

// InterceptSpec is the optional `intercept` block of a handler.
type InterceptSpec struct {
	Workload    string
	Port        string
	Service     string
	HTTPHeaders []string
	// Mount is nil when not declared (mount by default).
	Mount *bool
}

// Mapping is the optional `mapping` block of a remote service.
type Mapping struct {
	Name      string
	Namespace string
}

// ServiceIntent is the declared behaviour of one service.
type ServiceIntent struct {
	Behavior  Behavior
	Intercept InterceptSpec
	Mapping   Mapping
	// Cluster is set on a local service that must reach the cluster (the
	// Teleroute model puts it on the daemon's network).
	Cluster bool
	// Source is "file" or the flag that declared or overrode the intent.
	Source string
}

// Intent is everything the user declared.
type Intent struct {
	Connection Connection
	// Services holds the services that declare a behaviour other than the
	// default; a service that is absent is Local.
	Services map[string]ServiceIntent
}

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
	out := &Intent{Connection: in.Connection, Services: map[string]ServiceIntent{}}
	for name, si := range in.Services {
		if si.Behavior != InterceptHandler || slices.Contains(selected, name) {
			out.Services[name] = si
		}
	}
	return out
}

// ServicesWith lists, sorted, the services that have behaviour b.
func (in *Intent) ServicesWith(b Behavior) []string {
	var out []string
	for name, si := range in.Services {
		if si.Behavior == b {
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

// ParseIntent reads the x-telepresence extensions of the project and the
// flags. Every problem is reported, each naming the service and key.
func ParseIntent(project *types.Project, flags Flags) (*Intent, error) {
	var errs Errors
	in := &Intent{Services: map[string]ServiceIntent{}}

	if raw, ok := project.Extensions[ExtensionKey]; ok {
		in.Connection = parseConnection(raw, &errs)
	}
	for _, name := range project.ServiceNames() {
		raw, ok := project.Services[name].Extensions[ExtensionKey]
		if !ok {
			continue
		}
		si, ok := parseService(name, raw, &errs)
		if ok && (si.Behavior != Local || si.Cluster) {
			in.Services[name] = si
		}
	}
	applyFlags(project, flags, in, &errs)
	checkDefaultedNames(in, &errs)
	return in, errs.orNil()
}

func parseConnection(raw any, errs *Errors) Connection {
	var c Connection
	d := decoder{key: ExtensionKey, errs: errs}
	m, ok := d.mapping(raw)
	if !ok {
		return c
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		sub := d.child(k)
		switch k {
		case "context":
			c.Context, _ = sub.str(m[k])
		case "namespace":
			c.Namespace, _ = sub.str(m[k])
			sub.dnsLabel(c.Namespace, "a Kubernetes namespace")
		case "managerNamespace":
			c.ManagerNamespace, _ = sub.str(m[k])
			sub.dnsLabel(c.ManagerNamespace, "a Kubernetes namespace")
		case "mappedNamespaces":
			c.MappedNamespaces = sub.strList(m[k])
			for i, ns := range c.MappedNamespaces {
				sub.child(strconv.Itoa(i)).dnsLabel(ns, "a Kubernetes namespace")
			}
		default:
			sub.unknown("context, namespace, managerNamespace, mappedNamespaces")
		}
	}
	return c
}

func parseService(service string, raw any, errs *Errors) (ServiceIntent, bool) {
	si := ServiceIntent{Behavior: Local, Source: "file"}
	d := decoder{service: service, key: ExtensionKey, errs: errs}
	m, ok := d.mapping(raw)
	if !ok {
		return si, false
	}
	before := len(*errs)
	if b, present := m["behavior"]; present {
		si.Behavior = d.child("behavior").behavior(b)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		sub := d.child(k)
		switch k {
		case "behavior":
		case "intercept":
			if si.Behavior != InterceptHandler {
				sub.fail(fmt.Sprintf("intercept is only for behavior %s, this service is %s", InterceptHandler, si.Behavior),
					"set behavior: interceptHandler or remove intercept")
				continue
			}
			si.Intercept = sub.intercept(m[k])
		case "mapping":
			if si.Behavior != Remote {
				sub.fail(fmt.Sprintf("mapping is only for behavior %s, this service is %s", Remote, si.Behavior),
					"set behavior: remote or remove mapping")
				continue
			}
			si.Mapping = sub.remoteMapping(m[k])
		case "cluster":
			if si.Behavior != Local {
				sub.fail(fmt.Sprintf("cluster is only for behavior %s, this service is %s", Local, si.Behavior),
					"remove cluster: an intercept handler always reaches the cluster, a remote service does not run")
				continue
			}
			si.Cluster, _ = sub.boolean(m[k])
		default:
			sub.unknown("behavior, intercept, mapping, cluster")
		}
	}
	return si, len(*errs) == before
}

func (d decoder) behavior(raw any) Behavior {
	s, ok := d.str(raw)
	if !ok {
		return Local
	}
	for _, b := range behaviors {
		if s == string(b) {
			return b
		}
	}
	hint := "use one of " + joinBehaviors()
	for _, b := range behaviors {
		if strings.EqualFold(s, string(b)) {
			hint = fmt.Sprintf("did you mean %q? behaviours are case-sensitive", b)
		}
	}
	d.fail(fmt.Sprintf("unknown behavior %q", s), hint)
	return Local
}

func joinBehaviors() string {
	names := make([]string, len(behaviors))
	for i, b := range behaviors {
		names[i] = string(b)
	}
	return strings.Join(names, ", ")
}

func (d decoder) intercept(raw any) InterceptSpec {
	var spec InterceptSpec
	m, ok := d.mapping(raw)
	if !ok {
		return spec
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		sub := d.child(k)
		switch k {
		case "workload":
			spec.Workload, _ = sub.str(m[k])
			sub.dnsName(spec.Workload)
		case "port":
			spec.Port, _ = sub.port(m[k])
		case "service":
			spec.Service, _ = sub.str(m[k])
			sub.dnsLabel(spec.Service, "a Kubernetes service name")
		case "httpHeaders":
			spec.HTTPHeaders = sub.strList(m[k])
		case "mount":
			if b, ok := sub.boolean(m[k]); ok {
				spec.Mount = &b
			}
		default:
			sub.unknown("workload, port, service, httpHeaders, mount")
		}
	}
	return spec
}

// remoteMapping reads the `mapping` block of a remote service.
func (d decoder) remoteMapping(raw any) Mapping {
	var mp Mapping
	m, ok := d.mapping(raw)
	if !ok {
		return mp
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		sub := d.child(k)
		switch k {
		case "name":
			mp.Name, _ = sub.str(m[k])
			sub.dnsLabel(mp.Name, "a Kubernetes service name")
		case "namespace":
			mp.Namespace, _ = sub.str(m[k])
			sub.dnsLabel(mp.Namespace, "a Kubernetes namespace")
		default:
			sub.unknown("name, namespace")
		}
	}
	return mp
}
