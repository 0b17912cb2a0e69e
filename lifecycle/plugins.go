package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/telepresenceio/docker-telepresence/transform"
)

// The Telemount volume plugin that Telepresence 2.25 and newer installs
// (docker.telemount in pkg/client/config.go): <TelemountPlugin>:<arch>-<TelemountTag>.
const (
	TelemountPlugin = "ghcr.io/telepresenceio/telemount"
	TelemountTag    = "0.3.2"
)

// volumeDriver is the Telemount driver for the pod's volumes: the override,
// else the Telemount plugin that Telepresence installed (any enabled managed
// plugin whose reference ends in /telemount:<tag>), else the current
// reference, installed now. "" when no handler mounts anything.
func (r *Runner) volumeDriver(ctx context.Context, plan *transform.Plan) (string, error) {
	if r.VolumeDriver != "" {
		return r.VolumeDriver, nil
	}
	if !slices.ContainsFunc(plan.Intercepts, func(req transform.InterceptRequest) bool { return req.Mount }) {
		return "", nil
	}
	name, installed, err := r.telemount(ctx)
	if err != nil || installed {
		return name, err
	}
	if err := r.Engine.InstallVolumePlugin(ctx, name, name, r.Err); err != nil {
		return "", fmt.Errorf("installing the Telemount volume plugin %s: %w (hint: set `mount: false` under x-telepresence.intercept to run without the pod's volumes, or name another driver with --volume-driver)", name, err)
	}
	return name, nil
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
