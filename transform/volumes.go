package transform

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// The pod's volumes reach a handler through the Telemount volume plugin
// (docs/attachments.md#pod-volumes): each mounted pod volume becomes a
// Telemount volume at the same path, replacing a compose volume there.

// podMounts are the pod volumes of a handler with the policy that applies:
// the traffic-agent's, unless a top-level mounts override names the
// compose volume the service has at that path.
func (t *transformer) podMounts(svc types.ServiceConfig, ic vocab.Attachment) []vocab.Mount {
	mounts := slices.Clone(ic.Mounts)
	for i, m := range mounts {
		at := slices.IndexFunc(svc.Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.Target == m.Path && v.Type == types.VolumeTypeVolume && v.Source != ""
		})
		if at < 0 {
			continue
		}
		if j := slices.IndexFunc(t.in.Mounts, func(o MountOverride) bool { return o.Matches(svc.Volumes[at].Source) }); j >= 0 {
			mounts[i].Policy = t.in.Mounts[j].Policy
		}
		if svc.Volumes[at].ReadOnly && mounts[i].Policy == vocab.PolicyRemote {
			mounts[i].Policy = vocab.PolicyRemoteReadOnly
		}
	}
	return mounts
}

// mounted tells whether a pod volume is mounted through Telemount; one that
// is not leaves the service's own volume at that path, if any, in place.
func mounted(m vocab.Mount) bool { return m.Policy.Mounted() }

// mountVolumes mounts the pod's volumes in the handler, each replacing a
// compose volume at the same path; a read-only one is a read-only mount.
func (t *transformer) mountVolumes(svc types.ServiceConfig, ic vocab.Attachment) types.ServiceConfig {
	if !t.mounts(svc.Name) {
		return svc
	}
	for i, m := range t.podMounts(svc, ic) {
		if !mounted(m) {
			continue
		}
		svc.Volumes = slices.DeleteFunc(svc.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == m.Path })
		svc.Volumes = append(svc.Volumes, types.ServiceVolumeConfig{
			Type: types.VolumeTypeVolume, Source: t.volumeKey(svc.Name, i), Target: m.Path,
			ReadOnly: m.Policy.ReadOnly(), Volume: &types.ServiceVolumeVolume{},
		})
	}
	return svc
}

// volumeKey names the i-th Telemount volume of an attachment.
func (t *transformer) volumeKey(service string, i int) string {
	return t.volumePrefix[service] + "-" + strconv.Itoa(i)
}

// nameVolumes picks the prefix of each handler's Telemount volumes: the
// attached container's name (<TELEPRESENCE_CONTAINER>-<i>), qualified
// with the compose service when another handler's pod container has the
// same name or the project already has a volume of that name.
func (t *transformer) nameVolumes() {
	t.volumePrefix = map[string]string{}
	count := map[string]int{}
	for service, ic := range t.rt.Attachments {
		if t.in.Behavior(service).Attaches() && t.mounts(service) && slices.ContainsFunc(ic.Mounts, mounted) {
			count[containerName(ic)]++
		}
	}
	for service, ic := range t.rt.Attachments {
		prefix := containerName(ic)
		clash := count[prefix] > 1
		for i, m := range ic.Mounts {
			if _, taken := t.project.Volumes[prefix+"-"+strconv.Itoa(i)]; taken && mounted(m) {
				clash = true
			}
		}
		if clash {
			prefix = service + "-" + prefix
		}
		t.volumePrefix[service] = prefix
	}
}

// containerName is the pod container that was attached to.
func containerName(ic vocab.Attachment) string {
	if c := ic.Environment["TELEPRESENCE_CONTAINER"]; c != "" {
		return c
	}
	return ic.Name
}

// addVolumes declares the Telemount volumes of every handler at top level,
// with the driver options Telemount takes
// (docs/telepresence-contract.md#telemount-driver-options).
func (t *transformer) addVolumes(out *types.Project) error {
	for _, name := range t.in.Handlers() {
		ic, ok := t.rt.Attachments[name]
		if !ok || !t.mounts(name) {
			continue
		}
		if err := t.addVolumesOf(out, name, ic); err != nil {
			return err
		}
	}
	return nil
}

// addVolumesOf declares the Telemount volumes of one attachment. They
// share one SFTP connection, and Telemount keeps one read-only flag per
// connection: `ro` is set only when every mounted volume is read-only (a
// single read-only path is a read-only container mount), and only for a
// Telemount that knows it.
func (t *transformer) addVolumesOf(out *types.Project, service string, ic vocab.Attachment) error {
	mounts := t.podMounts(t.project.Services[service], ic)
	allReadOnly := slices.ContainsFunc(mounts, mounted) && !slices.ContainsFunc(mounts, func(m vocab.Mount) bool {
		return mounted(m) && !m.Policy.ReadOnly()
	})
	for i, m := range mounts {
		if !mounted(m) {
			continue
		}
		key := t.volumeKey(service, i)
		if _, exists := out.Volumes[key]; exists {
			return &IntentError{Service: service, Key: "volumes", Kind: ErrInvalidProject,
				Problem: fmt.Sprintf("the project already declares a volume %q, the name of the pod volume mounted at %s", key, m.Path),
				Hint:    "rename that volume"}
		}
		if out.Volumes == nil {
			out.Volumes = types.Volumes{}
		}
		opts := types.Options{"host": t.daemon(t.in.ConnectionOf(service)).IP, "port": strconv.Itoa(ic.MountPort), "container": containerName(ic), "dir": m.Path}
		if allReadOnly && t.rt.TelemountReadOnly {
			opts["ro"] = "true"
		}
		out.Volumes[key] = types.VolumeConfig{
			Name: out.Name + "_" + key, Driver: t.rt.VolumeDriver, DriverOpts: opts,
			Labels: types.Labels{labels.Telemount: "true", labels.Attachment: ic.Name, labels.MountIndex: strconv.Itoa(i),
				labels.MountPolicy: string(m.Policy)},
		}
	}
	return nil
}
