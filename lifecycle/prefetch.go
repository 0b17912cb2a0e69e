package lifecycle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/transform"
)

// An image needs nothing from the cluster: only creating a handler's
// container needs its attachment. So `up` builds and pulls the images of
// the services that run here while Telepresence connects and attaches,
// and creates the containers once both are done (docs/commands.md#up):
// it costs the longer of the two, not their sum. Telepresence's own
// compose makes the attachments first, then runs `docker compose up`.
//
// The prefetch does what Compose's create would do first, for the cases it
// can tell apart as Compose does (pkg/compose/build.go ensureImagesExists):
// it pulls an image that a pull policy asks for (always, or missing and
// absent), and builds one that --build asks for, or that is absent and has
// no image name to pull. What it leaves (a refresh policy, a platform, an
// image to pull before building it, a provider) Compose's create does, as
// it always did. What it fetched, create fetches no more.

// prefetchGrace bounds the wait for a canceled prefetch: a build whose
// context ends may not return (its progress forwarder can block), and the
// undo must not wait on it.
var prefetchGrace = 5 * time.Second

// prefetch is the fetching of a run's images, under way.
type prefetch struct {
	cancel context.CancelFunc
	done   chan struct{}
	// fetched are the services whose image it made present; err is why it
	// failed. Both are read once done is closed.
	fetched map[string]bool
	err     error
}

// fetches are the services whose images a prefetch pulls, and builds.
type fetches struct {
	pull, build []string
}

// startPrefetch starts fetching the images of the selected services that
// run here. fail is called with the error if it fails, so that the run
// stops at once. A dry run fetches nothing: nothing would land in the
// engine, and create would fetch it all again.
func (u *upRun) startPrefetch(ctx context.Context, selected []string, fail func(error)) *prefetch {
	pctx, cancel := context.WithCancel(ctx)
	p := &prefetch{cancel: cancel, done: make(chan struct{}), fetched: map[string]bool{}}
	go func() {
		defer close(p.done)
		end := u.Trace.Step("images: which to fetch")
		project, f, err := u.prefetchPlan(pctx, selected)
		end()
		if err == nil && len(f.pull)+len(f.build) > 0 {
			end = u.Trace.Step("images: build and pull")
			err = u.fetch(pctx, project, f)
			p.fetched, err = u.present(pctx, project, slices.Concat(f.pull, f.build), err)
			end()
		}
		if err != nil && pctx.Err() == nil {
			p.err = err
			fail(err)
		}
	}()
	return p
}

// wait waits for the prefetch to end, and says what it fetched; or for
// the run to be canceled, which cancels it (a canceled build may never
// return: stop bounds the wait for it).
func (p *prefetch) wait(ctx context.Context) (map[string]bool, error) {
	select {
	case <-p.done:
	case <-ctx.Done():
	}
	if ctx.Err() != nil {
		p.stop()
		return nil, context.Cause(ctx)
	}
	return p.fetched, p.err
}

// stop cancels the prefetch and waits for it, a while at most.
func (p *prefetch) stop() {
	p.cancel()
	select {
	case <-p.done:
	case <-time.After(prefetchGrace):
	}
}

// prefetchPlan is the project whose images the run fetches (the selected
// services that run here, with the run's build policy), and which of them
// to pull and build now.
func (u *upRun) prefetchPlan(ctx context.Context, selected []string) (*types.Project, fetches, error) {
	var f fetches
	project, err := u.prefetchProject(selected)
	if project == nil || err != nil {
		return nil, f, err
	}
	has := u.imageChecker()
	built := map[string]bool{}
	for _, svc := range project.Services {
		if svc.Build != nil {
			built[api.GetImageNameOrDefault(svc, project.Name)] = true
		}
	}
	for _, name := range project.ServiceNames() {
		svc := project.Services[name]
		policy, _, err := svc.GetPullPolicy()
		if err != nil || svc.Provider != nil || svc.Platform != "" || len(svc.PreStart) > 0 {
			continue // create's own: it says what is wrong, matches platforms and hook images itself
		}
		ref := api.GetImageNameOrDefault(svc, project.Name)
		present, err := has(ctx, ref)
		if err != nil {
			return nil, f, err
		}
		switch u.fetchOf(svc, policy, present) {
		case "build":
			f.build = append(f.build, name)
		case "pull":
			if !built[ref] { // another service builds it: create's, which pulls or builds it as Compose does
				f.pull = append(f.pull, name)
			}
		}
	}
	return project, f, nil
}

// prefetchProject is the project whose images a run fetches: nil when it
// fetches none.
func (u *upRun) prefetchProject(selected []string) (*types.Project, error) {
	if u.DryRun || (u.opts.Mode == Watch && u.opts.NoUp) || u.opts.Project.Environment["DOCKER_DEFAULT_PLATFORM"] != "" {
		return nil, nil
	}
	project, err := transform.WithoutRemote(u.opts.Project, u.opts.Intent)
	if err == nil && len(selected) > 0 {
		project, err = project.WithSelectedServices(selected, types.IgnoreDependencies)
	}
	if err != nil {
		return nil, err
	}
	return withBuildPolicy(project, u.opts)
}

