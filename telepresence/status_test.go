package telepresence

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/internal/samples"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := samples.FS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The samples in the repository are copies of the team's reference samples
// of Telepresence's output, where that folder is at hand (beside the
// repository on a developer's machine): the same files, the same bytes.
func TestSamplesMatchShared(t *testing.T) {
	shared := filepath.Join("..", "..", "shared", "telepresence")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("no %s beside the repository to compare with", shared)
	}
	entries, err := samples.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		want, err := os.ReadFile(filepath.Join(shared, e.Name()))
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if !bytes.Equal(sample(t, e.Name()), want) {
			t.Errorf("%s differs from %s: copy it into internal/samples", e.Name(), shared)
		}
	}
	theirs, err := os.ReadDir(shared)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range theirs {
		if _, err := samples.FS.ReadFile(e.Name()); err != nil && (strings.HasSuffix(e.Name(), ".json") || strings.HasSuffix(e.Name(), ".txt")) {
			t.Errorf("%s is in %s but not in internal/samples: copy it", e.Name(), shared)
		}
	}
}

func TestParseEveryStatusSample(t *testing.T) {
	netns := Daemon{Name: "minikube-default-cn", DaemonPort: 53127, ContainerNetwork: "container:tp-minikube-default-cn",
		Version: vocab.Version{Major: 2, Minor: 20, Patch: 2}, Context: "minikube", Namespace: "default", ManagerNamespace: "ambassador",
		Attachments: []string{"echo-server"}, Subnets: []string{"10.96.0.0/12", "10.244.0.0/16"},
		DNSMappings: []vocab.DNSMapping{{Name: "postgres", AliasFor: "psql.big-data"}}, ReportsDNSMappings: true}
	teleroute := Daemon{Name: "minikube-default-cn", DaemonPort: 49321, ContainerNetwork: "tp-minikube-default-cn",
		Version: vocab.Version{Major: 2, Minor: 27, Patch: 3}, Context: "minikube", Namespace: "default", ManagerNamespace: "ambassador",
		Attachments: []string{"echo-server"}, Subnets: []string{"10.96.0.0/12", "10.244.0.0/16"}, AlsoProxySubnets: []string{},
		DNSMappings: []vocab.DNSMapping{{Name: "postgres", AliasFor: "psql.big-data"}}, ReportsDNSMappings: true,
		ListsIngests: true} // 2.27 lists every kind, an empty list left out
	noSubnets := teleroute
	noSubnets.ContainerNetwork, noSubnets.Subnets, noSubnets.DNSMappings = "default bridge", []string{}, []vocab.DNSMapping{}
	recent := teleroute
	recent.Version, recent.AlsoProxySubnets = vocab.Version{Major: 2, Minor: 31, Patch: 2}, []string{}
	recent.Attachments = []string{"echo-server", "billing", "echo-server-tap"}
	recent.Ingests, recent.ListsIngests = []IngestRef{{Workload: "worker", Container: "worker"}}, true
	bigData := teleroute
	bigData.Name, bigData.DaemonPort, bigData.ContainerNetwork, bigData.Namespace, bigData.Attachments = "trn-big-data", 49777, "tp-trn-big-data", "big-data", nil

	tests := []struct {
		file      string
		want      *Status
		wantErr   error
		model     vocab.Model
		container string
	}{
		{file: "status-2.20-netns.json", want: &Status{Daemons: []Daemon{netns}}, model: vocab.ModelNetns, container: "tp-minikube-default-cn"},
		{file: "status-2.27-teleroute.json", want: &Status{Daemons: []Daemon{teleroute}}, model: vocab.ModelTeleroute, container: "tp-minikube-default-cn"},
		{file: "status-2.31-teleroute.json", want: &Status{Daemons: []Daemon{recent}}, model: vocab.ModelTeleroute, container: "tp-minikube-default-cn"},
		{file: "status-2.27-no-subnets.json", want: &Status{Daemons: []Daemon{noSubnets}}, model: vocab.ModelTelerouteNoNetwork, container: "tp-minikube-default-cn"},
		{file: "status-2.27-multi.json", want: &Status{Daemons: []Daemon{teleroute, bigData}, Several: true}, model: vocab.ModelTeleroute, container: "tp-minikube-default-cn"},
		{file: "status-host-daemon.json", want: &Status{OnHost: true}},
		{file: "status-not-running-2.20.json", want: &Status{}},
		{file: "status-not-running-2.27.json", want: &Status{}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, err := parseStatus(sample(t, tc.file))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("status (-want +got):\n%s", d)
			}
			if tc.model != "" {
				if m := got.Daemons[0].Model(); m != tc.model {
					t.Errorf("model = %s, want %s", m, tc.model)
				}
				if c := got.Daemons[0].Container(); c != tc.container {
					t.Errorf("container = %s, want %s", c, tc.container)
				}
			}
		})
	}
}

