package standintest

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// siInterceptFailure runs a failing intercept and returns its error message,
// read from the release's JSON error shape.
func siInterceptFailure(t *testing.T, e *Env, r standinRelease, args ...string) string {
	t.Helper()
	out, _ := siTPFails(t, e, append(append([]string{"intercept"}, args...), siJSONFlag(r.rel)...)...)
	got := siObject(t, out)
	if r.minor >= 29 {
		if len(got) != 1 {
			t.Errorf("--format json failure: %v, want {\"error\": ...}", got)
		}
		return fmt.Sprint(got["error"])
	}
	siAssertShape(t, got, "intercept-error.json")
	return fmt.Sprint(got["err"])
}

func TestStandinIntercept(t *testing.T) {
	t.Parallel()
	siForReleases(t, func(t *testing.T, e *Env, r standinRelease) {
		e.WriteFixture(Fixture{DaemonName: e.Project, Intercepts: map[string]InterceptFixture{
			"echo": {Environment: map[string]string{"DB_HOST": "psql"}, Mounts: []string{"/secrets", "/data", "/cache"},
				Policies: map[string]string{"/secrets": "RemoteReadOnly", "/cache": "Local"}, MountPort: 4444},
			"broken": {Fail: "boom"},
		}})
		detailed := append([]string{"--detailed-output"}, siJSONFlag(r.rel)...)
		if msg := siInterceptFailure(t, e, r, "echo", "--port", "8088"); !strings.Contains(msg, "not connected") {
			t.Errorf("intercept before connect: %q", msg)
		}
		siTP(t, e, "connect", "--docker")

		got := siTPJSON(t, e, append([]string{"intercept", "echo", "--port", "8088:http"}, detailed...)...)
		env, _ := got["environment"].(map[string]any)
		mount, _ := got["mount"].(map[string]any)
		wantMounts := any([]any{"/secrets", "/data", "/cache"})
		switch {
		case r.minor < 22:
			siAssertShape(t, got, "intercept-2.20.json")
		case r.minor == 22: // the typo, fixed in 2.23.4
			siAssertShape(t, got, "intercept-2.27.json")
			wantMounts = map[string]any{"/secrets": "RemoteReadonly", "/data": "Remote", "/cache": "Local"}
		default:
			siAssertShape(t, got, "intercept-2.27.json")
			wantMounts = map[string]any{"/secrets": "RemoteReadOnly", "/data": "Remote", "/cache": "Local"}
		}
		if got["name"] != "echo" || got["disposition"] != "ACTIVE" || env["DB_HOST"] != "psql" ||
			env["TELEPRESENCE_CONTAINER"] != "echo" || env["TELEPRESENCE_MOUNTS"] != "/secrets:/data:/cache" ||
			env["TELEPRESENCE_INTERCEPT_ID"] != got["id"] || mount["port"] != 4444.0 ||
			!reflect.DeepEqual(mount["mounts"], wantMounts) {
			t.Errorf("intercept echo: %v", got)
		}
		if msg := siInterceptFailure(t, e, r, "echo", "--port", "8088"); msg != `Intercept with name "echo" already exists` {
			t.Errorf("second intercept echo: %q", msg)
		}
		if msg := siInterceptFailure(t, e, r, "broken", "--port", "8088"); msg != "boom" {
			t.Errorf("failing intercept: %q", msg)
		}
		got = siTPJSON(t, e, append([]string{"intercept", "nomount", "--port", "9000", "--mount=false"}, detailed...)...)
		if _, ok := got["mount"]; ok {
			t.Errorf("intercept --mount=false has a mount: %v", got)
		}
		got = siTPJSON(t, e, append([]string{"intercept", "novolume", "--port", "9001"}, detailed...)...)
		if m, _ := got["mount"].(map[string]any); m == nil || m["mounts"] != nil {
			t.Errorf("intercept of a pod without volumes: mount %v, want one without mounts", got["mount"])
		}

		// Flags that some releases refuse.
		siCheckHeaderFlag(t, e, r)
		siCheckAddressFlag(t, e, r)
		// Without --detailed-output, intercept prints text, which --output
		// json wraps in its envelope.
		out, stderr, err := e.Telepresence("intercept", "out", "--port", "8080", "--output", "json")
		if deprecated := strings.Contains(stderr, "Flag --output has been deprecated, use --format instead"); err != nil || deprecated != (r.minor >= 29) {
			t.Errorf("intercept --output json: %v %q", err, stderr)
		}
		if got := siObject(t, out); got["cmd"] != "intercept" || !strings.Contains(fmt.Sprint(got["stdout"]), "Intercept name") {
			t.Errorf("intercept without --detailed-output: %v, want text in the envelope", got)
		}
		siTP(t, e, "leave", "novolume")

		siTP(t, e, "standin-vanish", "out")
		siTPFails(t, e, "standin-vanish", "out")
		siCheckLeave(t, e, r)
		// The test ends what it made: quit ends the daemon's intercepts.
		siTP(t, e, "quit")
		if got := e.ActiveIntercepts(); len(got) > 0 {
			t.Errorf("intercepts active after quit: %v", got)
		}
	})
}

