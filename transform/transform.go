package transform

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Labels written on what the plugin creates, so that `down` in a new process
// (or after a crash) finds everything from the Docker side.
const (
	// LabelIntercept is set on a handler container and its Telemount volumes:
	// the name of the Telepresence intercept it handles.
	LabelIntercept = "io.telepresence.compose.intercept"
	// LabelDaemon is set on a handler container: the daemon container whose
	// network namespace it shares (and which `down` detaches from networks).
	LabelDaemon = "io.telepresence.compose.daemon"
	// LabelTelemount marks the volumes backed by the Telemount driver.
	LabelTelemount = "io.telepresence.compose.telemount"
)

// DefaultNetwork is the external network of the containerized daemon.
const DefaultNetwork = "telepresence"

// Runtime is what Telepresence and Docker told us once the intercepts exist.
type Runtime struct {
	// DaemonContainer is the name of the containerized Telepresence daemon.
	DaemonContainer string
	// DaemonIP is the daemon container's IP, where Telemount volumes connect.
	DaemonIP string
	// Network is the Docker network of the daemon (DefaultNetwork if empty).
	Network string
	// VolumeDriver is the Docker volume driver for the pod's volumes.
	VolumeDriver string
	// Intercepts holds the created intercepts by compose service name. A
	// handler without an entry gets no environment and no volumes (config).
	Intercepts map[string]Intercept
}

// Intercept is what `telepresence intercept` returned for one handler.
type Intercept struct {
	Name        string
	Environment map[string]string
	MountPort   int
	Mounts      []string
}

// NetworkAttachment is a network the daemon container must join, with the
// aliases the handler had on it.
type NetworkAttachment struct {
	// Key is the compose network key; Name is the Docker network name.
	Key     string
	Name    string
	Aliases []string
}

// Result is the transformed project and what the caller must do around it.
type Result struct {
	Project  *types.Project
	Warnings []string
	// DaemonNetworks are the networks to attach the daemon container to.
	DaemonNetworks []NetworkAttachment
	// Volumes are the compose keys of the Telemount volumes.
	Volumes []string
	// Watch is true when a service that runs locally declares develop.watch.
	Watch bool
}

// Apply returns a new project in which handlers run in the daemon's network
// namespace with the pod's environment and volumes, remote services are
// gone, and the default network is the daemon's. The input is not changed.
func Apply(project *types.Project, in *Intent, rt Runtime) (*Result, error) {
	if err := Validate(project, in); err != nil {
		return nil, err
	}
	if rt.Network == "" {
		rt.Network = DefaultNetwork
	}
	t := &transformer{project: project, in: in, rt: rt, res: &Result{}, expanded: expandRemotes(project, in)}
	t.collectDaemonNetworks()
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
	delete(out.Extensions, ExtensionKey)
	if _, ok := out.Networks["default"]; ok {
		out.Networks["default"] = types.NetworkConfig{Name: rt.Network, External: true}
	}
	if t.handlersNetwork {
		if _, exists := project.Networks[HandlersNetwork]; exists {
			return nil, &IntentError{Key: "networks." + HandlersNetwork, Kind: ErrInvalidProject,
				Problem: "the project declares a network of the name the plugin needs for its intercept handlers", Hint: "rename that network"}
		}
		out.Networks[HandlersNetwork] = types.NetworkConfig{Name: out.Name + "_" + HandlersNetwork}
	}
	if err := t.addVolumes(out); err != nil {
		return nil, err
	}
	t.res.Project = out
	t.res.Warnings = t.warnings()
	for _, svc := range out.Services {
		if svc.Develop != nil && len(svc.Develop.Watch) > 0 {
			t.res.Watch = true
		}
	}
	return t.res, nil
}

// HandlersNetwork is the project network through which the services on the
// default network reach the intercept handlers by name. A handler cannot
// have aliases of its own (it shares the daemon's network namespace), and
// the daemon is already on the default network, where its aliases cannot be
// changed without cutting its connection; so the daemon joins this network
// with the handlers' names, and so do the services on the default network.
const HandlersNetwork = "telepresence-handlers"

type transformer struct {
	project *types.Project
	in      *Intent
	rt      Runtime
	res     *Result
	// handlersNetwork is true when services on the default network need
	// HandlersNetwork to reach a handler.
	handlersNetwork bool
	// expanded holds what each remote service's dependents depend on instead.
	expanded map[string]types.DependsOnConfig
	// volumePrefix names the Telemount volumes of each handler.
	volumePrefix map[string]string
}

