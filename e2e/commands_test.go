package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// down needs no compose file: -p names the project.
func TestDownWithOnlyTheProjectName(t *testing.T) {
	e := newEnv(t)
	writeMountFixture(e)
	e.MustRun(ctx(t), handlerProject(e), "up", "-d")
	elsewhere := e.WriteProject(map[string]string{"README": "no compose file here\n"})
	e.Extra = []string{"COMPOSE_PROJECT_NAME="}
	e.MustRun(ctx(t), elsewhere, "-p", e.Project, "down")
	e.Extra = nil
	assertDownLeftOnlyNamedVolume(e)
}

// status reads the project from a new process, in each model, as a table
// and as JSON.
func TestStatus(t *testing.T) {
	eachModel(t, func(t *testing.T, e *Env) {
		writeMountFixture(e)
		dir := handlerProject(e)
		e.MustRun(ctx(t), dir, "up", "-d", "--remote", "web=frontend")
		table := e.MustRun(ctx(t), dir, "status")
		for _, want := range []string{e.DaemonContainer() + " (Telepresence", "echo-server", e.container("echo"), "web", "frontend.default"} {
			if !strings.Contains(table, want) {
				t.Errorf("status lacks %q:\n%s", want, table)
			}
		}
		var st struct {
			Daemon struct {
				Model string `json:"model"`
			} `json:"daemon"`
			Attachments []struct {
				Name  string `json:"name"`
				Kind  string `json:"kind"`
				State string `json:"state"`
			} `json:"attachments"`
			Handlers []struct {
				Running bool `json:"running"`
			} `json:"handlers"`
			Remote []struct {
				Service  string `json:"service"`
				AliasFor string `json:"aliasFor"`
			} `json:"remote"`
		}
		if err := json.Unmarshal([]byte(e.MustRun(ctx(t), dir, "status", "--format", "json")), &st); err != nil {
			t.Fatal(err)
		}
		model := map[bool]string{false: "netns", true: "teleroute"}[e.teleroute()]
		if st.Daemon.Model != model || len(st.Attachments) != 1 || st.Attachments[0].State != "live" || st.Attachments[0].Kind != "intercept" ||
			len(st.Handlers) != 1 || !st.Handlers[0].Running ||
			len(st.Remote) != 1 || st.Remote[0].AliasFor != "frontend.default" {
			t.Errorf("status = %+v", st)
		}
		if _, _, err := e.Telepresence("standin-vanish", "echo-server"); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(e.MustRun(ctx(t), dir, "status", "--format", "json")), &st); err != nil || len(st.Attachments) != 1 || st.Attachments[0].State != "ended" {
			t.Errorf("an intercept that ended in the cluster is not shown ended: %+v, %v", st, err)
		}
	})
}

// Completion goes through the Docker CLI's __complete protocol.
func TestCompletionThroughTheDockerCLI(t *testing.T) {
	e := newEnv(t)
	dir := handlerProject(e)
	complete := func(args ...string) []string {
		out, err := e.dockerIn(dir, append([]string{"__complete", "telepresence"}, args...)...)
		if err != nil {
			t.Fatalf("docker __complete telepresence %q: %v", args, err)
		}
		var got []string
		for _, line := range strings.Split(out, "\n") {
			if line != "" && !strings.HasPrefix(line, ":") {
				got = append(got, strings.SplitN(line, "\t", 2)[0])
			}
		}
		return got
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"up", ""}, []string{"echo", "web"}},
		{[]string{"watch", "echo", ""}, []string{"web"}},
		{[]string{"config", "--handler", "e"}, []string{"echo"}},
		{[]string{"up", "--remote", "w"}, []string{"web"}},
		{[]string{"status", "--format", ""}, []string{"table", "json"}},
	} {
		if got := complete(tc.args...); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.args, got, tc.want)
		}
	}
}
