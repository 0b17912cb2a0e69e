package transform

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// ErrNoModel means the Runtime names no network model the transform knows.
var ErrNoModel = errors.New("the runtime names no network model")

// Runtime is what Telepresence and Docker told us once the attachments exist.
type Runtime struct {
	// Model is the network model (docs/network-models.md): ModelNetns or
	// ModelTeleroute; any other value is refused.
	Model vocab.Model
	// Daemons are the daemons of the project's connections, by connection
	// name: its only one, or each of several (Teleroute). The netns model
	// has one.
	Daemons map[string]DaemonRuntime
	// TakenSubnets are the subnets of the Docker networks that exist,
	// except the project's own, whose subnets are in ProjectSubnets by
	// Docker network name.
	TakenSubnets   []string
	ProjectSubnets map[string]string
	// VolumeDriver is the Docker volume driver for the pod's volumes.
	VolumeDriver string
	// Attachments holds what each handler's attachment gave it, by compose
	// service name. A handler without an entry gets no environment and no
	// volumes (config).
	Attachments map[string]vocab.Attachment
	// TelemountReadOnly tells a volume driver that takes the `ro` option
	// (Telemount 0.1.6 and newer).
	TelemountReadOnly bool
}

func (rt Runtime) netns() bool { return rt.Model == vocab.ModelNetns }

// NetworkAttachment is a network the daemon container must join, with the
// aliases the handler had on it (netns model).
type NetworkAttachment struct {
	// Name is the Docker network name.
	Name    string
	Aliases []string
}

// Result is the transformed project and what the caller must do around it.
type Result struct {
	Project  *types.Project
	Warnings []string
	// DaemonNetworks are the networks to attach the daemon container to
	// (netns model).
	DaemonNetworks []NetworkAttachment
}

// Apply returns a new project in which handlers take their workloads'
// traffic (if their kind takes any) with the pod's environment and
// volumes, remote services are gone and local ones reach the cluster as
// the model allows. The input is not changed.
func Apply(project *types.Project, in *Intent, rt Runtime) (*Result, error) {
	if err := Validate(project, in); err != nil {
		return nil, err
	}
	if rt.Model != vocab.ModelNetns && rt.Model != vocab.ModelTeleroute {
		return nil, fmt.Errorf("%w: %q (want %s or %s)", ErrNoModel, rt.Model, vocab.ModelNetns, vocab.ModelTeleroute)
	}
	t := &transformer{project: project, in: in, rt: rt, res: &Result{}, expanded: expandRemotes(project, in), joined: map[string]string{}, redefined: map[string]string{}}
	if rt.netns() {
		t.netnsPrepare()
	} else {
		t.cluster = ClusterServices(project, in)
	}
	t.nameVolumes()
	// A deep copy (no service is disabled), then one pass over its services.
	// compose-go's WithServicesTransform does the same copy but also starts a
	// goroutine per service and rebuilds the services map through a channel,
	// which costs more than the transform of a service itself (BENCHMARKS.md).
	out := project.WithServicesDisabled()
	for name, svc := range out.Services {
		out.Services[name] = t.service(svc)
	}
	for _, name := range in.ServicesWith(Remote) {
		delete(out.Services, name)
	}
	t.dropRemoteOnly(out)
	delete(out.Extensions, ExtensionKey)
	delete(out.Extensions, TeleKey)
	if rt.netns() {
		t.netnsNetworks(out)
	} else {
		t.telerouteNetworks(out)
	}
	if err := t.addVolumes(out); err != nil {
		return nil, err
	}
	t.res.Project = out
	t.res.Warnings = append(t.warnings(), t.extraWarnings...)
	return t.res, nil
}

type transformer struct {
	project *types.Project
	in      *Intent
	rt      Runtime
	res     *Result
	// handlersNetwork is true when services on the default network need
	// HandlersNetwork to reach a handler (netns model).
	handlersNetwork bool
	// expanded holds what each remote service's dependents depend on instead.
	expanded map[string]types.DependsOnConfig
	// volumePrefix names the Telemount volumes of each handler.
	volumePrefix map[string]string
	// cluster lists the local services that join the Teleroute network.
	cluster []string
	// joined are the Teleroute networks services joined, by compose key.
	joined map[string]string
	// extraWarnings are what the transform itself noticed.
	extraWarnings []string
	// redefined are the named volumes the x-tele rule made Telemount
	// volumes, with the handler whose pod volume each is.
	redefined map[string]string
}

// service transforms one service of the copy; it may change the service's
// own maps and slices, which the copy does not share with the input.
func (t *transformer) service(svc types.ServiceConfig) types.ServiceConfig {
	delete(svc.Extensions, ExtensionKey)
	delete(svc.Extensions, TeleKey)
	svc = t.unlinkRemote(svc)
	switch t.in.Behavior(svc.Name) {
	case Remote:
		return svc
	case InterceptHandler, Ingest, Replace, Wiretap:
		if t.rt.netns() {
			svc = t.netnsHandler(svc)
		} else {
			svc = t.telerouteHandler(svc)
		}
		return t.podEnvironment(svc)
	}
	if t.rt.netns() {
		return t.netnsLocal(svc)
	}
	return t.telerouteLocal(svc)
}

// podEnvironment gives a handler the environment and volumes of its
// intercept, and the labels that let `down` find it.
func (t *transformer) podEnvironment(svc types.ServiceConfig) types.ServiceConfig {
	ic, ok := t.rt.Attachments[svc.Name]
	if !ok {
		return svc
	}
	svc.CustomLabels = svc.CustomLabels.Add(labels.Attachment, ic.Name).Add(labels.DaemonContainer, t.daemon(t.in.ConnectionOf(svc.Name)).Container).
		Add(labels.Kind, string(t.in.Behavior(svc.Name).Kind()))
	if len(ic.Environment) > 0 {
		svc.CustomLabels = svc.CustomLabels.Add(labels.PodEnv, strings.Join(slices.Sorted(maps.Keys(ic.Environment)), ","))
		env := make(types.MappingWithEquals, len(svc.Environment)+len(ic.Environment))
		for k, v := range ic.Environment {
			env[k] = &v
		}
		for k, v := range svc.Environment {
			// The compose file wins, except a bare `- KEY` that the shell
			// did not set: it has no value to win with.
			if v != nil || env[k] == nil {
				env[k] = v
			}
		}
		svc.Environment = env
	}
	return t.mountVolumes(svc, ic)
}

// warnings says what the transform dropped or changed behind the user's back.
func (t *transformer) warnings() []string {
	var warnings []string
	for _, name := range t.project.ServiceNames() {
		svc := t.project.Services[name]
		switch t.in.Behavior(name) {
		case Remote:
			continue
		case InterceptHandler, Ingest, Replace, Wiretap:
			if t.rt.netns() {
				warnings = append(warnings, netnsDropped(svc)...)
			}
			continue
		}
		warnings = append(warnings, t.localWarnings(svc)...)
		for _, l := range svc.Links {
			target, _, _ := strings.Cut(l, ":")
			if t.in.Behavior(target) == Remote {
				warnings = append(warnings, fmt.Sprintf("service %q: links: %q removed: service %q is remote", name, l, target))
			}
		}
	}
	return warnings
}

// mounts tells whether a handler mounts the pod's volumes: unless its
// intent says not to, or no volume driver is at hand.
func (t *transformer) mounts(service string) bool {
	spec := t.in.Services[service].Attach
	return (spec.Mount == nil || *spec.Mount) && t.rt.VolumeDriver != ""
}
