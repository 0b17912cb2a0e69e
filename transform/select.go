package transform

import (
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Select is what `up SERVICE...` runs: the named services and, transitively,
// what they depend on once remote services are rewired, sorted.
// No names means every service; a name that is no service, or a remote
// one, is an error.
func Select(project *types.Project, in *Intent, names []string) ([]string, error) {
	return selectServices(project, in, names, true)
}

// SelectNamed is what `up --no-deps SERVICE...` runs: the named services
// only, sorted.
func SelectNamed(project *types.Project, in *Intent, names []string) ([]string, error) {
	return selectServices(project, in, names, false)
}

func selectServices(project *types.Project, in *Intent, names []string, deps bool) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	var errs Errors
	for _, name := range names {
		switch _, ok := project.Services[name]; {
		case !ok:
			errs = append(errs, &IntentError{Service: name, Problem: "no such service in the project",
				Hint: "services are: " + strings.Join(project.ServiceNames(), ", ")})
		case in.Behavior(name) == Remote:
			errs = append(errs, &IntentError{Service: name, Problem: "the service is remote: it runs in the cluster, not here",
				Hint: "name local services or intercept handlers"})
		}
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	if !deps {
		return slices.Sorted(slices.Values(names)), nil
	}
	expanded := expandRemotes(project, in)
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		deps := merge(project.Services[name].DependsOn, in, func(r string) types.DependsOnConfig { return expanded[r] }, name)
		for dep := range deps {
			if _, ok := project.Services[dep]; ok {
				visit(dep)
			}
		}
	}
	for _, name := range names {
		visit(name)
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	slices.Sort(out)
	return out, nil
}
