package records

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// Live reads what a previous `up` of the project gave a handler:
// the running container labelled with the attachment, its environment
// beyond its image's, and the project's Telemount volumes for it (their
// numbers kept, so the volumes keep their names).
func Live(ctx context.Context, eng engine.Resources, s State, service string, a vocab.AttachmentRef) (vocab.Attachment, bool, error) {
	name := a.Name
	ic := vocab.Attachment{Kind: a.Kind, Name: name}
	i := slices.IndexFunc(s.Containers, func(c engine.Container) bool {
		return c.Service == service && c.Labels[labels.Attachment] == name && c.Running
	})
	if i < 0 {
		return ic, false, nil
	}
	env, err := eng.ContainerEnv(ctx, s.Containers[i].Name)
	if err != nil {
		return ic, false, err
	}
	// The pod's variables, not those the compose file gave the container
	// (the label names them; a handler made before it existed has all).
	if names, ok := s.Containers[i].Labels[labels.PodEnv]; ok {
		keep := strings.Split(names, ",")
		maps.DeleteFunc(env, func(k, _ string) bool { return !slices.Contains(keep, k) })
	}
	ic.Environment = env
	ic.Mounts, ic.MountPort = liveMounts(s.Volumes, name)
	return ic, true, nil
}

// liveMounts rebuilds the mount list of an attachment from its Telemount
// volumes, each at the index and with the policy its labels give (so the
// volumes keep their names); the pod volumes that were not mounted are
// Ignore.
func liveMounts(volumes []engine.Volume, attachment string) ([]vocab.Mount, int) {
	var mounts []vocab.Mount
	port := 0
	for _, v := range volumes {
		if _, tm := v.Labels[labels.Telemount]; !tm || v.Labels[labels.Attachment] != attachment {
			continue
		}
		n, err := strconv.Atoi(v.Labels[labels.MountIndex])
		if err != nil || n < 0 || n > maxMounts {
			n = len(mounts) // an older plugin made it: the next place
		}
		for len(mounts) <= n {
			mounts = append(mounts, vocab.Mount{Policy: vocab.PolicyIgnore})
		}
		mounts[n] = vocab.Mount{Path: v.Options["dir"], Policy: vocab.PolicyRemote}
		if v.Options["ro"] == "true" || v.Labels[labels.MountPolicy] == string(vocab.PolicyRemoteReadOnly) {
			mounts[n].Policy = vocab.PolicyRemoteReadOnly
		}
		port, _ = strconv.Atoi(v.Options["port"])
	}
	return mounts, port
}

// maxMounts bounds the index a label may give, so that a bad label cannot
// make a huge list.
const maxMounts = 1000
