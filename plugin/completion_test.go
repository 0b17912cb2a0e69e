package plugin

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
)

// complete runs cobra's __complete, which `docker __complete telepresence
// ...` hands to the plugin, and returns the candidates.
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := RootCommand(newCli(t))
	cmd.PersistentPreRunE = nil // the Docker CLI's plugin framework is not running here
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SetArgs(append([]string{"__complete"}, args...))
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if line != "" && !strings.HasPrefix(line, ":") {
			got = append(got, strings.SplitN(line, "\t", 2)[0])
		}
	}
	return got
}

func TestCompletion(t *testing.T) {
	dir := writeFiles(t, map[string]string{"compose.yaml": `
services:
  web: {image: w, env_file: [missing.env]}
  worker: {image: k}
  db: {image: d, profiles: [debug, dev]}
  cache: {image: c, x-telepresence: {behavior: remote}}
`})
	file := filepath.Join(dir, "compose.yaml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-f", file, "up", ""}, "web worker db"}, // not the remote cache
		{[]string{"-f", file, "config", "--remote", "c"}, "cache"},
		{[]string{"-f", file, "up", "web", "w"}, "worker"},
		{[]string{"-f", file, "watch", "w"}, "web worker"},
		{[]string{"-f", file, "logs", "w"}, "web worker"}, // Compose's other commands too
		{[]string{"-f", file, "exec", ""}, "web worker db"},
		{[]string{"-f", file, "restart", "d"}, "db"},
		{[]string{"-f", file, "up", "--handler", "w"}, "web worker"},
		{[]string{"-f", file, "config", "--remote", "d"}, "db"},
		{[]string{"-f", file, "--profile", ""}, "debug dev"},
		{[]string{"-f", file, "--profile", "de"}, "debug dev"},
		{[]string{"config", "--format", ""}, "yaml json"},
		{[]string{"status", "--format", ""}, "table json"},
	} {
		if got := strings.Join(complete(t, tc.args...), " "); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestStatusTable(t *testing.T) {
	var out bytes.Buffer
	err := writeStatus(&out, &lifecycle.ProjectStatus{
		Project: "shop",
		Up:      true,
		Daemon:  &lifecycle.DaemonStatus{Name: "default-default", Container: "tp-default-default", Model: "teleroute", Version: "2.27.3", Context: "kind", Namespace: "default"},
		Attachments: []lifecycle.AttachmentStatus{
			{Kind: "intercept", Name: "echo-server", Service: "echo", Workload: "echo-server", Ports: []string{"8088:http"}, HTTPHeaders: []string{"x-dev=alice"},
				HTTPPaths: []string{"prefix=/api"}, State: lifecycle.StateLive},
			{Kind: "wiretap", Name: "tap", Service: "audit", Workload: "echo-server", Ports: []string{"9090"}, State: lifecycle.StateLive},
			{Kind: "ingest", Name: "worker", Service: "batch", Workload: "worker", State: lifecycle.StateEnded},
		},
		Handlers: []lifecycle.HandlerStatus{{Container: "shop-echo-1", Service: "echo", Attachment: "echo-server", Running: true},
			{Container: "shop-audit-1", Service: "audit", Attachment: "tap"}},
		Remote: []lifecycle.RemoteStatus{{Service: "db", AliasFor: "psql.big-data"}, {Service: "cache"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"DAEMON   tp-default-default (Telepresence 2.27.3, teleroute model, context kind, namespace default)",
		"echo-server  intercept  echo     echo-server  8088:http  x-dev=alice prefix=/api  -           live",
		"worker       ingest     batch    worker       -          -                        -           ended",
		"The handler shop-audit-1 of service audit is not running, while its attachment tap is live",
		"`docker telepresence up` (or `start audit`) runs it again",
		"shop-echo-1        echo     echo-server  true",
		"db              psql.big-data",
		"cache           -",
		"`docker telepresence down` removes its record",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := writeStatus(&out, &lifecycle.ProjectStatus{Project: "nope"}); err != nil || !strings.Contains(out.String(), `Project "nope" is not up`) {
		t.Errorf("a project that is not up: %q, %v", out.String(), err)
	}
}
