package lifecycle

import (
	"slices"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/telepresence"
)

// A 2.23+ daemon whose gRPC port is not the default 4038
// (grpc.daemonPort): the plugin dials what the daemon container publishes
// on the host port status names daemon_port, beside a port the user
// exposed, on IPv6 loopback when the daemon binds there.
func TestSetDNSMappingsDialsTheConfiguredGRPCPort(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.tp.connect("")
	f.tp.daemon.DaemonPort = 49500
	f.published = map[string][]string{
		"5000/tcp": {"[::1]:49500"},
		"8080/tcp": {"127.0.0.1:8080", "[::1]:8080"}, // connect --expose 8080:8080
	}
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.j.all(), "tp dns [::1]:49500 [db=psql.default user=users.default]") {
		t.Errorf("SetDNSMappings does not dial the daemon's gRPC port: %v", dnsSteps(f.j))
	}
}

func dnsSteps(j *steps) []string {
	var out []string
	for _, s := range j.all() {
		if strings.HasPrefix(s, "tp dns") {
			out = append(out, s)
		}
	}
	return out
}

func TestGRPCAddress(t *testing.T) {
	teleroute := telepresence.Daemon{Name: "test", ContainerNetwork: "tp-test", Version: v227, DaemonPort: 49500}
	netns := telepresence.Daemon{Name: "test", ContainerNetwork: "container:tp-test", Version: v220, DaemonPort: 53127}
	for _, tc := range []struct {
		name      string
		daemon    telepresence.Daemon
		published map[string][]string
		want      string
	}{
		{"the default port", teleroute, map[string][]string{"4038/tcp": {"127.0.0.1:49500"}}, "127.0.0.1:49500"},
		{"another port", teleroute, map[string][]string{"5000/tcp": {"127.0.0.1:49500"}}, "127.0.0.1:49500"},
		{"on IPv6 loopback", teleroute, map[string][]string{"5000/tcp": {"[::1]:49500"}}, "[::1]:49500"},
		{
			"beside exposed ports", teleroute,
			map[string][]string{"1234/tcp": {"127.0.0.1:1234"}, "5000/tcp": {"[::1]:49500"}, "9000/tcp": {"127.0.0.1:9000", "[::1]:9000"}},
			"[::1]:49500",
		},
		{
			"a UDP port and one on another address are not it", teleroute,
			map[string][]string{"5000/udp": {"127.0.0.1:5000"}, "6000/tcp": {"192.168.1.5:6000"}, "7000/tcp": {"[::1]:7000"}},
			"[::1]:7000",
		},
		{"status without daemon_port", telepresence.Daemon{Name: "test", ContainerNetwork: "tp-test", Version: v227},
			map[string][]string{"5000/tcp": {"[::1]:49321"}}, "[::1]:49321"},
		{"nothing published", teleroute, nil, "127.0.0.1:49500"},
		{"netns: daemon_port published 1:1", netns, map[string][]string{"53127/tcp": {"127.0.0.1:53127"}, "8088/tcp": {"127.0.0.1:8088"}}, "127.0.0.1:53127"},
		{"netns: nothing published", netns, nil, "127.0.0.1:53127"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &session{daemon: tc.daemon, info: engine.DaemonInfo{Published: tc.published}}
			if got := s.grpcAddress(); got != tc.want {
				t.Errorf("grpcAddress = %q, want %q", got, tc.want)
			}
		})
	}
}