// fetchOf says whether a service's image is built or pulled now, as
// Compose's create would: "" when it leaves it to create.
func (u *upRun) fetchOf(svc types.ServiceConfig, policy string, present bool) string {
	switch {
	case svc.Build != nil:
		if u.opts.Build != BuildNever && (policy == types.PullPolicyBuild || !present && svc.Image == "") {
			return "build"
		}
	case svc.Image != "" && (policy == types.PullPolicyAlways ||
		!present && (policy == types.PullPolicyMissing || policy == types.PullPolicyIfNotPresent)):
		return "pull"
	}
	return ""
}

// fetch pulls and builds at once: their images differ. Each gets a project
// of its own, as Compose's build changes the one it is given.
func (u *upRun) fetch(ctx context.Context, project *types.Project, f fetches) error {
	var wg sync.WaitGroup
	var pullErr, buildErr error
	out := &tail{}
	if len(f.pull) > 0 {
		toPull, err := project.WithSelectedServices(f.pull, types.IgnoreDependencies)
		if err == nil {
			toPull, err = toPull.WithServicesTransform(func(_ string, s types.ServiceConfig) (types.ServiceConfig, error) {
				s.PullPolicy = types.PullPolicyAlways // Compose's pull then pulls exactly these
				return s, nil
			})
		}
		if err != nil {
			return err
		}
		wg.Go(func() { pullErr = u.Compose.Pull(ctx, toPull, api.PullOptions{Quiet: u.opts.QuietPull}) })
	}
	if len(f.build) > 0 {
		toBuild, err := project.WithServicesTransform(func(_ string, s types.ServiceConfig) (types.ServiceConfig, error) { return s, nil })
		if err != nil {
			return err
		}
		opts := api.BuildOptions{Services: f.build, Quiet: u.opts.QuietBuild, Progress: u.BuildProgress}
		if u.opts.QuietPull {
			opts.Progress = "quiet" // as `docker compose up --quiet-pull` builds
		}
		if u.CaptureBuild {
			opts.Out = out
		}
		wg.Go(func() { buildErr = u.Compose.Build(ctx, toBuild, opts) })
	}
	wg.Wait()
	if buildErr != nil {
		buildErr = fmt.Errorf("building %s: %w%s", joinNames(f.build), buildErr, out.quoted())
	}
	return errors.Join(pullErr, buildErr)
}

// present are the services whose images the engine has now. A canceled
// pull may answer nil, and a build a killed builder's error: only what is
// there counts.
func (u *upRun) present(ctx context.Context, project *types.Project, services []string, err error) (map[string]bool, error) {
	out := map[string]bool{}
	if err != nil || ctx.Err() != nil {
		return out, err
	}
	has := u.imageChecker()
	for _, name := range services {
		if out[name], err = has(ctx, api.GetImageNameOrDefault(project.Services[name], project.Name)); err != nil {
			return out, err
		}
	}
	return out, nil
}

// imageChecker tells whether the engine has an image, asking once per
// reference: services often share an image.
func (u *upRun) imageChecker() func(ctx context.Context, ref string) (bool, error) {
	has := map[string]bool{}
	return func(ctx context.Context, ref string) (bool, error) {
		if ok, known := has[ref]; known {
			return ok, nil
		}
		ok, err := u.Engine.HasImage(ctx, ref)
		if err != nil {
			return false, u.engineError(err)
		}
		has[ref] = ok
		return ok, nil
	}
}

// withFetched is the project with the images the prefetch fetched taken
// as they are: create pulls or builds them only if they went missing.
func withFetched(project *types.Project, fetched map[string]bool) (*types.Project, error) {
	if len(fetched) == 0 {
		return project, nil
	}
	return pullingMissing(project, func(name string, _ types.ServiceConfig) bool { return fetched[name] })
}

// pullingMissing is the project in which the services that which picks
// pull their image only when it is missing, and build nothing. A
// pull policy is not part of a container's configuration hash
// (pkg/compose/hash.go of Compose), so no container differs for it.
func pullingMissing(project *types.Project, which func(name string, s types.ServiceConfig) bool) (*types.Project, error) {
	return project.WithServicesTransform(func(name string, s types.ServiceConfig) (types.ServiceConfig, error) {
		if which(name, s) {
			s.PullPolicy = types.PullPolicyMissing
		}
		return s, nil
	})
}

func joinNames(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return fmt.Sprintf("%v", names)
}

// tail keeps the last lines of a build's output, which a failed build
// quotes when its output was kept off the terminal.
type tail struct {
	mu    sync.Mutex
	lines []string
	part  []byte
}

const tailLines = 20

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.part = append(t.part, p...)
	for {
		i := bytes.IndexByte(t.part, '\n')
		if i < 0 {
			break
		}
		t.lines = append(t.lines, string(t.part[:i]))
		t.part = t.part[i+1:]
	}
	if len(t.lines) > tailLines {
		t.lines = slices.Clone(t.lines[len(t.lines)-tailLines:])
	}
	return len(p), nil
}

// quoted is the kept output, as the end of an error message; empty when
// there is none.
func (t *tail) quoted() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := slices.Clone(t.lines)
	if len(t.part) > 0 {
		lines = append(lines, string(t.part))
	}
	if len(lines) == 0 {
		return ""
	}
	return "\nThe build's last lines:\n  " + strings.Join(lines, "\n  ")
}
