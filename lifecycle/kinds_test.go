package lifecycle

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

var (
	v221 = vocab.Version{Major: 2, Minor: 21, Patch: 0}
	v222 = vocab.Version{Major: 2, Minor: 22, Patch: 4}
	v223 = vocab.Version{Major: 2, Minor: 23, Patch: 6}
)

// What a release cannot do is refused before anything is created, naming
// the key, the release and the release that can.
func TestReleaseRefusals(t *testing.T) {
	tests := []struct {
		name    string
		release vocab.Version
		service string
		want    string
	}{
		{"ingest before 2.21", v220, `{image: x, x-telepresence: {behavior: ingest}}`,
			"x-telepresence.behavior: Telepresence 2.20.2 cannot ingest a workload's container (`telepresence ingest`): it needs 2.21 or newer"},
		{"replace before 2.22", v221, `{image: x, x-tele: {type: replace}}`,
			"x-tele.type: Telepresence 2.21.0 cannot replace a workload's container (`telepresence replace`): it needs 2.22 or newer"},
		{"wiretap before 2.23", v222, `{image: x, ports: ["80"], x-tele: {type: wiretap}}`,
			"x-tele.type: Telepresence 2.22.4 cannot wiretap a workload (`telepresence wiretap`): it needs 2.23 or newer"},
		{"a path filter before 2.25", v224, `{image: x, ports: ["80"], x-tele: {type: intercept, httpPaths: [/a]}}`,
			"x-tele.httpPaths: Telepresence 2.24.1 cannot filter the traffic by HTTP header or path"},
		{"header filters before 2.25", v224, `{image: x, ports: ["80"], x-tele: {type: intercept, httpFilters: {a: b}}}`,
			"x-tele.httpFilters: Telepresence 2.24.1 cannot filter"},
		{"metadata before 2.25", v224, `{image: x, ports: ["80"], x-tele: {type: intercept, metadata: {a: b}}}`,
			"x-tele.metadata: Telepresence 2.24.1 cannot attach metadata (--metadata): it needs 2.25 or newer"},
		{"several ports before 2.22", v221, `{image: x, x-telepresence: {behavior: interceptHandler, intercept: {ports: ["80", "81"]}}}`,
			"x-telepresence.intercept.ports: Telepresence 2.21.0 cannot take several ports at once"},
		{"a container before 2.21", v220, `{image: x, ports: ["80"], x-telepresence: {behavior: interceptHandler, intercept: {container: app}}}`,
			"x-telepresence.intercept.container: Telepresence 2.20.2 cannot choose the container (--container): it needs 2.21 or newer"},
		{"proxy ports before 2.24", v223, `{image: x, x-tele: {type: proxy, ports: ["5432:5433"]}}`,
			"x-tele.ports: Telepresence 2.23.6 cannot reroute a remote service's ports: `telepresence connect --reroute-remote` needs 2.24 or newer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, "services:\n  s: "+tc.service+"\n", tc.release)
			err := f.up(t.Context(), true)
			var re *ReleaseError
			if !errors.Is(err, ErrUnsupported) || !errors.As(err, &re) || re.Service != "s" || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant %q", err, tc.want)
			}
			assertSteps(t, f.j, []string{"tp status", "tp version"})
		})
	}
}

// The attachments are made at once: each waits here until the other has
// started, which one after the other could not.
func TestAttachmentsAreMadeAtOnce(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	var arrived sync.WaitGroup
	arrived.Add(2)
	both := make(chan struct{})
	go func() { arrived.Wait(); close(both) }()
	f.tp.onAttach = func(string) error {
		arrived.Done()
		select {
		case <-both:
			return nil
		case <-time.After(time.Minute):
			return errors.New("the other attachment never started: they are made one after the other")
		}
	}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if len(f.tp.active) != 2 {
		t.Errorf("attachments: %v", f.tp.active)
	}
}

// Ctrl-C while several attachments are in flight, each made though never
// answered: every one is ended, and nothing is left.
func TestInterruptWhileSeveralAttachmentsAreInFlight(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	ctx, cancel := context.WithCancel(t.Context())
	var mu sync.Mutex
	n := 0
	f.tp.onAttach = func(name string) error {
		mu.Lock()
		defer mu.Unlock()
		n++
		if n == 2 {
			cancel()
		}
		return nil
	}
	f.tp.madeUnanswered = true
	if err := f.up(ctx, true); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	f.assertNothingLeft(t)
}

