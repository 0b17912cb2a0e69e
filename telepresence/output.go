package telepresence

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

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

// attachmentJSON is the shape of what intercept, replace and wiretap print
// (e2e/standin/samples/intercept-*.json, replace-2.31.json,
// wiretap-2.31.json), and ingest (ingest-2.31.json, which has no name,
// disposition or message).
type attachmentJSON struct {
	Name        string            `json:"name"`
	Disposition string            `json:"disposition"`
	Message     string            `json:"message"`
	Environment map[string]string `json:"environment"`
	Mount       *struct {
		Port   int             `json:"port"`
		Mounts json.RawMessage `json:"mounts"`
		// ReadOnly: the attachment mounts everything read-only (2.21+;
		// ingest and wiretap always).
		ReadOnly bool `json:"read_only"`
	} `json:"mount"`
}

// parseAttachment reads what the command of args printed.
func parseAttachment(kind Kind, args []string, out []byte) (*Attachment, error) {
	// The output holds the pod's environment: never quote it in an error.
	bad := func(err error) error {
		return &CommandError{Args: args, Err: ErrBadOutput,
			Message: fmt.Sprintf("cannot read its JSON output (%v; %d bytes, not shown as they may hold the pod's environment)", err, len(out))}
	}
	raw, err := unwrapJSON(out)
	if err != nil {
		return nil, bad(err)
	}
	var ij attachmentJSON
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
	a := &Attachment{Kind: kind, Name: ij.Name, Environment: ij.Environment}
	if a.Name == "" || kind == KindIngest {
		a.Name = args[1] // an ingest is named by its workload
	}
	if ij.Mount == nil {
		return a, nil
	}
	a.MountPort = ij.Mount.Port
	if a.Mounts, err = parseMounts(ij.Mount.Mounts); err != nil {
		return nil, bad(err)
	}
	if ij.Mount.ReadOnly || kind == KindIngest || kind == KindWiretap {
		for i, m := range a.Mounts {
			if m.Policy == PolicyRemote {
				a.Mounts[i].Policy = PolicyRemoteReadOnly
			}
		}
	}
	return a, nil
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
