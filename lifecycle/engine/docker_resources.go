package engine

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"
)

// ProjectVolumes lists the project's volumes.
func (e Docker) ProjectVolumes(ctx context.Context, project string) ([]Volume, error) {
	return e.volumes(ctx, projectFilter(project))
}

// VolumesWithLabel lists the volumes that carry the label key.
func (e Docker) VolumesWithLabel(ctx context.Context, key string) ([]Volume, error) {
	return e.volumes(ctx, make(client.Filters).Add("label", key))
}

func (e Docker) volumes(ctx context.Context, filters client.Filters) ([]Volume, error) {
	res, err := e.Client.VolumeList(ctx, client.VolumeListOptions{Filters: filters})
	if err != nil {
		return nil, err
	}
	out := make([]Volume, 0, len(res.Items))
	for _, v := range res.Items {
		out = append(out, Volume{Name: v.Name, Labels: v.Labels, Options: v.Options})
	}
	return out, nil
}

// CreateVolume creates a local volume.
func (e Docker) CreateVolume(ctx context.Context, name string, labels map[string]string) error {
	_, err := e.Client.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name, Labels: labels})
	return err
}

// RemoveVolume removes a volume.
func (e Docker) RemoveVolume(ctx context.Context, name string) error {
	_, err := e.Client.VolumeRemove(ctx, name, client.VolumeRemoveOptions{})
	if errdefs.IsNotFound(err) {
		return nil
	}
	return err
}

// HasImage inspects the image.
func (e Docker) HasImage(ctx context.Context, ref string) (bool, error) {
	_, err := e.Client.ImageInspect(ctx, ref)
	switch {
	case err == nil:
		return true, nil
	case errdefs.IsNotFound(err):
		return false, nil
	default:
		return false, err
	}
}

// ContainerEnv returns the container's environment minus what its image sets.
func (e Docker) ContainerEnv(ctx context.Context, container string) (map[string]string, error) {
	res, err := e.Client.ContainerInspect(ctx, container, client.ContainerInspectOptions{})
	if err != nil {
		return nil, err
	}
	imageEnv := map[string]bool{}
	if img, err := e.Client.ImageInspect(ctx, res.Container.Image); err == nil && img.Config != nil {
		for _, kv := range img.Config.Env {
			imageEnv[kv] = true
		}
	}
	env := map[string]string{}
	for _, kv := range res.Container.Config.Env {
		if imageEnv[kv] {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env, nil
}

// VolumePlugins lists the installed managed volume plugins.
func (e Docker) VolumePlugins(ctx context.Context) ([]Plugin, error) {
	res, err := e.Client.PluginList(ctx, client.PluginListOptions{})
	if err != nil {
		return nil, err
	}
	var out []Plugin
	for _, p := range res.Items {
		for _, t := range p.Config.Interface.Types {
			if t.Capability == "volumedriver" {
				out = append(out, Plugin{Name: p.Name, Enabled: p.Enabled})
				break
			}
		}
	}
	return out, nil
}

// InstallVolumePlugin installs (with its privileges granted) and enables a
// managed plugin, as `docker plugin install --grant-all-permissions` does.
func (e Docker) InstallVolumePlugin(ctx context.Context, name, remote string, progress io.Writer) error {
	res, err := e.Client.PluginInspect(ctx, name, client.PluginInspectOptions{})
	switch {
	case err == nil && res.Plugin.Enabled:
		return nil
	case err == nil:
		_, err = e.Client.PluginEnable(ctx, name, client.PluginEnableOptions{Timeout: 30})
		return err
	case !errdefs.IsNotFound(err):
		return err
	}
	fmt.Fprintf(progress, "Installing the Docker volume plugin %s\n", remote)
	rc, err := e.Client.PluginInstall(ctx, name, client.PluginInstallOptions{RemoteRef: remote, AcceptAllPermissions: true})
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	if err := jsonmessage.DisplayStream(rc, progress); err != nil {
		return err
	}
	res, err = e.Client.PluginInspect(ctx, name, client.PluginInspectOptions{})
	if err != nil {
		return err
	}
	if !res.Plugin.Enabled {
		_, err = e.Client.PluginEnable(ctx, name, client.PluginEnableOptions{Timeout: 30})
	}
	return err
}

// Architecture returns the engine's architecture as GOARCH.
func (e Docker) Architecture(ctx context.Context) (string, error) {
	res, err := e.Client.Info(ctx, client.InfoOptions{})
	if err != nil {
		return "", err
	}
	switch a := res.Info.Architecture; a {
	case "x86_64":
		return "amd64", nil
	case "aarch64":
		return "arm64", nil
	default:
		return a, nil
	}
}
