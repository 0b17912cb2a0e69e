package telepresence

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// fakeBinary writes a shell script standing in for telepresence: it records
// its arguments and prints stdout/stderr, exiting with code.
func fakeBinary(t *testing.T, stdout, stderr string, code int) (*CLI, func() string) {
	t.Helper()
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	script := "#!/bin/sh\n" +
		"echo \"$@\" > " + argsFile + "\n" +
		"cat <<'EOF'\n" + stdout + "\nEOF\n" +
		"cat >&2 <<'EOF'\n" + stderr + "\nEOF\n" +
		"exit " + string(rune('0'+code)) + "\n"
	bin := filepath.Join(dir, "telepresence")
	if err := os.WriteFile(bin, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return &CLI{Binary: bin, Timeout: 10 * time.Second}, func() string {
		b, _ := os.ReadFile(argsFile)
		return strings.TrimSpace(string(b))
	}
}

func TestStatusCommand(t *testing.T) {
	c, args := fakeBinary(t, string(sample(t, "status-2.27-teleroute.json")), "", 0)
	st, err := c.Status(t.Context())
	if err != nil || len(st.Daemons) != 1 {
		t.Fatalf("status = %+v, %v", st, err)
	}
	if a := args(); a != "status --output json" {
		t.Errorf("args = %q: before status answers the release is unknown, and every release takes --output json", a)
	}
	c, _ = fakeBinary(t, string(sample(t, "status-host-daemon.json")), "", 0)
	if st, err := c.Status(t.Context()); err != nil || st.Running() || !st.OnHost {
		t.Errorf("a daemon on the host serves no project, and is no error: %+v, %v", st, err)
	}
	c, _ = fakeBinary(t, "OSS User Daemon: Running", "", 0)
	if _, err := c.Status(t.Context()); !errors.Is(err, ErrBadOutput) || !strings.Contains(err.Error(), "Telepresence 2.20 or newer") {
		t.Errorf("not JSON: err = %v", err)
	}
	c, _ = fakeBinary(t, `{"cmd":"status","stdout":`+string(sample(t, "status-2.20-netns.json"))+`}`, "", 0)
	if st, err := c.Status(t.Context()); err != nil || len(st.Daemons) != 1 || st.Daemons[0].Model() != vocab.ModelNetns {
		t.Errorf("in an envelope: %+v %v", st, err)
	}
}

func TestClientVersion(t *testing.T) {
	c, args := fakeBinary(t, string(sample(t, "version.txt")), "", 0)
	v, err := c.ClientVersion(t.Context())
	if err != nil || v != (vocab.Version{Major: 2, Minor: 27, Patch: 3}) || args() != "version" {
		t.Errorf("version = %v, %v (args %q)", v, err, args())
	}
	c, _ = fakeBinary(t, "nothing useful", "", 0)
	if _, err := c.ClientVersion(t.Context()); !errors.Is(err, ErrBadOutput) {
		t.Errorf("err = %v", err)
	}
}

func TestNotInstalled(t *testing.T) {
	c := &CLI{Binary: filepath.Join(t.TempDir(), "nope")}
	_, err := c.Status(t.Context())
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "telepresence.io") {
		t.Fatalf("err = %v", err)
	}
}

func TestTimeout(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "telepresence")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexec sleep 30\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	c := &CLI{Binary: bin, Timeout: 200 * time.Millisecond}
	start := time.Now()
	err := c.Connect(t.Context(), ConnectOptions{})
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "--telepresence-timeout") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("the timeout did not stop the command")
	}
}

