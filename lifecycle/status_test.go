package lifecycle

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// status reads a project from a new process: the daemon, each intercept
// and whether it is live, the handlers, the remote services.
func TestStatusFromANewProcess(t *testing.T) {
	yaml := edit(t, projectYAML, "  web:\n", "  cache: {image: cache, x-telepresence: {behavior: remote}}\n  web:\n")
	yaml = edit(t, yaml, "{workload: echo-server}", "{workload: echo-server, httpHeaders: [x-dev=alice], httpPathPrefixes: [/api]}")
	f := newFixture(t, yaml, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	delete(f.tp.active, "api") // ended in the cluster
	got, err := f.newRunner().Status(t.Context(), "proj")
	if err != nil {
		t.Fatal(err)
	}
	want := &ProjectStatus{
		Project: "proj",
		Up:      true,
		Daemon:  &DaemonStatus{Name: "test", Container: "tp-test", Model: "teleroute", Version: "2.27.3", Context: "default", Namespace: "default"},
		Attachments: []AttachmentStatus{
			{Kind: "intercept", Name: "api", Service: "api", Workload: "api", Ports: []string{"9000"}, HTTPHeaders: []string{}, HTTPPaths: []string{}, State: StateEnded, Connection: "test"},
			{Kind: "intercept", Name: "echo-server", Service: "echo", Workload: "echo-server", Ports: []string{"8088"}, HTTPHeaders: []string{"x-dev=alice"}, HTTPPaths: []string{"prefix=/api"}, State: StateLive, Connection: "test"},
		},
		Handlers: []HandlerStatus{
			{Container: "proj-api-1", Service: "api", Attachment: "api", Running: true},
			{Container: "proj-echo-1", Service: "echo", Attachment: "echo-server", Running: true},
		},
		Remote: []RemoteStatus{{Service: "cache", Connection: "test"}, {Service: "db", AliasFor: "psql.default", Connection: "test"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("status (-want +got):\n%s", d)
	}
	f.j.reset()
	empty, err := f.newRunner().Status(t.Context(), "nothing")
	if err != nil || empty.Up || empty.Daemon != nil || len(empty.Attachments)+len(empty.Handlers)+len(empty.Remote) != 0 {
		t.Errorf("status of a project that is not up: %+v, %v", empty, err)
	}
	if hasStep(f.j, "tp status") {
		t.Errorf("asked Telepresence about a project that is not up: %v", f.j.all())
	}
}
