package telepresence

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
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

// Mount policies of a pod volume (intercept mount.mounts as a map, 2.22+).
const (
	PolicyRemote         = "Remote"
	PolicyRemoteReadOnly = "RemoteReadOnly"
	PolicyLocal          = "Local"
	PolicyIgnore         = "Ignore"
)

var policies = []string{PolicyRemote, PolicyRemoteReadOnly, PolicyLocal, PolicyIgnore}

// Mount is one volume of the intercepted pod.
type Mount struct {
	Path string
	// Policy is one of the Policy constants; empty when the release lists
	// paths without policies (2.20, 2.21), which means Remote.
	Policy string
}

// Intercept is what an intercept gives the handler.
type Intercept struct {
	ID          string
	Name        string
	Disposition string
	Message     string
	Environment map[string]string
	// MountPort is where the Telemount driver reaches the pod's volumes.
	MountPort int
	// Mounts are the pod's volumes, in the order of a list, or by path.
	Mounts []Mount
}

// interceptJSON is the shape of shared/telepresence/intercept-*.json.
type interceptJSON struct {
	ID          string            `json:"id"`
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
	ic := &Intercept{ID: ij.ID, Name: ij.Name, Disposition: ij.Disposition, Message: ij.Message, Environment: ij.Environment}
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
			mounts = append(mounts, Mount{Path: p})
		}
	} else {
		var byPath map[string]string
		if err := json.Unmarshal(raw, &byPath); err != nil {
			return nil, fmt.Errorf("mount.mounts is neither a list of paths nor a map of path to policy")
		}
		for p, policy := range byPath {
			// 2.22 spells RemoteReadonly; Telepresence reads policies without
			// regard to case (pkg/types/mountpolicy.go).
			i := slices.IndexFunc(policies, func(known string) bool { return strings.EqualFold(known, policy) })
			if i < 0 {
				return nil, fmt.Errorf("mount.mounts: path %s has the unknown policy %q", p, policy)
			}
			mounts = append(mounts, Mount{Path: p, Policy: policies[i]})
		}
		// A map has no order: by path, so the volume numbers stay stable.
		sort.Slice(mounts, func(i, j int) bool { return mounts[i].Path < mounts[j].Path })
	}
	return mounts, nil
}