func TestConnect(t *testing.T) {
	c, args := fakeBinary(t, "Connected", "", 0)
	err := c.Connect(t.Context(), ConnectOptions{Context: "minikube", Namespace: "default", ManagerNamespace: "ambassador",
		MappedNamespaces: []string{"a", "b"}, Expose: []string{"8088:8088", "127.0.0.1:9000:9000"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "connect --docker --context minikube --namespace default --manager-namespace ambassador --mapped-namespaces a,b --expose 8088:8088 --expose 127.0.0.1:9000:9000"
	if a := args(); a != want {
		t.Errorf("args = %q, want %q", a, want)
	}
}

func TestConnectFailureSaysWhy(t *testing.T) {
	c, _ := fakeBinary(t, "", "telepresence connect: error: unable to reach the cluster", 1)
	err := c.Connect(t.Context(), ConnectOptions{})
	// The CLI's own prefix goes: the error names the command once.
	if !errors.Is(err, ErrFailed) || err.Error() != "telepresence connect: unable to reach the cluster" {
		t.Fatalf("err = %v", err)
	}
}

func TestAttachParsesEverySample(t *testing.T) {
	env := map[string]string{
		"TELEPRESENCE_CONTAINER": "echo-server", "TELEPRESENCE_MOUNTS": "/var/run/secrets/kubernetes.io:/data",
		"TELEPRESENCE_ROOT": "/Users/dev/telfs-3141592", "TELEPRESENCE_INTERCEPT_ID": "5b1f0c7e-2a9d-4e57-8d8c-0e6d2c9b7f44:echo-server",
		"DB_HOST": "psql", "API_TOKEN": "s3cr3t",
	}
	base := vocab.Attachment{Kind: vocab.KindIntercept, Name: "echo-server", Environment: env, MountPort: 34439}
	list, byPolicy := base, base
	list.Mounts = []vocab.Mount{{Path: "/var/run/secrets/kubernetes.io", Policy: vocab.PolicyRemote}, {Path: "/data", Policy: vocab.PolicyRemote}}
	byPolicy.Mounts = []vocab.Mount{{Path: "/data", Policy: vocab.PolicyRemote}, {Path: "/tmp/cache", Policy: vocab.PolicyLocal},
		{Path: "/var/log/app", Policy: vocab.PolicyIgnore}, {Path: "/var/run/secrets/kubernetes.io", Policy: vocab.PolicyRemoteReadOnly}}
	// An ingest is named by its workload and mounts everything read-only,
	// whatever policy a path has.
	ingest := vocab.Attachment{Kind: vocab.KindIngest, Name: "echo-server", MountPort: 34441, Environment: map[string]string{
		"TELEPRESENCE_CONTAINER": "echo-server", "TELEPRESENCE_MOUNTS": "/var/run/secrets/kubernetes.io:/data",
		"TELEPRESENCE_ROOT": "/Users/dev/telfs-2718281", "DB_HOST": "psql", "API_TOKEN": "s3cr3t",
	}, Mounts: []vocab.Mount{{Path: "/data", Policy: vocab.PolicyRemoteReadOnly}, {Path: "/var/run/secrets/kubernetes.io", Policy: vocab.PolicyRemoteReadOnly}}}
	replace := vocab.Attachment{Kind: vocab.KindReplace, Name: "echo-server", MountPort: 34443, Environment: map[string]string{
		"TELEPRESENCE_CONTAINER": "echo-server", "TELEPRESENCE_MOUNTS": "/data", "TELEPRESENCE_ROOT": "/Users/dev/telfs-1618033",
		"TELEPRESENCE_INTERCEPT_ID": "7c2e9a41-5d3b-4f0e-9a6c-1b2d3e4f5a6b:echo-server", "DB_HOST": "psql",
	}, Mounts: []vocab.Mount{{Path: "/data", Policy: vocab.PolicyRemote}}}
	wiretap := vocab.Attachment{Kind: vocab.KindWiretap, Name: "echo-server-tap", MountPort: 34445, Environment: map[string]string{
		"TELEPRESENCE_CONTAINER": "echo-server", "TELEPRESENCE_MOUNTS": "/data", "TELEPRESENCE_ROOT": "/Users/dev/telfs-1414213",
		"TELEPRESENCE_INTERCEPT_ID": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b:echo-server-tap",
	}, Mounts: []vocab.Mount{{Path: "/data", Policy: vocab.PolicyRemoteReadOnly}}}
	for _, tc := range []struct {
		file string
		kind vocab.Kind
		want *vocab.Attachment
	}{
		{"intercept-2.20.json", vocab.KindIntercept, &list},
		{"intercept-2.27.json", vocab.KindIntercept, &byPolicy},
		{"ingest-2.31.json", vocab.KindIngest, &ingest},
		{"replace-2.31.json", vocab.KindReplace, &replace},
		{"wiretap-2.31.json", vocab.KindWiretap, &wiretap},
	} {
		got, err := parseAttachment(tc.kind, []string{string(tc.kind), tc.want.Name}, sample(t, tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.file, d)
		}
	}
	c, _ := fakeBinary(t, string(sample(t, "intercept-error.json")), "", 1)
	_, err := c.Attach(t.Context(), AttachOptions{Kind: vocab.KindIntercept, Name: "echo-server", Ports: []string{"8088"}})
	if !AlreadyExists(err) || !strings.Contains(err.Error(), `Intercept with name "echo-server" already exists`) {
		t.Errorf("intercept-error.json: err = %v", err)
	}
	// 2.22 spells RemoteReadonly (fixed in 2.23.4).
	if m, err := parseMounts([]byte(`{"/a":"RemoteReadonly"}`)); err != nil || m[0].Policy != vocab.PolicyRemoteReadOnly {
		t.Errorf("RemoteReadonly: %v, %v", m, err)
	}
	if _, err := parseMounts([]byte(`{"/a":"Sometimes"}`)); err == nil || !strings.Contains(err.Error(), `unknown policy "Sometimes"`) {
		t.Errorf("unknown policy: %v", err)
	}
}

// The command lines of each kind and release (docs/telepresence-contract.md).
func TestAttachArgs(t *testing.T) {
	v227, v230 := Contract{Version: vocab.Version{Major: 2, Minor: 27, Patch: 3}}, Contract{Version: vocab.Version{Major: 2, Minor: 30, Patch: 1}, Use: "big"}
	tests := []struct {
		name string
		opts AttachOptions
		want string
	}{
		{"2.20 intercept, netns", AttachOptions{Kind: vocab.KindIntercept, Name: "echo-server", Workload: "echo-server", Ports: []string{"8088:http"},
			Service: "echo", HTTP: vocab.HTTPFilter{Headers: []string{"x-dev=alice"}}},
			"intercept echo-server --port 8088:http --service echo --http-header \"x-dev:alice\" --mount=false --detailed-output --output json"},
		{"2.27 intercept with an address and every filter", AttachOptions{Kind: vocab.KindIntercept, Contract: v227, Name: "echo", Workload: "echo-server",
			Ports: []string{"8088:http", "9090:metrics"}, Address: "p-echo", Container: "app", ToPod: []string{"8081"},
			HTTP:     vocab.HTTPFilter{Headers: []string{"x-dev=alice"}, Paths: []string{"/a"}, PathPrefixes: []string{"/api"}, PathRegexps: []string{"^/v[0-9]"}},
			Metadata: map[string]string{"owner": "alice", "app": "echo"}, Mount: true},
			"intercept echo --workload echo-server --port 8088:http --port 9090:metrics --address p-echo --container app --to-pod 8081 " +
				"--http-header \"x-dev:alice\" --http-path-equal \"/a\" --http-path-prefix \"/api\" --http-path-regex \"^/v[0-9]\" --metadata \"app:echo\" --metadata \"owner:alice\" " +
				"--detailed-output --output json"},
		{"2.30 replace of every port, several daemons", AttachOptions{Kind: vocab.KindReplace, Contract: v230, Name: "echo-server", Workload: "echo-server",
			Address: "p-echo", Container: "app", Mount: true},
			"replace echo-server --address p-echo --container app --use ^big$ --detailed-output --format json"},
		{"2.27 wiretap", AttachOptions{Kind: vocab.KindWiretap, Contract: v227, Name: "tap", Workload: "echo-server", Ports: []string{"8088"}, Address: "p-tap", Mount: true},
			"wiretap tap --workload echo-server --port 8088 --address p-tap --detailed-output --output json"},
		{"2.27 ingest", AttachOptions{Kind: vocab.KindIngest, Contract: v227, Name: "echo-server", Workload: "echo-server", Container: "app", ToPod: []string{"5432"}},
			"ingest echo-server --container app --to-pod 5432 --mount=false --output json"},
	}
	for _, tc := range tests {
		if got := strings.Join(tc.opts.Args(), " "); got != tc.want {
			t.Errorf("%s:\n args = %q\n want   %q", tc.name, got, tc.want)
		}
	}
}

func TestInterceptFailures(t *testing.T) {
	tests := []struct {
		name   string
		stdout string
		code   int
		want   string
	}{
		{"error in JSON", `{"err":"intercept echo-server already exists"}`, 1, "telepresence intercept echo-server: intercept echo-server already exists"},
		{"error with --format json", `{"error":"no workload named echo-server"}`, 1, "telepresence intercept echo-server: no workload named echo-server"},
		{"not active", `{"name":"echo-server","disposition":"NO_PORTS","message":"no ports"}`, 0, "NO_PORTS: no ports"},
		{"garbage", `Using Deployment echo-server`, 0, "cannot read its JSON output"},
		{"JSON without an error is not quoted", `{"name":"echo-server","environment":{"API_TOKEN":"s3cret"}}`, 1, "failed without a message"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := fakeBinary(t, tc.stdout, "", tc.code)
			_, err := c.Attach(t.Context(), AttachOptions{Kind: vocab.KindIntercept, Name: "echo-server", Ports: []string{"8088"}, Mount: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error quotes the pod environment: %v", err)
			}
		})
	}
}

// errorLines reads the texts of internal/samples/errors.txt whose
// description starts with prefix.
func errorLines(t *testing.T, prefix string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(string(sample(t, "errors.txt")), "\n") {
		desc, text, ok := strings.Cut(line, ":")
		if ok && strings.HasPrefix(desc, prefix) {
			out = append(out, strings.TrimSpace(text))
		}
	}
	if len(out) == 0 {
		t.Fatalf("errors.txt has no %q line", prefix)
	}
	return out
}

func TestDetachByRelease(t *testing.T) {
	intercept := vocab.AttachmentRef{Kind: vocab.KindIntercept, Name: "echo-server"}
	ingest := vocab.AttachmentRef{Kind: vocab.KindIngest, Name: "echo-server", Container: "app"}
	for _, tc := range []struct {
		contract Contract
		opts     vocab.AttachmentRef
		want     string
	}{
		{Contract{}, intercept, "leave echo-server"},
		{Contract{Version: vocab.Version{Major: 2, Minor: 27, Patch: 3}, Use: "a"}, intercept, "leave echo-server --use ^a$"},
		{Contract{Version: vocab.Version{Major: 2, Minor: 29, Patch: 2}}, intercept, "leave echo-server"},
		{Contract{Version: vocab.Version{Major: 2, Minor: 30, Patch: 1}}, intercept, "detach echo-server"},
		{Contract{Version: vocab.Version{Major: 2, Minor: 22, Patch: 4}}, ingest, "leave echo-server"}, // leave has no --container before 2.24
		{Contract{Version: vocab.Version{Major: 2, Minor: 31, Patch: 2}}, ingest, "detach echo-server --container app"},
	} {
		c, args := fakeBinary(t, "", "", 0)
		if err := c.Detach(t.Context(), tc.contract, tc.opts); err != nil {
			t.Fatal(err)
		}
		if a := args(); a != tc.want {
			t.Errorf("%+v: args = %q, want %q", tc.contract, a, tc.want)
		}
	}
	// A missing intercept, in the words of each release.
	missing := append(errorLines(t, "leave, missing"), errorLines(t, "leave/detach, missing")...)
	// 2.21 and 2.22 say it so (pkg/client/cli/cmd/leave.go, which learned
	// ingests); the samples file keeps 2.20's words for that range.
	missing = append(missing, `Intercept or ingest named "echo-server" not found`)
	for _, msg := range missing {
		c, _ := fakeBinary(t, "", "telepresence leave: error: "+msg, 1)
		if err := c.Detach(t.Context(), Contract{}, intercept); !errors.Is(err, ErrNotFound) {
			t.Errorf("%q: err = %v, want ErrNotFound", msg, err)
		}
	}
	for _, other := range []string{"connection refused", `context "kind" not found`, "daemon default-default not found"} {
		c, _ := fakeBinary(t, "", "telepresence leave: error: "+other, 1)
		if err := c.Detach(t.Context(), Contract{}, intercept); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("%q is not a missing intercept: %v", other, err)
		}
	}
	for _, msg := range errorLines(t, "already exists") {
		err := &CommandError{Args: []string{"intercept", "x"}, Err: ErrFailed, Message: msg}
		if !AlreadyExists(err) {
			t.Errorf("AlreadyExists(%q) = false", msg)
		}
	}
}

func TestInterruptIsSIGINT(t *testing.T) {
	dir := t.TempDir()
	got := filepath.Join(dir, "got")
	script := "#!/bin/sh\ntrap 'echo INT > " + got + "; exit 3' INT\nwhile :; do sleep 0.05; done\n"
	bin := filepath.Join(dir, "telepresence")
	if err := os.WriteFile(bin, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(300*time.Millisecond, cancel)
	err := (&CLI{Binary: bin}).Connect(ctx, ConnectOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(got); strings.TrimSpace(string(b)) != "INT" {
		t.Errorf("the command was not interrupted with SIGINT (it got %q): it could not end what it was doing", b)
	}
}

// Filter values that pflag's StringSlice and Telepresence's parseKeyValue
// would cut or misread arrive whole: each is one CSV field, KEY:VALUE for
// headers and metadata, read back here as the CLI reads it.
func TestFilterValuesArriveWhole(t *testing.T) {
	o := AttachOptions{Kind: vocab.KindIntercept, Name: "api", Workload: "api", Mount: true,
		HTTP:     vocab.HTTPFilter{Headers: []string{"x-dev=alice:1,2", `x-q=say "hi"`}, PathRegexps: []string{"^/v[0-9]{1,2}/"}},
		Metadata: map[string]string{"url": "http://x/a,b"}}
	args := o.Args()
	var got []string
	for i := 0; i < len(args)-1; i++ {
		switch args[i] {
		case "--http-header", "--metadata", "--http-path-regex":
			fields, err := csv.NewReader(strings.NewReader(args[i+1])).Read()
			if err != nil || len(fields) != 1 {
				t.Fatalf("%s %s: %q, %v", args[i], args[i+1], fields, err)
			}
			if k, v, ok := strings.Cut(fields[0], ":"); ok && args[i] != "--http-path-regex" {
				fields[0] = strings.TrimSpace(k) + "=" + strings.TrimSpace(v)
			}
			got = append(got, fields[0])
		}
	}
	want := []string{"x-dev=alice:1,2", `x-q=say "hi"`, "^/v[0-9]{1,2}/", "url=http://x/a,b"}
	if !slices.Equal(got, want) {
		t.Errorf("the CLI reads %q, want %q", got, want)
	}
}