// siNotFound is what leave says of a missing attachment, per release
// (release.go notFoundMessage).
func siNotFound(r standinRelease, name string) string {
	switch {
	case r.teleroute:
		return `Found no replace, intercept, or ingest named "` + name + `"`
	case r.minor >= 21:
		return `Intercept or ingest named "` + name + `" not found`
	}
	return `Intercept named "` + name + `" not found`
}

// siCheckLeave checks leave and detach, and their messages, per release.
func siCheckLeave(t *testing.T, e *Env, r standinRelease) {
	t.Helper()
	notFound := siNotFound(r, "echo")
	_, stderr, err := e.Telepresence("leave", "echo")
	if deprecated := strings.Contains(stderr, `Command "leave" is deprecated, use "detach" instead`); err != nil || deprecated != (r.minor >= 30) {
		t.Errorf("leave echo: %v %q", err, stderr)
	}
	if _, stderr := siTPFails(t, e, "leave", "echo"); !strings.Contains(stderr, "telepresence leave: error: "+notFound) {
		t.Errorf("leave of a missing intercept: %q, want %q", stderr, notFound)
	}
	if r.minor < 30 {
		siTPFails(t, e, "detach", "nomount") // no detach before 2.30
		return
	}
	_, stderr, err = e.Telepresence("detach", "nomount")
	if err != nil || stderr != "" {
		t.Errorf("detach nomount: %v %q", err, stderr)
	}
	if _, stderr := siTPFails(t, e, "detach", "echo"); !strings.Contains(stderr, "telepresence detach: error: "+notFound) {
		t.Errorf("detach of a missing intercept: %q", stderr)
	}
	if got := e.ActiveIntercepts(); !reflect.DeepEqual(got, []string{"named", "web"}) {
		t.Errorf("active intercepts %v", got)
	}
}

// Several daemons: status lists them; commands need --use.
func TestStandinMultiDaemon(t *testing.T) {
	t.Parallel()
	for _, r := range []standinRelease{siRelease(fixture.Release220), siRelease(fixture.Release227)} {
		t.Run(r.rel, func(t *testing.T) {
			e := newEnvAt(t, r.rel)
			siTP(t, e, "connect", "--docker", "--context", e.Project, "--namespace", "ns1")
			siTP(t, e, "connect", "--docker", "--context", e.Project, "--namespace", "ns2")
			siCheckMultiStatus(t, e, r)

			if msg := siInterceptFailure(t, e, r, "echo", "--port", "8080"); !strings.Contains(msg, "multiple daemons") || !strings.Contains(msg, "--use") {
				t.Errorf("intercept without --use: %q", msg)
			}
			siTP(t, e, "intercept", "echo", "--port", "8080", "--use", "ns2$")
			if st := e.State(); len(st.Connections[e.Project+"-ns2"].Intercepts) != 1 || len(st.Connections[e.Project+"-ns1"].Intercepts) != 0 {
				t.Errorf("intercept --use ns2$ went elsewhere: %+v", st)
			}
			if _, stderr := siTPFails(t, e, "leave", "echo"); !strings.Contains(stderr, "multiple daemons") {
				t.Errorf("leave without --use: %q", stderr)
			}
			siTP(t, e, "quit", "--use", "ns1$")
			if st := e.State(); len(st.Connections) != 1 || st.Connections[e.Project+"-ns2"] == nil {
				t.Errorf("quit --use ns1$: %+v", st)
			}
			if left := siLeftOnEngine([]string{"tp-" + e.Project + "-ns1"}, []string{e.Project + "-ns1"}); len(left) > 0 {
				t.Errorf("quit --use left %v", left)
			}
			siTP(t, e, "leave", "echo")
			siTP(t, e, "quit")
			if left := siLeftOnEngine([]string{"tp-" + e.Project + "-ns2"}, []string{e.Project + "-ns2"}); len(left) > 0 {
				t.Errorf("quit left %v", left)
			}
		})
	}
}