// Each kind reaches Telepresence with its command, and down ends each.
func TestEveryKindIsMadeAndEnded(t *testing.T) {
	f := newFixture(t, `
services:
  api: {image: api, ports: ["8080:8080"], x-tele: {type: intercept, httpFilters: {x-dev: me}}}
  tap: {image: tap, ports: ["9090:9090"], x-tele: {type: wiretap, name: tap, service: api}}
  billing: {image: billing, x-tele: {type: replace, container: app}}
  worker: {image: worker, x-tele: {type: ingest, container: main}}
`, vocab.Version{Major: 2, Minor: 31, Patch: 2})
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"tp intercept api --port 8080 --address tp-proj-api --http-header \"x-dev:me\" --detailed-output --format json",
		"tp wiretap tap --port 9090 --address tp-proj-tap --service api --detailed-output --format json",
		"tp replace billing --address tp-proj-billing --container app --detailed-output --format json",
		"tp ingest worker --container main --format json",
	} {
		if !hasStep(f.j, want) {
			t.Errorf("no step %q in %v", want, f.j.all())
		}
	}
	f.j.reset()
	if err := f.newRunner().Down(t.Context(), DownOptions{ProjectName: "proj"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"api", "tap", "billing", "worker"} {
		if !hasStep(f.j, "tp leave "+name) {
			t.Errorf("down does not end %s: %v", name, f.j.all())
		}
	}
	f.assertNothingLeft(t)
}

// A proxy's reroutes are given to `telepresence connect` whoever started
// the daemon, as Telepresence's compose gives them: the up that connects
// asks for them; an up on the daemon that has them asks nothing more; one
// whose proxies changed asks the running daemon for them; a published port
// the running daemon does not publish, or forwards elsewhere, is an error
// that says what to do.
func TestProxiesAreReroutedEveryTime(t *testing.T) {
	yaml := "services:\n  db: {image: db, ports: [\"5432:5432\"], x-tele: {type: proxy, name: psql, ports: [\"5433:5432\"]}}\n  web: {image: web, depends_on: [db]}\n"
	f := newFixture(t, yaml, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	connect := "tp connect --docker --name trn-default --expose 5432:5432 --reroute-local 5432:psql:5432 --reroute-remote psql:5432:5433"
	if !hasStep(f.j, connect) {
		t.Errorf("no step %q: %v", connect, f.j.all())
	}
	f.upAgain(t)
	if hasStep(f.j, "tp connect") || strings.Contains(f.stderr.String(), "WARNING") {
		t.Errorf("an up on the daemon that has the reroutes: %v\n%s", f.j.all(), f.stderr.String())
	}
	f.load(t, edit(t, yaml, `"5433:5432"`, `"5434:5432"`))
	f.upAgain(t)
	if again := "tp connect --docker --name trn-default --context default --namespace default --reroute-local 5432:psql:5432 --reroute-remote psql:5432:5434"; !hasStep(f.j, again) {
		t.Errorf("no step %q: %v", again, f.j.all())
	}
	f.load(t, edit(t, yaml, `ports: ["5432:5432"]`, `ports: ["5432:5432", "6000:6000"]`))
	f.j.reset()
	err := f.newRunner().Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached})
	if err == nil || !strings.Contains(err.Error(), `6000:6000 (service "db") is not published by it`) || !strings.Contains(err.Error(), "telepresence quit") {
		t.Errorf("a port the daemon does not publish: %v", err)
	}
	f.load(t, edit(t, yaml, `name: psql`, `name: pg`))
	f.j.reset()
	err = f.newRunner().Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached})
	if err == nil || !strings.Contains(err.Error(), "port 5432 is forwarded as 5432:psql:5432, not 5432:pg:5432") || !strings.Contains(err.Error(), "telepresence quit") {
		t.Errorf("a port the daemon forwards elsewhere: %v", err)
	}
}

// A proxy whose cluster name the daemon cannot resolve fails the connect
// that reroutes its ports; the error names the service and the key to fix,
// not only Telepresence's host name.
func TestAnUnresolvableProxyNameNamesTheServiceAndKey(t *testing.T) {
	yaml := "services:\n  db: {image: db, x-tele: {type: proxy, name: postgres, ports: [\"5433:5432\"]}}\n  web: {image: web, depends_on: [db]}\n"
	f := newFixture(t, yaml, v227)
	f.tp.connectErr = &telepresence.CommandError{Args: []string{"connect"}, Err: telepresence.ErrFailed, Message: "unable to resolve name postgres."}
	err := f.up(t.Context(), true)
	want := `connecting Telepresence: service "db": x-tele.name: the cluster has no service "postgres" that the Telepresence daemon can resolve`
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "telepresence connect: unable to resolve name postgres.") ||
		!strings.Contains(err.Error(), "hint: set x-tele.name to a service of the cluster") {
		t.Fatalf("err = %v", err)
	}
	f.assertNothingLeft(t)
}