func TestEverySampleIsParsed(t *testing.T) {
	entries, err := samples.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var src []byte
	tests, _ := filepath.Glob("*_test.go")
	for _, f := range tests {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src = append(src, b...)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") || strings.HasSuffix(e.Name(), ".txt") {
			if !bytes.Contains(src, []byte(`"`+e.Name()+`"`)) {
				t.Errorf("sample %s is not parsed by a test", e.Name())
			}
		}
	}
}

func TestSelect(t *testing.T) {
	st, err := parseStatus(sample(t, "status-2.27-multi.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		context, namespace string
		wantName, wantUse  string
		wantErr            string
	}{
		{namespace: "big-data", wantName: "trn-big-data", wantUse: "trn-big-data"},
		{context: "minikube", namespace: "default", wantName: "minikube-default-cn", wantUse: "minikube-default-cn"},
		{context: "minikube", wantErr: "2 Telepresence daemons run: minikube-default-cn (context \"minikube\", namespace \"default\"), trn-big-data"},
		{namespace: "nope", wantErr: "set x-telepresence.context and namespace"},
	}
	for _, tc := range tests {
		d, c, err := st.Select(tc.context, tc.namespace)
		if tc.wantErr != "" {
			if !errors.Is(err, ErrSeveralDaemons) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Select(%q, %q): err = %v, want %q", tc.context, tc.namespace, err, tc.wantErr)
			}
			continue
		}
		if err != nil || d.Name != tc.wantName || c.Use != tc.wantUse || c.Version != (vocab.Version{Major: 2, Minor: 27, Patch: 3}) {
			t.Errorf("Select(%q, %q) = %v, %+v, %v", tc.context, tc.namespace, d, c, err)
		}
	}
	one, _ := parseStatus(sample(t, "status-2.20-netns.json"))
	d, c, err := one.Select("other", "other")
	if err != nil || d == nil || c.Use != "" {
		t.Errorf("one daemon: %v %+v %v; a single daemon needs no --use", d, c, err)
	}
	none, _ := parseStatus(sample(t, "status-not-running-2.27.json"))
	if d, _, err := none.Select("", ""); d != nil || err != nil {
		t.Errorf("no daemon: %v %v", d, err)
	}
}

func TestRelease(t *testing.T) {
	old := Daemon{ContainerNetwork: "container:tp-x"}
	if v := old.Release(); !v.IsZero() {
		t.Errorf("a netns daemon without a version is the oldest release, got %s", v)
	}
	unknown := Daemon{ContainerNetwork: "tp-x"}
	if v := unknown.Release(); v != vocab.Teleroute.Release() {
		t.Errorf("a Teleroute daemon without a version is at least %s, got %s", vocab.Teleroute.Release(), v)
	}
}

func TestParseClientVersion(t *testing.T) {
	v, ok := ParseClientVersion(sample(t, "version.txt"))
	if !ok || v != (vocab.Version{Major: 2, Minor: 27, Patch: 3}) {
		t.Errorf("version.txt: %v %v", v, ok)
	}
}

// From 2.27 an ingest that status does not list has ended: the list is
// left out when empty. Before, status cannot tell.
func TestAbsentIngestsAreEndedFrom227(t *testing.T) {
	for _, tc := range []struct {
		version    string
		held, know bool
	}{{"2.31.2", false, true}, {"2.27.3", false, true}, {"2.22.4", false, false}} {
		st, err := parseStatus([]byte(`{"daemon": {"running": true, "in_docker": true, "name": "x", "container_network": "tp-x", "version": "` + tc.version + `"}}`))
		if err != nil {
			t.Fatal(err)
		}
		held, known := st.Daemons[0].Holds(vocab.KindIngest, "worker", "worker")
		if held != tc.held || known != tc.know {
			t.Errorf("%s: an absent ingests list: held %v, known %v; want %v, %v", tc.version, held, known, tc.held, tc.know)
		}
	}
}

// A daemon on the host and a containerized one, side by side (status
// lists both under connections, the host one as it prints it alone): the
// containerized one serves, with --use, and the host one is only noted.
func TestStatusWithAHostDaemonBeside(t *testing.T) {
	host, err := unwrapJSON(sample(t, "status-host-daemon.json"))
	if err != nil {
		t.Fatal(err)
	}
	docker, err := unwrapJSON(sample(t, "status-2.31-teleroute.json"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := parseStatus([]byte(`{"connections": [` + string(host) + `, ` + string(docker) + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Daemons) != 1 || !st.OnHost || !st.Several || st.ContractFor(st.Daemons[0]).Use != st.Daemons[0].Name {
		t.Errorf("status = %+v", st)
	}
}
