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
// (docs/attachments.md#pod-volumes), by one of two rules, after the front
// door the handler's intent came in by:
//   - x-telepresence: each mounted pod volume becomes a Telemount volume at
//     the same path, replacing the service's volume there, if any;
//   - x-tele, as Telepresence's own compose does: a pod volume is mounted
//     only where the service has a named volume at that path, and that
//     named volume is redefined at the top level as the Telemount volume,
//     so that every service that mounts it sees the pod's data.

// podMounts are the pod volumes of a handler with the policy that applies:
// the traffic-agent's, unless a top-level mounts override names the
// compose volume the service has at that path.
func (t *transformer) podMounts(svc types.ServiceConfig, ic vocab.Attachment) []vocab.Mount {
	mounts := slices.Clone(ic.Mounts)
	for i, m := range mounts {
		at := namedVolumeAt(svc, m.Path)
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

// namedVolumeAt is the index of the service's named volume at a path, or -1.
func namedVolumeAt(svc types.ServiceConfig, path string) int {
	return slices.IndexFunc(svc.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Target == path && v.Type == types.VolumeTypeVolume && v.Source != ""
	})
}

// placedMount is a pod volume that a handler mounts: its place in the
// attachment's mount list, and, under the x-tele rule, the compose volume
// it stands for.
type placedMount struct {
	index int
	mount vocab.Mount
	// volume is the key of the service's named volume at the path (x-tele
	// rule); empty under the x-telepresence rule.
	volume string
}

// placedMounts are the pod volumes a handler mounts, by its front door's
// rule.
func (t *transformer) placedMounts(svc types.ServiceConfig, ic vocab.Attachment) []placedMount {
	var out []placedMount
	xtele := t.in.Services[svc.Name].Block == TeleKey
	for i, m := range t.podMounts(svc, ic) {
		if !mounted(m) {
			continue
		}
		if !xtele {
			out = append(out, placedMount{index: i, mount: m})
			continue
		}
		if at := namedVolumeAt(svc, m.Path); at >= 0 {
			out = append(out, placedMount{index: i, mount: m, volume: svc.Volumes[at].Source})
		}
	}
	return out
}

// mounted tells whether a pod volume is mounted through Telemount; one that
// is not leaves the service's own volume at that path, if any, in place.
func mounted(m vocab.Mount) bool { return m.Policy.Mounted() }

// mountVolumes mounts the pod's volumes in the handler: under the
// x-telepresence rule each replaces the service's volume at its path; under
// the x-tele rule the service keeps its named volume, which addVolumesOf
// redefines. A read-only one is a read-only mount.
func (t *transformer) mountVolumes(svc types.ServiceConfig, ic vocab.Attachment) types.ServiceConfig {
	if !t.mounts(svc.Name) {
		return svc
	}
	for _, p := range t.placedMounts(svc, ic) {
		if p.volume != "" {
			at := namedVolumeAt(svc, p.mount.Path)
			svc.Volumes[at].ReadOnly = svc.Volumes[at].ReadOnly || p.mount.Policy.ReadOnly()
			continue
		}
		svc.Volumes = slices.DeleteFunc(svc.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == p.mount.Path })
		svc.Volumes = append(svc.Volumes, types.ServiceVolumeConfig{
			Type: types.VolumeTypeVolume, Source: t.volumeKey(svc.Name, p.index), Target: p.mount.Path,
			ReadOnly: p.mount.Policy.ReadOnly(), Volume: &types.ServiceVolumeVolume{},
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
		if t.in.Behavior(service).Attaches() && t.mounts(service) && len(t.placedMounts(t.project.Services[service], ic)) > 0 {
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

// addVolumesOf declares the Telemount volumes of one attachment: new ones
// (x-telepresence rule), or the service's named volumes redefined (x-tele
// rule). They share one SFTP connection, and Telemount keeps one read-only
// flag per connection: `ro` is set only when every mounted volume is
// read-only (a single read-only path is a read-only container mount), and
// only for a Telemount that knows it.
func (t *transformer) addVolumesOf(out *types.Project, service string, ic vocab.Attachment) error {
	placed := t.placedMounts(t.project.Services[service], ic)
	allReadOnly := len(placed) > 0 && !slices.ContainsFunc(placed, func(p placedMount) bool { return !p.mount.Policy.ReadOnly() })
	for _, p := range placed {
		name := t.volumeKey(service, p.index)
		key := name
		switch _, exists := out.Volumes[name]; {
		case exists:
			return &IntentError{Service: service, Key: "volumes", Kind: ErrInvalidProject,
				Problem: fmt.Sprintf("the project already declares a volume %q, the name of the pod volume mounted at %s", name, p.mount.Path),
				Hint:    "rename that volume"}
		case p.volume != "" && t.redefined[p.volume] != "":
			t.warnf("service %q: volume %q is already the pod volume of service %q, so the pod's %s is not mounted there", service, p.volume,
				t.redefined[p.volume], p.mount.Path)
			continue
		case p.volume != "":
			key = p.volume
			t.redefined[p.volume] = service
		}
		if out.Volumes == nil {
			out.Volumes = types.Volumes{}
		}
		opts := types.Options{"host": t.daemon(t.in.ConnectionOf(service)).IP, "port": strconv.Itoa(ic.MountPort), "container": containerName(ic), "dir": p.mount.Path}
		if allReadOnly && t.rt.TelemountReadOnly {
			opts["ro"] = "true"
		}
		out.Volumes[key] = types.VolumeConfig{
			Name: out.Name + "_" + name, Driver: t.rt.VolumeDriver, DriverOpts: opts,
			Labels: types.Labels{labels.Telemount: "true", labels.Attachment: ic.Name, labels.MountIndex: strconv.Itoa(p.index),
				labels.MountPolicy: string(p.mount.Policy)},
		}
	}
	return nil
}

// MountsPodVolumes tells whether a handler mounts any of its attachment's
// pod volumes, by its front door's rule: what the volume plugin is asked
// for. Under the x-tele rule a service without a named volume at a pod
// volume's path asks for none.
func MountsPodVolumes(project *types.Project, in *Intent, service string, a vocab.Attachment) bool {
	t := &transformer{project: project, in: in}
	svc, ok := project.Services[service]
	return ok && len(t.placedMounts(svc, a)) > 0
}
