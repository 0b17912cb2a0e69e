package lifecycle

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// prefetchYAML has a handler whose image is built, and a local service whose
// image is pulled: neither image is there yet.
const prefetchYAML = `
services:
  api: {build: ./api, ports: ["9000:9000"], x-telepresence: {behavior: interceptHandler}}
  web: {image: web}
`

func newPrefetchFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, prefetchYAML, v227)
	f.engine.Missing = map[string]bool{"proj-api": true, "web": true}
	return f
}

// The images are built and pulled while Telepresence attaches: the build,
// the pull and the attachment each wait until the others have begun, so a
// run that did one after another would never end.
func TestImagesAreFetchedWhileTelepresenceAttaches(t *testing.T) {
	f := newPrefetchFixture(t)
	var building, pulling, attaching sync.WaitGroup
	building.Add(1)
	pulling.Add(1)
	attaching.Add(1)
	f.compose.onFetch = func(_ context.Context, how string) error {
		map[string]*sync.WaitGroup{"build": &building, "pull": &pulling}[how].Done()
		attaching.Wait()
		return nil
	}
	f.tp.onAttach = func(string) error {
		attaching.Done()
		building.Wait()
		pulling.Wait()
		return nil
	}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"compose build api", "compose pull web"} {
		if !hasStep(f.j, want) {
			t.Errorf("no step %q: %v", want, f.j.all())
		}
	}
	// Create finds them there: it builds and pulls them no more.
	p := f.lastProject()
	if p.Services["api"].PullPolicy != "missing" || p.Services["web"].PullPolicy != "missing" {
		t.Errorf("create fetches api by %q, web by %q", p.Services["api"].PullPolicy, p.Services["web"].PullPolicy)
	}
}

// A build that fails while an attachment is made stops the run at once:
// the attachment in flight is canceled, what was made is undone, and the
// error is the build's.
func TestAFailedBuildEndsTheAttachments(t *testing.T) {
	f := newPrefetchFixture(t)
	attaching := make(chan struct{})
	f.compose.onFetch = func(_ context.Context, how string) error {
		if how != "build" {
			return nil
		}
		<-attaching
		return errors.New("RUN make: exit code 2")
	}
	f.tp.onAttach = func(string) error {
		close(attaching)
		return nil
	}
	err := f.up(t.Context(), true)
	if err == nil || !strings.Contains(err.Error(), "building api: RUN make: exit code 2") {
		t.Fatalf("err = %v", err)
	}
	if hasStep(f.j, "compose create") {
		t.Errorf("created after a failed build: %v", f.j.all())
	}
	f.assertNothingLeft(t)
}

// An attachment that fails cancels the build under way, and nothing is
// left.
func TestAFailedAttachmentCancelsTheBuild(t *testing.T) {
	f := newPrefetchFixture(t)
	building := make(chan struct{})
	canceled := make(chan struct{})
	f.compose.onFetch = func(ctx context.Context, how string) error {
		if how != "build" {
			return nil
		}
		close(building)
		<-ctx.Done()
		close(canceled)
		return ctx.Err()
	}
	f.tp.onAttach = func(string) error {
		<-building
		return errors.New("the traffic-manager refuses")
	}
	err := f.up(t.Context(), true)
	if err == nil || !strings.Contains(err.Error(), "the traffic-manager refuses") {
		t.Fatalf("err = %v", err)
	}
	<-canceled // the build was canceled, else this never returns
	f.assertNothingLeft(t)
}

// A dry run fetches nothing: nothing would land in the engine.
func TestADryRunFetchesNothing(t *testing.T) {
	f := newPrefetchFixture(t)
	f.runner.DryRun = true
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if hasStep(f.j, "compose build") || hasStep(f.j, "compose pull") {
		t.Errorf("a dry run fetched: %v", f.j.all())
	}
}

// An image that one service builds and another runs is built, not pulled:
// the registry may not have it, and Compose's create then builds it.
func TestAnImageAServiceBuildsIsNotPulled(t *testing.T) {
	f := newFixture(t, "services:\n  api: {build: ., image: me/app:dev, pull_policy: build}\n  worker: {image: me/app:dev}\n", v227)
	f.engine.Missing = map[string]bool{"me/app:dev": true}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if !hasStep(f.j, "compose build api") || hasStep(f.j, "compose pull") {
		t.Errorf("steps %v: want api built and nothing pulled", f.j.all())
	}
}

// Ctrl-C while up waits for a build that does not return when canceled
// (Compose's bake build can block so): up stops all the same, undoing what
// it made, once the grace for the build is over.
func TestCtrlCWhileABuildHangs(t *testing.T) {
	defer func(g time.Duration) { prefetchGrace = g }(prefetchGrace)
	prefetchGrace = time.Millisecond
	f := newPrefetchFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	hang := make(chan struct{})
	defer close(hang)
	f.compose.onFetch = func(_ context.Context, how string) error {
		if how == "build" {
			<-hang // ignores its context
		}
		return nil
	}
	f.tp.onAttach = func(string) error {
		cancel() // Ctrl-C once the attachment is under way
		return nil
	}
	if err := f.up(ctx, true); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	f.assertNothingLeft(t)
}

// The images are fetched once, as the pull policies say: a second pull of
// an `always` image could find a newer one and recreate the containers
// just made. Neither create nor the Up that starts the project fetches
// what the prefetch did.
func TestImagesAreFetchedOnce(t *testing.T) {
	f := newFixture(t, "services:\n  web: {image: web, pull_policy: always}\n  db: {image: db, pull_policy: never}\n", v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	// Pulled while Telepresence attaches, and never again.
	if got := f.compose.projects["proj"].Services["web"].PullPolicy; got != types.PullPolicyMissing || strings.Count(strings.Join(f.j.all(), "\n"), "compose pull") != 1 {
		t.Errorf("steps %v; create pulls web by %q, want missing", f.j.all(), got)
	}
	if len(f.compose.ups) != 1 {
		t.Fatalf("ups %v", f.compose.ups)
	}
	up := f.compose.ups[0]
	if web, db := up.Start.Project.Services["web"].PullPolicy, up.Start.Project.Services["db"].PullPolicy; web != types.PullPolicyMissing || db != types.PullPolicyNever {
		t.Errorf("up pulls web %q and db %q; want web only if missing, db never", web, db)
	}
}

// A build that fails while the run waits for Telepresence's status stops
// the run, and its error is said once.
func TestABuildThatFailsBeforeTheStatusIsSaidOnce(t *testing.T) {
	f := newPrefetchFixture(t)
	never := make(chan struct{})
	t.Cleanup(func() { close(never) })
	f.tp.onStatus = func() { <-never } // the status does not come before the build fails
	f.compose.onFetch = func(_ context.Context, how string) error {
		if how == "build" {
			return errors.New("RUN make: exit code 2")
		}
		return nil
	}
	err := f.up(t.Context(), true)
	if err == nil || strings.Count(err.Error(), "RUN make: exit code 2") != 1 {
		t.Fatalf("err = %v, want the build's error, once", err)
	}
	f.assertNothingLeft(t)
}
