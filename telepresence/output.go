package telepresence

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// attachmentJSON is the shape of what intercept, replace and wiretap print
// (internal/samples/intercept-*.json, replace-2.31.json,
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
func parseAttachment(kind vocab.Kind, args []string, out []byte) (*vocab.Attachment, error) {
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
	a := &vocab.Attachment{Kind: kind, Name: ij.Name, Environment: ij.Environment}
	if a.Name == "" || kind == vocab.KindIngest {
		a.Name = args[1] // an ingest is named by its workload
	}
	if ij.Mount == nil {
		return a, nil
	}
	a.MountPort = ij.Mount.Port
	if a.Mounts, err = parseMounts(ij.Mount.Mounts); err != nil {
		return nil, bad(err)
	}
	if ij.Mount.ReadOnly || kind == vocab.KindIngest || kind == vocab.KindWiretap {
		for i, m := range a.Mounts {
			if m.Policy == vocab.PolicyRemote {
				a.Mounts[i].Policy = vocab.PolicyRemoteReadOnly
			}
		}
	}
	return a, nil
}

// parseMounts reads mount.mounts: a list of paths (2.20, 2.21) or a map of
// path to policy (2.22 and newer).
func parseMounts(raw json.RawMessage) ([]vocab.Mount, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var mounts []vocab.Mount
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		for _, p := range list {
			mounts = append(mounts, vocab.Mount{Path: p, Policy: vocab.PolicyRemote})
		}
	} else {
		var byPath map[string]string
		if err := json.Unmarshal(raw, &byPath); err != nil {
			return nil, errors.New("mount.mounts is neither a list of paths nor a map of path to policy")
		}
		for p, policy := range byPath {
			known, ok := vocab.ParsePolicy(policy)
			if !ok {
				return nil, fmt.Errorf("mount.mounts: path %s has the unknown policy %q", p, policy)
			}
			mounts = append(mounts, vocab.Mount{Path: p, Policy: known})
		}
		// A map has no order: by path, so the volume numbers stay stable.
		slices.SortFunc(mounts, func(a, b vocab.Mount) int { return strings.Compare(a.Path, b.Path) })
	}
	return mounts, nil
}
