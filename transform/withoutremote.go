package transform

import (
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// WithoutRemote is the project without its remote services, the rest as written:
// what the commands that need no daemon work on (build, pull, push, logs,
// kill, rm, pause...), so that Compose never builds, pulls or lists a
// service that runs in the cluster. Those that depended on a remote
// service depend on what it depended on, as in Apply. The input is not
// changed.
func WithoutRemote(project *types.Project, in *Intent) (*types.Project, error) {
	if err := Validate(project, in); err != nil {
		return nil, err
	}
	t := &transformer{project: project, in: in, expanded: expandRemotes(project, in)}
	out := project.WithServicesDisabled() // a deep copy: no service is disabled
	for name, svc := range out.Services {
		out.Services[name] = t.unlinkRemote(svc)
	}
	for _, name := range in.ServicesWith(Remote) {
		delete(out.Services, name)
	}
	t.dropRemoteOnly(out)
	return out, nil
}

// unlinkRemote has a service of the copy depend on what the remote services
// it depended on depended on, and drops its links to them.
func (t *transformer) unlinkRemote(svc types.ServiceConfig) types.ServiceConfig {
	svc.DependsOn = t.rewire(svc)
	svc.Links = slices.DeleteFunc(svc.Links, func(l string) bool {
		target, _, _ := strings.Cut(l, ":")
		return t.in.Behavior(target) == Remote
	})
	return svc
}
