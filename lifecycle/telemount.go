package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// The Telemount volume plugin that Telepresence 2.25 and newer installs
// (docker.telemount in pkg/client/config.go): <TelemountPlugin>:<arch>-<TelemountTag>.
const (
	TelemountPlugin = "ghcr.io/telepresenceio/telemount"
	TelemountTag    = "0.3.2"
)

// volumeDriver is the Telemount driver for the pod's volumes, once the
// attachments say which volumes there are: the override, else the Telemount
// plugin that Telepresence installed (any enabled managed plugin whose
// reference ends in /telemount:<tag>), else the current reference,
// installed now. "" when nothing is mounted. When the plugin cannot be
// installed, the handlers run without the pod's volumes, as Telepresence's
// own compose does ("Remote mount disabled"), unless a handler asked for
// them (mount: true).
func (r *Runner) volumeDriver(ctx context.Context, project *types.Project, in *transform.Intent, plan *transform.Plan, attachments map[string]vocab.Attachment) (string, error) {
	defer r.Trace.Step("volume driver")()
	var needed, required []string
	for _, req := range plan.Attachments {
		if req.Mount && transform.MountsPodVolumes(project, in, req.Service, attachments[req.Service]) {
			needed = append(needed, req.Service)
			if req.MountRequired {
				required = append(required, req.Service)
			}
		}
	}
	switch {
	case len(needed) == 0:
		return "", nil
	case r.VolumeDriver != "":
		return r.VolumeDriver, nil
	}
	name, installed, err := r.telemount(ctx)
	if err != nil || installed {
		return name, err
	}
	r.event("Telemount", api.Working, "Installing", name)
	err = r.Engine.InstallVolumePlugin(ctx, name, name, r.progressOutput())
	switch {
	case err == nil:
		r.event("Telemount", api.Done, "Installed", name)
		return name, nil
	case len(required) > 0:
		return "", fmt.Errorf("installing the Telemount volume plugin %s, which the pod's volumes of %s need: %w (hint: remove `mount: true` to run without them, or name another driver with --volume-driver)",
			name, strings.Join(required, ", "), err)
	}
	r.event("Telemount", api.Warning, "Disabled", fmt.Sprintf("Remote mount disabled: installing the Telemount volume plugin %s: %v (services %s run without the pod's volumes; --volume-driver names another driver)",
		name, err, strings.Join(needed, ", ")))
	return "", nil
}

// telemountTakesReadOnly tells a Telemount that knows the `ro` option
// (0.1.6 and newer): the version is the tag after the last '-' of the
// reference, as Telepresence reads it (pkg/client/docker/volume.go); a
// reference without one (a local build, another driver) is taken to know it.
func telemountTakesReadOnly(driver string) bool {
	_, tag, ok := strings.Cut(driver[strings.LastIndex(driver, "/")+1:], ":")
	if !ok {
		return true
	}
	v, ok := vocab.ParseVersion(tag[strings.LastIndex(tag, "-")+1:])
	return !ok || v.Major > 0 || v.Minor > 1 || v.Minor == 1 && v.Patch >= 6
}

// telemount finds the enabled Telemount plugin, or names the one to
// install.
func (r *Runner) telemount(ctx context.Context) (name string, installed bool, err error) {
	plugins, err := r.Engine.VolumePlugins(ctx)
	if err != nil {
		return "", false, r.engineError(err)
	}
	arch, err := r.Engine.Architecture(ctx)
	if err != nil {
		return "", false, r.engineError(err)
	}
	current := fmt.Sprintf("%s:%s-%s", TelemountPlugin, arch, TelemountTag)
	var found []string
	for _, p := range plugins {
		if p.Enabled && isTelemount(p.Name) {
			found = append(found, p.Name)
		}
	}
	switch {
	case slices.Contains(found, current):
		return current, true, nil
	case len(found) > 0:
		slices.Sort(found)
		return found[len(found)-1], true, nil
	}
	return current, false, nil
}

// isTelemount tells a plugin reference .../telemount:<tag>: what any
// Telepresence release installs (datawire/telemount up to 2.19,
// ghcr.io/telepresenceio/telemount since).
func isTelemount(ref string) bool {
	repo, tag, ok := strings.Cut(ref[strings.LastIndex(ref, "/")+1:], ":")
	return strings.Contains(ref, "/") && repo == "telemount" && ok && tag != ""
}
