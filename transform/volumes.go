package transform

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/telepresence"
)

// mounted tells whether a pod volume is mounted through Telemount; one that
// is not leaves the service's own volume at that path, if any, in place.
func mounted(m telepresence.Mount) bool { return m.Policy.Mounted() }

// mountVolumes mounts the pod's volumes in the handler, each replacing a
// compose volume at the same path.
func (t *transformer) mountVolumes(svc types.ServiceConfig, ic telepresence.Intercept) types.ServiceConfig {
	if !t.mounts(svc.Name) {
		return svc
	}
	for i, m := range ic.Mounts {
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
		if t.in.Behavior(service) == InterceptHandler && t.mounts(service) && slices.ContainsFunc(ic.Mounts, mounted) {
			count[containerName(ic)]++
		}
	}
	for service, ic := range t.rt.Intercepts {
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

// containerName is the pod container that was intercepted.
func containerName(ic telepresence.Intercept) string {
	if c := ic.Environment["TELEPRESENCE_CONTAINER"]; c != "" {
		return c
	}
	return ic.Name
}

// addVolumes declares the Telemount volumes of every handler at top level,
// with the driver options Telemount takes
// (docs/telepresence-contract.md#telemount-driver-options).
func (t *transformer) addVolumes(out *types.Project) error {
	for _, name := range t.in.ServicesWith(InterceptHandler) {
		ic, ok := t.rt.Intercepts[name]
		if !ok || !t.mounts(name) {
			continue
		}
		for i, m := range ic.Mounts {
			if !mounted(m) {
				continue
			}
			key := t.volumeKey(name, i)
			if _, exists := out.Volumes[key]; exists {
				return &IntentError{Service: name, Key: "volumes", Kind: ErrInvalidProject,
					Problem: fmt.Sprintf("the project already declares a volume %q, the name of the pod volume mounted at %s", key, m.Path),
					Hint:    "rename that volume"}
			}
			if out.Volumes == nil {
				out.Volumes = types.Volumes{}
			}
			opts := types.Options{
				"host":      t.rt.DaemonIP,
				"port":      strconv.Itoa(ic.MountPort),
				"container": containerName(ic),
				"dir":       m.Path,
			}
			if m.Policy.ReadOnly() {
				opts["ro"] = "true"
			}
			out.Volumes[key] = types.VolumeConfig{
				Name:       out.Name + "_" + key,
				Driver:     t.rt.VolumeDriver,
				DriverOpts: opts,
				Labels:     types.Labels{LabelTelemount: "true", LabelIntercept: ic.Name, LabelMountIndex: strconv.Itoa(i)},
			}
		}
	}
	return nil
}