// collectDaemonNetworks records the networks the daemon must join, each
// with the names (service name and aliases) of every handler that was on it.
func (t *transformer) collectDaemonNetworks() {
	byKey := map[string]*NetworkAttachment{}
	localOnDefault := t.localOnDefault()
	for _, name := range t.in.ServicesWith(InterceptHandler) {
		svc := t.project.Services[name]
		for key, cfg := range svc.Networks {
			aliases := []string{name}
			if cfg != nil {
				aliases = append(aliases, cfg.Aliases...)
			}
			dockerName := t.project.Networks[key].Name
			if key == "default" {
				if !localOnDefault {
					continue // nobody there needs to reach it by name
				}
				key, dockerName = HandlersNetwork, t.project.Name+"_"+HandlersNetwork
				t.handlersNetwork = true
			}
			if byKey[key] == nil {
				byKey[key] = &NetworkAttachment{Key: key, Name: dockerName}
			}
			byKey[key].Aliases = append(byKey[key].Aliases, aliases...)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		a := byKey[key]
		a.Aliases = uniqueSorted(a.Aliases)
		t.res.DaemonNetworks = append(t.res.DaemonNetworks, *a)
	}
}

// localOnDefault tells whether a service that runs locally (not a handler)
// is on the default network.
func (t *transformer) localOnDefault() bool {
	for name, svc := range t.project.Services {
		if _, ok := svc.Networks["default"]; ok && t.in.Behavior(name) == Local {
			return true
		}
	}
	return false
}

// service transforms one service of the copy; it may change the service's
// own maps and slices, which the copy does not share with the input.
func (t *transformer) service(svc types.ServiceConfig) types.ServiceConfig {
	delete(svc.Extensions, ExtensionKey)
	svc.DependsOn = t.rewire(svc)
	svc.Links = slices.DeleteFunc(svc.Links, func(l string) bool {
		target, _, _ := strings.Cut(l, ":")
		return t.in.Behavior(target) == Remote
	})
	switch t.in.Behavior(svc.Name) {
	case InterceptHandler:
		return t.handler(svc)
	case Remote:
		return svc
	}
	if target, ok := strings.CutPrefix(svc.NetworkMode, types.ServicePrefix); ok && t.in.Behavior(target) == InterceptHandler {
		svc.NetworkMode = types.ContainerPrefix + t.rt.DaemonContainer
	}
	if _, onDefault := svc.Networks["default"]; onDefault && t.handlersNetwork {
		svc.Networks[HandlersNetwork] = nil
	}
	return svc
}

// droppedKeys are refused by the Docker Engine next to a container network
// mode ("conflicting options: ... and the network mode").
var droppedKeys = []struct {
	key   string
	isSet func(*types.ServiceConfig) bool
	clear func(*types.ServiceConfig)
}{
	{"hostname", func(s *types.ServiceConfig) bool { return s.Hostname != "" }, func(s *types.ServiceConfig) { s.Hostname = "" }},
	{"dns", func(s *types.ServiceConfig) bool { return len(s.DNS) > 0 }, func(s *types.ServiceConfig) { s.DNS = nil }},
	{"extra_hosts", func(s *types.ServiceConfig) bool { return len(s.ExtraHosts) > 0 }, func(s *types.ServiceConfig) { s.ExtraHosts = nil }},
	{"links", func(s *types.ServiceConfig) bool { return len(s.Links) > 0 }, func(s *types.ServiceConfig) { s.Links = nil }},
	{"external_links", func(s *types.ServiceConfig) bool { return len(s.ExternalLinks) > 0 }, func(s *types.ServiceConfig) { s.ExternalLinks = nil }},
	{"mac_address", func(s *types.ServiceConfig) bool { return s.MacAddress != "" }, func(s *types.ServiceConfig) { s.MacAddress = "" }},
}

func (t *transformer) handler(svc types.ServiceConfig) types.ServiceConfig {
	svc.NetworkMode = types.ContainerPrefix + t.rt.DaemonContainer
	svc.Networks = nil
	svc.Ports = nil
	svc.Expose = nil
	for _, k := range droppedKeys {
		k.clear(&svc)
	}
	ic, ok := t.rt.Intercepts[svc.Name]
	if !ok {
		return svc
	}
	svc.CustomLabels = svc.CustomLabels.Add(LabelIntercept, ic.Name).Add(LabelDaemon, t.rt.DaemonContainer)
	if len(ic.Environment) > 0 {
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
	if t.mounts(svc.Name) {
		for i, dir := range ic.Mounts {
			svc.Volumes = slices.DeleteFunc(svc.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == dir })
			svc.Volumes = append(svc.Volumes, types.ServiceVolumeConfig{
				Type: types.VolumeTypeVolume, Source: t.volumeKey(svc.Name, i), Target: dir, Volume: &types.ServiceVolumeVolume{},
			})
		}
	}
	return svc
}

// warnings says what the transform dropped or changed behind the user's back.
func (t *transformer) warnings() []string {
	var warnings []string
	for _, name := range t.project.ServiceNames() {
		svc := t.project.Services[name]
		switch t.in.Behavior(name) {
		case Remote:
			continue
		case InterceptHandler:
			// isSet takes a pointer, which moves the variable to the heap:
			// a copy here keeps that to the handlers, not every service.
			handler := svc
			var dropped []string
			for _, k := range droppedKeys {
				if k.isSet(&handler) {
					dropped = append(dropped, k.key)
				}
			}
			if len(dropped) > 0 {
				warnings = append(warnings, fmt.Sprintf("service %q: dropped %s: the Docker Engine refuses them for a container that shares the network of the Telepresence daemon",
					name, strings.Join(dropped, ", ")))
			}
			continue
		}
		if target, ok := strings.CutPrefix(svc.NetworkMode, types.ServicePrefix); ok && t.in.Behavior(target) == InterceptHandler {
			warnings = append(warnings, fmt.Sprintf("service %q: network_mode: shares the network of handler %q, so it now shares the network of the Telepresence daemon %q",
				name, target, t.rt.DaemonContainer))
		}
		for _, l := range svc.Links {
			target, _, _ := strings.Cut(l, ":")
			if t.in.Behavior(target) == Remote {
				warnings = append(warnings, fmt.Sprintf("service %q: links: %q removed: service %q is remote", name, l, target))
			}
		}
	}
	return warnings
}

func (t *transformer) mounts(service string) bool {
	spec := t.in.Services[service].Intercept
	return spec.Mount == nil || *spec.Mount
}

// volumeKey names the i-th Telemount volume of an intercept.
func (t *transformer) volumeKey(service string, i int) string {
	return t.volumePrefix[service] + "-" + strconv.Itoa(i)
}

// nameVolumes picks the prefix of each handler's Telemount volumes: the
// intercepted container's name (<TELEPRESENCE_CONTAINER>-<i>), qualified
// with the compose service when another handler's pod container has the
// same name or the project already has a volume of that name.
func (t *transformer) nameVolumes() {
	t.volumePrefix = map[string]string{}
	count := map[string]int{}
	for service, ic := range t.rt.Intercepts {
		if t.in.Behavior(service) == InterceptHandler && t.mounts(service) && len(ic.Mounts) > 0 {
			count[containerName(ic)]++
		}
	}
	for service, ic := range t.rt.Intercepts {
		prefix := containerName(ic)
		clash := count[prefix] > 1
		for i := range ic.Mounts {
			if _, taken := t.project.Volumes[prefix+"-"+strconv.Itoa(i)]; taken {
				clash = true
			}
		}
		if clash {
			prefix = service + "-" + prefix
		}
		t.volumePrefix[service] = prefix
	}
}

// containerName is the pod container that was intercepted.
func containerName(ic Intercept) string {
	if c := ic.Environment["TELEPRESENCE_CONTAINER"]; c != "" {
		return c
	}
	return ic.Name
}

// addVolumes declares the Telemount volumes of every handler at top level.
func (t *transformer) addVolumes(out *types.Project) error {
	for _, name := range t.in.ServicesWith(InterceptHandler) {
		ic, ok := t.rt.Intercepts[name]
		if !ok || !t.mounts(name) {
			continue
		}
		for i, dir := range ic.Mounts {
			key := t.volumeKey(name, i)
			if _, exists := out.Volumes[key]; exists {
				return &IntentError{Service: name, Key: "volumes", Kind: ErrInvalidProject,
					Problem: fmt.Sprintf("the project already declares a volume %q, the name of the pod volume mounted at %s", key, dir),
					Hint:    "rename that volume"}
			}
			if out.Volumes == nil {
				out.Volumes = types.Volumes{}
			}
			out.Volumes[key] = types.VolumeConfig{
				Name:   out.Name + "_" + key,
				Driver: t.rt.VolumeDriver,
				DriverOpts: types.Options{
					"host":      t.rt.DaemonIP,
					"port":      strconv.Itoa(ic.MountPort),
					"container": containerName(ic),
					"dir":       dir,
				},
				Labels: types.Labels{LabelTelemount: "true", LabelIntercept: ic.Name},
			}
			t.res.Volumes = append(t.res.Volumes, key)
		}
	}
	return nil
}
