package main

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/telepresenceio/telepresence/rpc/v2/connector"
	"google.golang.org/grpc"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// The flags of connect follow the release: the reroutes from 2.24, refused
// before as cobra refuses an unknown flag.
func TestConnectFlagsByRelease(t *testing.T) {
	args := []string{"--docker", "--name", "a", "--also-proxy", "10.1.0.0/16,10.2.0.0/16", "--reroute-remote", "db:5432:5433"}
	for _, tc := range []struct {
		release, err string
	}{
		{fixture.Release222, "unknown flag: --reroute-remote"},
		{"2.24.0", ""},
		{fixture.Release231, ""},
	} {
		rel, err := parseRelease(tc.release)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parseFlags(args, connectFlags(rel))
		if got := fmt.Sprint(err); tc.err != "" && got != tc.err || tc.err == "" && err != nil {
			t.Errorf("%s: %v, want %q", tc.release, err, tc.err)
			continue
		}
		if err == nil && (f.last("name") != "a" || len(splitList(f.values["also-proxy"])) != 2) {
			t.Errorf("%s: flags %+v", tc.release, f)
		}
	}
}

// A connection's name is --name, made safe as Telepresence makes it, and
// its subnets must be CIDRs.
func TestNewConnection(t *testing.T) {
	e := &env{fx: fixture.Fixture{DaemonName: "fixed"}}
	for _, tc := range []struct {
		args []string
		name string
		err  string
	}{
		{[]string{"--name", "a"}, "a", ""},
		{[]string{"--name", "-x y"}, "ax_y", ""},
		{nil, "fixed", ""},
		{[]string{"--never-proxy", "10.0.0.0/33"}, "", `netip.ParsePrefix("10.0.0.0/33"): prefix length out of range`},
	} {
		f, err := parseFlags(tc.args, connectFlags(release{minor: 27}))
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.newConnection(f)
		if tc.err != "" {
			if fmt.Sprint(err) != tc.err {
				t.Errorf("%q: error %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || c.Name != tc.name {
			t.Errorf("%q: name %q, %v; want %q", tc.args, c.Name, err, tc.name)
		}
	}
}

// A reroute that does not parse fails as connector.go's resolve functions
// fail, before the daemon is asked anything.
func TestRerouteParseErrors(t *testing.T) {
	for pm, want := range map[string]string{
		"local:5432":            "invalid port mapping local:5432: local port not an integer",
		"5432":                  "invalid port mapping 5432",
		"5432:db":               "invalid port mapping db",
		"70000:db:5432":         "invalid port mapping 70000:db:5432: local port 70000 is not between 1 and 65535",
		"5432/xyz:db:5432":      `invalid port mapping 5432/xyz:db:5432: local port unsupported protocol: "xyz"`,
		"remote:db:5432:new":    "invalid port mapping db:5432:new: new port not an integer",
		"remote:db:5432:5433/x": `invalid port mapping db:5432:5433/x: new port unsupported protocol: "x"`,
		"remote:a:1":            "invalid port mapping a:1",
		"remote:10.0.0.1:80:0":  "invalid port mapping 10.0.0.1:80:0: new port 0 is not between 1 and 65535",
	} {
		f := &flags{values: map[string][]string{"reroute-local": {pm}}}
		if rest, ok := strings.CutPrefix(pm, "remote:"); ok {
			f.values = map[string][]string{"reroute-remote": {rest}}
		}
		// Port 1 answers no gRPC: a mapping that parses fails otherwise.
		if err := reroute(&fixture.Connection{GRPCPort: 1}, f); fmt.Sprint(err) != want {
			t.Errorf("%s: %v, want %q", pm, err, want)
		}
	}
}

// The host and port travel as pkg/types AddrPortProto's binary form.
func TestAddrPortProtoBinary(t *testing.T) {
	ap := netip.MustParseAddrPort("10.96.0.7:5432")
	b, err := marshalAddrPortProto(ap, protoUDP)
	if err != nil {
		t.Fatal(err)
	}
	got, proto, err := unmarshalAddrPortProto(b)
	if err != nil || got != ap || proto != protoUDP || len(b) != 4+2+1 {
		t.Errorf("round trip: %v %d %v (%d bytes)", got, proto, err, len(b))
	}
	if _, _, err := unmarshalAddrPortProto([]byte{1, 2}); err == nil {
		t.Error("a short slice is accepted")
	}
}

// A local reroute to an address: the daemon serves the local port, and what
// arrives there reaches the address.
func TestRerouteLocalForwards(t *testing.T) {
	backend := listen(t)
	go func() {
		for {
			c, err := backend.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "from the backend")
			_ = c.Close()
		}
	}()
	api := listen(t)
	srv := grpc.NewServer()
	connector.RegisterConnectorServer(srv, &connectorServer{d: &daemonState{dir: t.TempDir()}})
	go func() { _ = srv.Serve(api) }()
	t.Cleanup(srv.Stop)
	free := listen(t)
	local := free.Addr().(*net.TCPAddr).Port
	_ = free.Close()
	f := &flags{values: map[string][]string{"reroute-local": {fmt.Sprintf("%d:%s", local, backend.Addr())}}}
	if err := reroute(&fixture.Connection{GRPCPort: api.Addr().(*net.TCPAddr).Port}, f); err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", local), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if got, err := io.ReadAll(c); err != nil || string(got) != "from the backend" {
		t.Errorf("through the local port: %q, %v", got, err)
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}
