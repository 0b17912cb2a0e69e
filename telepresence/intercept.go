package telepresence

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// InterceptOptions are the flags of `telepresence intercept`.
type InterceptOptions struct {
	Contract Contract
	Workload string
	// Port is LOCAL[:SVCPORT]: the port the handler listens on, and the
	// service port to intercept.
	Port string
	// Address is where the daemon sends the traffic: empty in the netns
	// model (the shared namespace's localhost), the handler's alias on the
	// Teleroute network otherwise.
	Address     string
	Service     string
	HTTPHeaders []string
	Mount       bool
}

// Args is the command line of the intercept.
func (o InterceptOptions) Args() []string {
	args := []string{"intercept", o.Workload, "--port", o.Port}
	if o.Address != "" {
		args = append(args, "--address", o.Address)
	}
	if o.Service != "" {
		args = append(args, "--service", o.Service)
	}
	for _, h := range o.HTTPHeaders {
		args = append(args, "--http-header", h)
	}
	if !o.Mount {
		args = append(args, "--mount=false")
	}
	args = append(args, o.Contract.useFlags()...)
	args = append(args, "--detailed-output")
	return append(args, o.Contract.jsonFlags()...)
}

// MountPolicy says how a pod volume reaches the handler (intercept
// mount.mounts as a map, 2.22+; Telepresence's pkg/types/mountpolicy.go).
type MountPolicy string

// Mount policies. A release that lists paths without policies (2.20, 2.21)
// mounts them all: PolicyRemote.
const (
	PolicyRemote         MountPolicy = "Remote"
	PolicyRemoteReadOnly MountPolicy = "RemoteReadOnly"
	PolicyLocal          MountPolicy = "Local"
	PolicyIgnore         MountPolicy = "Ignore"
)

var policies = []MountPolicy{PolicyRemote, PolicyRemoteReadOnly, PolicyLocal, PolicyIgnore}

// Mounted tells whether a pod volume is mounted through Telemount: Remote
// and RemoteReadOnly are; Local and Ignore are not.
func (p MountPolicy) Mounted() bool { return p == PolicyRemote || p == PolicyRemoteReadOnly }

// ReadOnly tells a volume mounted read-only.
func (p MountPolicy) ReadOnly() bool { return p == PolicyRemoteReadOnly }

// Mount is one volume of the intercepted pod.
type Mount struct {
	Path   string
	Policy MountPolicy
}

// Intercept is what an intercept gives the handler.
type Intercept struct {
	Name        string
	Environment map[string]string
	// MountPort is where the Telemount driver reaches the pod's volumes.
	MountPort int
	// Mounts are the pod's volumes, in the order of a list, or by path.
	Mounts []Mount
}

// interceptJSON is the shape of e2e/standin/samples/intercept-*.json.
type interceptJSON struct {
	Name        string            `json:"name"`
	Disposition string            `json:"disposition"`
	Message     string            `json:"message"`
	Environment map[string]string `json:"environment"`
	Mount       *struct {
		Port   int             `json:"port"`
		Mounts json.RawMessage `json:"mounts"`
	} `json:"mount"`
}

func parseIntercept(args []string, out []byte) (*Intercept, error) {
	// The output holds the pod's environment: never quote it in an error.
	bad := func(err error) error {
		return &CommandError{Args: args, Err: ErrBadOutput,
			Message: fmt.Sprintf("cannot read its JSON output (%v; %d bytes, not shown as they may hold the pod's environment)", err, len(out))}
	}
	raw, err := unwrapJSON(out)
	if err != nil {
		return nil, bad(err)
	}
	var ij interceptJSON
	if err := json.Unmarshal(raw, &ij); err != nil {
		return nil, bad(err)
	}
	if ij.Disposition != "" && ij.Disposition != "ACTIVE" {
		msg := ij.Disposition
		if ij.Message != "" {
			msg += ": " + ij.Message
		}
		return nil, &CommandError{Args: args, Err: ErrFailed, Message: msg}
	}
	ic := &Intercept{Name: ij.Name, Environment: ij.Environment}
	if ic.Name == "" {
		ic.Name = args[1]
	}
	if ij.Mount != nil {
		ic.MountPort = ij.Mount.Port
		if ic.Mounts, err = parseMounts(ij.Mount.Mounts); err != nil {
			return nil, bad(err)
		}
	}
	return ic, nil
}

// parseMounts reads mount.mounts: a list of paths (2.20, 2.21) or a map of
// path to policy (2.22 and newer).
func parseMounts(raw json.RawMessage) ([]Mount, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var mounts []Mount
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		for _, p := range list {
			mounts = append(mounts, Mount{Path: p, Policy: PolicyRemote})
		}
	} else {
		var byPath map[string]string
		if err := json.Unmarshal(raw, &byPath); err != nil {
			return nil, errors.New("mount.mounts is neither a list of paths nor a map of path to policy")
		}
		for p, policy := range byPath {
			// 2.22 spells RemoteReadonly; Telepresence reads policies without
			// regard to case (pkg/types/mountpolicy.go).
			i := slices.IndexFunc(policies, func(known MountPolicy) bool { return strings.EqualFold(string(known), policy) })
			if i < 0 {
				return nil, fmt.Errorf("mount.mounts: path %s has the unknown policy %q", p, policy)
			}
			mounts = append(mounts, Mount{Path: p, Policy: policies[i]})
		}
		// A map has no order: by path, so the volume numbers stay stable.
		slices.SortFunc(mounts, func(a, b Mount) int { return strings.Compare(a.Path, b.Path) })
	}
	return mounts, nil
}
