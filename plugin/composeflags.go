package plugin

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/cli/cli"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// The flags of `docker compose up`, `create` and `watch` (cmd/compose of
// the Compose module in go.mod), with Compose's meaning, passed through to
// the Compose API (docs/commands.md#composes-flags).

// createFlags are the flags `docker compose create` has, which up shares.
type createFlags struct {
	build, noBuild            bool
	pull                      string
	removeOrphans             bool
	scale                     []string
	forceRecreate, noRecreate bool
	quietPull, yes            bool
}

func (c *createFlags) add(f *pflag.FlagSet) {
	f.BoolVar(&c.build, "build", false, "Build images before starting containers")
	f.BoolVar(&c.noBuild, "no-build", false, "Don't build an image, even if it's policy")
	f.StringVar(&c.pull, "pull", "policy", `Pull image before running ("always"|"missing"|"never"|"build")`)
	f.BoolVar(&c.removeOrphans, "remove-orphans", false, "Remove containers for services not defined in the Compose file")
	f.StringArrayVar(&c.scale, "scale", nil, "Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present")
	f.BoolVar(&c.forceRecreate, "force-recreate", false, "Recreate containers even if their configuration and image haven't changed")
	f.BoolVar(&c.noRecreate, "no-recreate", false, "If containers already exist, don't recreate them. Incompatible with --force-recreate")
	f.BoolVar(&c.quietPull, "quiet-pull", false, "Pull without printing progress information")
	f.BoolVarP(&c.yes, "yes", "y", false, "Assume \"yes\" as answer to all prompts and run non-interactively")
}

func (c *createFlags) validate() error {
	switch {
	case c.build && c.noBuild:
		return errors.New("--build and --no-build are incompatible")
	case c.forceRecreate && c.noRecreate:
		return errors.New("--force-recreate and --no-recreate are incompatible")
	}
	switch c.pull {
	case "", "policy", "always", "missing", "never", "build", types.PullPolicyIfNotPresent:
		return nil
	}
	return fmt.Errorf("--pull %q: invalid pull policy (hint: use always, missing, never or build)", c.pull)
}

// apply sets what the flags change in the project itself: the pull policy
// of every service, and the scale of those named. A handler cannot be
// scaled: one container takes one attachment.
func (c *createFlags) apply(project *types.Project, in *transform.Intent) (*types.Project, error) {
	scales := map[string]int{}
	for _, s := range c.scale {
		name, num, ok := strings.Cut(s, "=")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("--scale %q: want SERVICE=NUM", s)
		}
		if _, exists := project.Services[name]; !exists {
			return nil, fmt.Errorf("--scale %s: no such service in the project (hint: services are: %s)", s, strings.Join(project.ServiceNames(), ", "))
		}
		if b := in.Behavior(name); b.Attaches() && n > 1 {
			return nil, fmt.Errorf("--scale %s: service %q is an %s service: one container takes one attachment, several replicas cannot take it (hint: scale it to 1, or make it local)", s, name, b)
		}
		scales[name] = n
	}
	return project.WithServicesTransform(func(name string, s types.ServiceConfig) (types.ServiceConfig, error) {
		if c.pull != "" && c.pull != "policy" { // watch has no --pull
			s.PullPolicy = c.pull
		}
		if n, ok := scales[name]; ok {
			s.SetScale(n)
		}
		return s, nil
	})
}

// buildPolicy is what --build and --no-build ask.
func (c *createFlags) buildPolicy() lifecycle.BuildPolicy {
	switch {
	case c.noBuild:
		return lifecycle.BuildNever
	case c.build:
		return lifecycle.BuildAlways
	}
	return lifecycle.BuildMissing
}

// recreate is Compose's recreate policy of the flags.
func (c *createFlags) recreate() string {
	switch {
	case c.forceRecreate:
		return api.RecreateForce
	case c.noRecreate:
		return api.RecreateNever
	}
	return api.RecreateDiverged
}

// attachFlags choose the services whose logs an attached up streams, as
// `docker compose up` does (cmd/compose/up.go).
type attachFlags struct {
	attach, noAttach   []string
	attachDependencies bool
}

func (a *attachFlags) add(f *pflag.FlagSet) {
	f.StringArrayVar(&a.attach, "attach", nil, "Restrict attaching to the specified services. Incompatible with --attach-dependencies.")
	f.StringArrayVar(&a.noAttach, "no-attach", nil, "Do not attach (stream logs) to the specified services")
	f.BoolVar(&a.attachDependencies, "attach-dependencies", false, "Automatically attach to log output of dependent services")
}

func (a *attachFlags) options() lifecycle.AttachOptions {
	return lifecycle.AttachOptions{Only: a.attach, Not: a.noAttach, Dependencies: a.attachDependencies}
}

// optionalTimeout is -t as Compose reads it: only when given.
func optionalTimeout(f *pflag.FlagSet, seconds int) *time.Duration {
	if !f.Changed("timeout") {
		return nil
	}
	d := time.Duration(seconds) * time.Second
	return &d
}

// notApplicable are the flags of Compose's commands that docker telepresence
// does not take, and why (docs/commands.md#composes-flags).
var notApplicable = map[string]string{
	"up --menu": "the navigation menu's detach would leave the project running while docker telepresence ends its attachments; use up -d",
	"config --hash": "the hash Compose labels a container with is of the project up runs, which holds the pod's environment that config masks; " +
		"docker inspect shows a running container's com.docker.compose.config-hash",
	"config --variables":             "the transformed project is interpolated and has no variables left; docker compose config --variables on the same files lists them",
	"config --resolve-image-digests": configAsLoaded,
	"config --lock-image-digests":    configAsLoaded,
	"config --no-interpolate":        configAsLoaded,
	"config --no-normalize":          configAsLoaded,
	"config --no-path-resolution":    configAsLoaded,
	"config --no-consistency":        configAsLoaded,
	"config --no-env-resolution":     configAsLoaded,
}

// explainNotApplicable makes a flag of Compose's that cmd does not take an
// error that says why, with the usage line and status 125, as every bad
// flag is.
func explainNotApplicable(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if notExist, ok := errors.AsType[*pflag.NotExistError](err); ok {
			if why, listed := notApplicable[c.Name()+" --"+notExist.GetSpecifiedName()]; listed {
				err = fmt.Errorf("%w: docker telepresence %s does not take it: %s", err, c.Name(), why)
			}
		}
		return cli.FlagErrorFunc(c, err)
	})
}

// configAsLoaded is why `config` takes none of the flags that print the
// compose files otherwise than Compose loads them.
const configAsLoaded = "the transform works on the project as Compose loads it (interpolated, normalized, its paths and environment resolved, checked) " +
	"and changes no local service's image; docker compose config with the flag shows the same files that way"

func validAttach(a attachFlags, detach bool) error {
	switch {
	case len(a.attach) > 0 && a.attachDependencies:
		return errors.New("--attach and --attach-dependencies are incompatible")
	case detach && (len(a.attach) > 0 || a.attachDependencies):
		return errors.New("--attach and --attach-dependencies are for an attached up: incompatible with -d and --wait")
	}
	return nil
}