// --use is a regular expression, matched unanchored against the daemon
// names (pkg/client/cli/daemon/request.go, info.go at v2.20.2): a bare name
// that is part of another daemon's name matches both; the plugin's form,
// ^QuoteMeta(name)$ (telepresence/version.go useFlags), exactly one.
func TestStandinUseIsARegexp(t *testing.T) {
	t.Parallel()
	for _, rel := range []string{fixture.Release220, fixture.Release227} {
		t.Run(rel, func(t *testing.T) {
			r, e := siRelease(rel), newEnvAt(t, rel)
			short := "kind-default-cn-" + e.Project[len(e.Project)-6:]
			long := "kind-" + short // contains short
			for _, name := range []string{short, long} {
				e.WriteFixture(Fixture{DaemonName: name})
				siTP(t, e, "connect", "--docker", "--namespace", name)
				t.Cleanup(func() { _, _, _ = e.Telepresence("quit", "--use", "^"+regexp.QuoteMeta(name)+"$") })
			}
			ambiguous := fmt.Sprintf("the expression %q does not uniquely identify a running daemon", short)
			if msg := siInterceptFailure(t, e, r, "echo", "--port", "8080", "--use", short); msg != ambiguous {
				t.Errorf("intercept --use %s: %q, want %q", short, msg, ambiguous)
			}
			if out, _ := siTPFails(t, e, "status", "--output", "json", "--use", short); siObject(t, out)["err"] != ambiguous {
				t.Errorf("status --use %s: %q", short, out)
			}
			exact := "^" + regexp.QuoteMeta(short) + "$"
			siTP(t, e, "intercept", "echo", "--port", "8080", "--use", exact)
			if st := e.State(); len(st.Connections[short].Intercepts) != 1 || len(st.Connections[long].Intercepts) != 0 {
				t.Errorf("intercept --use %s went elsewhere: %+v", exact, st)
			}
			if d := siDaemon(t, siTPJSON(t, e, "status", "--output", "json", "--use", exact)); d["name"] != short {
				t.Errorf("status --use %s: daemon %v", exact, d["name"])
			}
			if msg := siInterceptFailure(t, e, r, "echo", "--port", "8080", "--use", "("); !strings.Contains(msg, "error parsing regexp") {
				t.Errorf("--use with a bad expression: %q", msg)
			}
			siTP(t, e, "quit", "--use", "^"+regexp.QuoteMeta(long)+"$")
			if st := e.State(); len(st.Connections) != 1 || st.Connections[short] == nil {
				t.Errorf("quit of %s: %+v", long, st)
			}
			siQuit(t, e)
		})
	}
}

// siCheckHeaderFlag: --http-header is refused before 2.25, recorded since.
func siCheckHeaderFlag(t *testing.T, e *Env, r standinRelease) {
	t.Helper()
	header := []string{"web", "--port", "8080", "--http-header", "x-dev=alice"}
	if r.minor < 25 {
		if msg := siInterceptFailure(t, e, r, header...); msg != "unknown flag: --http-header" {
			t.Errorf("--http-header before 2.25: %q", msg)
		}
		return
	}
	siTP(t, e, append([]string{"intercept"}, header...)...)
	if got := e.State().Connections[e.Project].Intercepts["web"]; !reflect.DeepEqual(got.Headers, []string{"x-dev=alice"}) {
		t.Errorf("--http-header not recorded: %+v", got)
	}
}

// siCheckAddressFlag: --address takes an IP before 2.23, a name since.
func siCheckAddressFlag(t *testing.T, e *Env, r standinRelease) {
	t.Helper()
	byName := []string{"named", "--port", "8080", "--address", "echo-handler"}
	if !r.teleroute {
		if msg := siInterceptFailure(t, e, r, byName...); msg != "--address echo-handler is not a valid IP address" {
			t.Errorf("--address NAME before 2.23: %q", msg)
		}
		return
	}
	siTP(t, e, append([]string{"intercept"}, byName...)...)
	if got := e.State().Connections[e.Project].Intercepts["named"]; got.Address != "echo-handler" {
		t.Errorf("--address not recorded: %+v", got)
	}
}

// siCheckMultiStatus: status with two daemons lists both, each with the
// shape of a single daemon's status, and --use picks one.
func siCheckMultiStatus(t *testing.T, e *Env, r standinRelease) {
	t.Helper()
	// 2.20 omits dns.mappings when the daemon maps nothing.
	single, optional := "status-2.20-netns.json", []string{".daemon.dns.mappings"}
	if r.teleroute {
		single, optional = "status-2.27-teleroute.json", nil
	}
	st := siTPJSON(t, e, "status", "--output", "json")
	conns, _ := st["connections"].([]any)
	if len(st) != 1 || len(conns) != 2 {
		t.Fatalf("status with two daemons: %v, want {\"connections\": [2]}", st)
	}
	siAssertShape(t, map[string]any{"connections": []any{}}, "status-2.27-multi.json")
	for _, c := range conns {
		siAssertShape(t, c.(map[string]any), single, optional...)
	}
	siAssertShape(t, siTPJSON(t, e, "status", "--output", "json", "--use", "ns2$"), single, optional...)
}
