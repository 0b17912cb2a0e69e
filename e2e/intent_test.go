package e2e

import (
	"strings"
	"testing"
)

// Bad intent exits non-zero before anything is created, naming the file or
// flag, the service and the key.
func TestBadIntent(t *testing.T) {
	parallel(t) // each subtest has an Env of its own
	base := `
services:
  echo:
    image: ` + busyboxImage + `
    ports: ["127.0.0.1:0:8088"]
  db:
    image: ` + busyboxImage + `
  tool:
    image: ` + busyboxImage + `
`
	for _, tc := range []struct {
		name     string
		override string
		args     []string
		want     []string
	}{
		{"unknown behaviour", `{services: {echo: {x-telepresence: {behavior: sideways}}}}`, nil,
			[]string{"compose.telepresence.yaml", `service "echo"`, "x-telepresence.behavior", `unknown behavior "sideways"`}},
		{"unknown key", `{services: {echo: {x-telepresence: {behavior: interceptHandler, intercept: {prot: 1}}}}}`, nil,
			[]string{"compose.telepresence.yaml", `service "echo"`, "x-telepresence.intercept.prot", "unknown key"}},
		{"mapping on a handler", `{services: {echo: {x-telepresence: {behavior: interceptHandler, mapping: {name: x}}}}}`, nil,
			[]string{"compose.telepresence.yaml", `service "echo"`, "x-telepresence.mapping"}},
		{"handler with network_mode", `{services: {echo: {network_mode: host, x-telepresence: {behavior: interceptHandler}}}}`, nil,
			[]string{"compose.telepresence.yaml", `service "echo"`, "network_mode"}},
		{"remote shared through network_mode", `{services: {db: {x-telepresence: {behavior: remote}}, tool: {network_mode: "service:db"}}}`, nil,
			[]string{"compose.telepresence.yaml", `service "tool"`, "network_mode", `service "db", which is remote`}},
		{"--handler names no service", `{}`, []string{"--handler", "nope"},
			[]string{"--handler", `service "nope"`, "no such service"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			dir := e.WriteProject(map[string]string{"compose.yaml": base, "compose.telepresence.yaml": tc.override})
			args := append([]string{"-f", "compose.yaml", "-f", "compose.telepresence.yaml", "up", "-d"}, tc.args...)
			_, stderr, err := e.Run(ctx(t), dir, args...)
			if err == nil {
				t.Fatal("up accepted bad intent")
			}
			for _, want := range tc.want {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if calls := e.callsBeyondStatus(0); len(calls) > 0 {
				t.Errorf("telepresence was called: %q", calls)
			}
			e.assertNoLeftovers()
		})
	}
}
