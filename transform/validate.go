package transform

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Validate checks that the project can run with the declared intent. It is
// called before anything is created, so a bad project starts nothing.
func Validate(project *types.Project, in *Intent) error {
	var errs Errors
	taken := claims{}
	for _, name := range in.Handlers() {
		svc, ok := project.Services[name]
		if !ok {
			errs = append(errs, &IntentError{Service: name, Problem: "no such service in the project", Kind: ErrInvalidProject})
			continue
		}
		errs = append(errs, validateHandler(svc, in.Services[name], taken)...)
	}
	for _, name := range in.ServicesWith(Remote) {
		if _, ok := project.Services[name]; !ok {
			errs = append(errs, &IntentError{Service: name, Problem: "no such service in the project", Kind: ErrInvalidProject})
		}
	}
	for _, name := range project.ServiceNames() {
		if in.Behavior(name) == Remote {
			continue
		}
		errs = append(errs, validateSharing(project.Services[name], in)...)
	}
	for _, name := range in.ServicesWith(Local) {
		if svc := project.Services[name]; in.Services[name].Cluster && svc.NetworkMode != "" {
			errs = append(errs, &IntentError{Service: name, Key: ExtensionKey + ".cluster", Kind: ErrInvalidProject,
				Problem: fmt.Sprintf("a service with network_mode %q cannot join the Telepresence network", svc.NetworkMode),
				Hint:    "remove network_mode, or remove cluster"})
		}
	}
	for _, key := range []string{HandlersNetwork, TelerouteNetwork} {
		if _, exists := project.Networks[key]; exists {
			errs = append(errs, &IntentError{Key: "networks." + key, Kind: ErrInvalidProject,
				Problem: "the project declares a network of a name the plugin needs for Telepresence (" + HandlersNetwork + ", " + TelerouteNetwork + ")",
				Hint:    "rename that network"})
		}
	}
	if err := checkRemoteCycles(project, in); err != nil {
		errs = append(errs, err)
	}
	return errs.orNil()
}

// claims are what handlers take: attachment names, replaced containers and
// the global intercepts of workloads, each with the service that took it.
type claims map[string]string

func validateHandler(svc types.ServiceConfig, si ServiceIntent, taken claims) Errors {
	var errs Errors
	fail := func(key, problem, hint string) {
		errs = append(errs, &IntentError{Service: svc.Name, Key: key, Problem: problem, Hint: hint, Kind: ErrInvalidProject})
	}
	b := si.Behavior
	if svc.NetworkMode != "" {
		fail("network_mode", fmt.Sprintf("an %s service reaches the cluster through the Telepresence daemon and cannot also use network_mode %q", b, svc.NetworkMode),
			"remove network_mode from this service, or do not attach it to a workload")
	}
	if svc.Image == "" && svc.Build == nil {
		fail("image", "the service has neither image nor build", "add an image or a build section")
	}
	if scale := svc.GetScale(); scale > 1 {
		fail("scale", fmt.Sprintf("an %s service runs one container, the service asks for %d", b, scale), "remove scale/deploy.replicas from the handler")
	}
	workload := si.workload(svc.Name)
	claim := func(what, key, problem, hint string) {
		if other, dup := taken[what]; dup {
			fail(key, fmt.Sprintf(problem, other), hint)
			return
		}
		taken[what] = svc.Name
	}
	switch {
	case b == Ingest:
		return errs // any number of services may ingest a container
	case b == Replace:
		claim("replace "+workload+"/"+si.Attach.Container, si.workloadKey(),
			"workload "+quote(workload)+" is already replaced by service %q", "replace a workload's container from one service only")
		claim("name "+workload, si.workloadKey(), "the name "+quote(workload)+" is taken by service %q", "give each attachment its own name")
		return errs
	case b == InterceptHandler && !si.Attach.HTTP.Any():
		claim("global "+workload, si.workloadKey(), "workload "+quote(workload)+" is already intercepted by service %q",
			"intercept each workload from one service only, or declare HTTP filters for a personal intercept")
	}
	name := si.name(svc.Name)
	claim("name "+name, si.key("name"), "the name "+quote(name)+" is taken by service %q", "give each attachment its own name")
	return errs
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// validateSharing refuses a service that shares a namespace or the volumes of
// a remote service: that service will not exist.
func validateSharing(svc types.ServiceConfig, in *Intent) Errors {
	var errs Errors
	shared := map[string]string{"network_mode": svc.NetworkMode, "ipc": svc.Ipc, "pid": svc.Pid, "uts": svc.Uts, "cgroup": svc.Cgroup}
	for _, key := range []string{"cgroup", "ipc", "network_mode", "pid", "uts"} {
		target, ok := strings.CutPrefix(shared[key], types.ServicePrefix)
		if ok && in.Behavior(target) == Remote {
			errs = append(errs, &IntentError{Service: svc.Name, Key: key, Kind: ErrInvalidProject,
				Problem: fmt.Sprintf("shares the %s of service %q, which is remote and does not run locally", key, target),
				Hint:    fmt.Sprintf("make %q local, or make %q remote too", target, svc.Name)})
		}
	}
	for _, vf := range svc.VolumesFrom {
		target := volumesFromService(vf)
		if target != "" && in.Behavior(target) == Remote {
			errs = append(errs, &IntentError{Service: svc.Name, Key: "volumes_from", Kind: ErrInvalidProject,
				Problem: fmt.Sprintf("uses the volumes of service %q, which is remote and does not run locally", target),
				Hint:    fmt.Sprintf("make %q local, or remove it from volumes_from", target)})
		}
	}
	return errs
}

// volumesFromService returns the service named by a volumes_from entry
// ("service[:mode]" or "service:name[:mode]"), or "" for a container.
func volumesFromService(vf string) string {
	if strings.HasPrefix(vf, types.ContainerPrefix) {
		return ""
	}
	vf = strings.TrimPrefix(vf, types.ServicePrefix)
	name, _, _ := strings.Cut(vf, ":")
	return name
}

// checkRemoteCycles refuses depends_on cycles that only go through remote
// services: rewiring them would never end.
func checkRemoteCycles(project *types.Project, in *Intent) *IntentError {
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	var path []string
	var visit func(name string) *IntentError
	visit = func(name string) *IntentError {
		switch state[name] {
		case visiting:
			start := 0
			for i, p := range path {
				if p == name {
					start = i
				}
			}
			cycle := append(append([]string{}, path[start:]...), name)
			return &IntentError{Service: name, Key: "depends_on", Kind: ErrInvalidProject,
				Problem: "depends_on cycle through remote services: " + strings.Join(cycle, " -> "),
				Hint:    "remove one of these depends_on entries"}
		case done:
			return nil
		}
		state[name] = visiting
		path = append(path, name)
		for _, dep := range slices.Sorted(maps.Keys(project.Services[name].DependsOn)) {
			if in.Behavior(dep) == Remote {
				if err := visit(dep); err != nil {
					return err
				}
			}
		}
		path = path[:len(path)-1]
		state[name] = done
		return nil
	}
	for _, name := range in.ServicesWith(Remote) {
		if err := visit(name); err != nil {
			return err
		}
	}
	return nil
}
