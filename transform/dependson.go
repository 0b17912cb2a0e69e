package transform

import (
	"maps"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
)

// expandRemotes computes, for every remote service, the dependencies that
// stand in for it: what it depends on, with remote entries replaced in turn
// (transitively), keeping each entry's condition. Validate has already
// refused cycles through remote services.
func expandRemotes(project *types.Project, in *Intent) map[string]types.DependsOnConfig {
	memo := map[string]types.DependsOnConfig{}
	var expand func(name string) types.DependsOnConfig
	expand = func(name string) types.DependsOnConfig {
		if e, ok := memo[name]; ok {
			return e
		}
		memo[name] = nil // guards against a cycle Validate would have refused
		memo[name] = merge(project.Services[name].DependsOn, in, expand, name)
		return memo[name]
	}
	for _, name := range in.ServicesWith(Remote) {
		expand(name)
	}
	return memo
}

// merge returns deps with every remote entry replaced by its expansion. A
// direct dependency wins over one inherited through a remote service, so a
// service keeps its own condition.
func merge(deps types.DependsOnConfig, in *Intent, expand func(string) types.DependsOnConfig, self string) types.DependsOnConfig {
	if len(deps) == 0 {
		return deps
	}
	out := make(types.DependsOnConfig, len(deps))
	names := slices.Sorted(maps.Keys(deps))
	for _, d := range names {
		if in.Behavior(d) != Remote {
			out[d] = deps[d]
		}
	}
	for _, d := range names {
		if in.Behavior(d) != Remote {
			continue
		}
		inherited := expand(d)
		for _, k := range slices.Sorted(maps.Keys(inherited)) {
			if _, exists := out[k]; !exists && k != self {
				out[k] = inherited[k]
			}
		}
	}
	return out
}

// rewire returns the service's depends_on with remote services replaced.
func (t *transformer) rewire(svc types.ServiceConfig) types.DependsOnConfig {
	return merge(svc.DependsOn, t.in, func(name string) types.DependsOnConfig { return t.expanded[name] }, svc.Name)
}
