package transform

import (
	"github.com/compose-spec/compose-go/v2/types"
)

// dropRemoteOnly removes from the output the top-level volumes, networks,
// secrets and configs that only remote services used: they do not run
// locally, so `up` must not create what they alone needed. Use is read from
// the input: a netns handler's networks, gone from the service, are still
// needed (the daemon joins them for it).
func (t *transformer) dropRemoteOnly(out *types.Project) {
	remote, local := resourceUse{}, resourceUse{}
	for name, svc := range t.project.Services {
		if t.in.Behavior(name) == Remote {
			remote.add(svc)
		} else {
			local.add(svc)
		}
	}
	dropUnused(out.Volumes, remote.volumes, local.volumes)
	dropUnused(out.Networks, remote.networks, local.networks)
	dropUnused(out.Secrets, remote.secrets, local.secrets)
	dropUnused(out.Configs, remote.configs, local.configs)
}

// dropUnused deletes the resources remote services used and local ones do
// not.
func dropUnused[M ~map[string]V, V any](m M, remote, local map[string]bool) {
	for key := range remote {
		if !local[key] {
			delete(m, key)
		}
	}
}

// resourceUse records the top-level resources services refer to.
type resourceUse struct {
	volumes, networks, secrets, configs map[string]bool
}

func (u *resourceUse) add(svc types.ServiceConfig) {
	if u.volumes == nil {
		u.volumes, u.networks, u.secrets, u.configs = map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	for _, v := range svc.Volumes {
		if v.Type == types.VolumeTypeVolume && v.Source != "" {
			u.volumes[v.Source] = true
		}
	}
	for key := range svc.Networks {
		u.networks[key] = true
	}
	for _, s := range svc.Secrets {
		u.secrets[s.Source] = true
	}
	for _, c := range svc.Configs {
		u.configs[c.Source] = true
	}
}
