package standintest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"reflect"
	"testing"

	"github.com/telepresenceio/telepresence/rpc/v2/connector"
	"github.com/telepresenceio/telepresence/rpc/v2/daemon"
	"golang.org/x/net/dns/dnsmessage"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// siDNSOverTCP sends one A query over TCP from inside box (busybox nc) and
// returns the first address and the response code.
func siDNSOverTCP(t *testing.T, box, server, name string) (ip, rcode string) {
	t.Helper()
	q, err := dnsmessage.NewName(name + ".")
	if err != nil {
		t.Fatal(err)
	}
	msg := dnsmessage.Message{Header: dnsmessage.Header{ID: 4242, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: q, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}}}
	req, err := msg.Pack()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("docker", "exec", "-i", box, "nc", "-w", "2", server, "53")
	cmd.Stdin = bytes.NewReader(append(binary.BigEndian.AppendUint16(nil, uint16(len(req))), req...))
	out, err := cmd.Output()
	if len(out) < 2 || int(binary.BigEndian.Uint16(out)) > len(out)-2 {
		t.Fatalf("DNS over TCP for %s: short answer %q: %v", name, out, err)
	}
	var resp dnsmessage.Message
	if err := resp.Unpack(out[2 : 2+binary.BigEndian.Uint16(out)]); err != nil {
		t.Fatalf("DNS over TCP for %s: %v", name, err)
	}
	if resp.ID != 4242 || !resp.Response {
		t.Errorf("DNS over TCP for %s: bad header %+v", name, resp.Header)
	}
	for _, a := range resp.Answers {
		if r, ok := a.Body.(*dnsmessage.AResource); ok {
			return net.IP(r.A[:]).String(), resp.RCode.String()
		}
	}
	return "", resp.RCode.String()
}

// siSetDNSMappings calls the daemon's SetDNSMappings on its published port.
func siSetDNSMappings(t *testing.T, port any, mm ...Mapping) {
	t.Helper()
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%v", port), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	req := &daemon.SetDNSMappingsRequest{}
	for _, m := range mm {
		req.Mappings = append(req.Mappings, &daemon.DNSMapping{Name: m.Name, AliasFor: m.AliasFor})
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), patience)
	defer cancel()
	if _, err := connector.NewConnectorClient(conn).SetDNSMappings(ctx, req); err != nil {
		t.Fatalf("SetDNSMappings: %v", err)
	}
}

// SetDNSMappings replaces the daemon's whole set, which status shows (in
// 2.20-2.22 without the mappings key when the set is empty) and the
// daemon's DNS follows (2.23+).
func TestStandinDNSMappings(t *testing.T) {
	t.Parallel()
	siForReleases(t, func(t *testing.T, e *Env, r standinRelease) {
		initial := []Mapping{{Name: "postgres", AliasFor: "psql.big-data"}}
		e.WriteFixture(Fixture{DaemonName: e.Project, DNSMappings: initial,
			ClusterServices: []string{"psql.big-data", "redis.default"}})
		siTP(t, e, "connect", "--docker")
		d := siDaemon(t, siTPJSON(t, e, "status", "--output", "json"))
		mappings := func() any {
			return siDaemon(t, siTPJSON(t, e, "status", "--output", "json"))["dns"].(map[string]any)["mappings"]
		}
		if got, want := mappings(), []any{map[string]any{"name": "postgres", "aliasFor": "psql.big-data"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("initial dns.mappings = %v, want %v", got, want)
		}

		set := []Mapping{{Name: "redis", AliasFor: "redis.default"}, {Name: "cache", AliasFor: "redis.default"}}
		siSetDNSMappings(t, d["daemon_port"], set...)
		if got := e.DNSMappings(); !reflect.DeepEqual(got, set) {
			t.Errorf("recorded mappings %+v, want %+v", got, set)
		}
		var rec fixture.DNSRecord
		if lines := e.ReadLines(fixture.DNSFile); len(lines) != 1 || json.Unmarshal(lines[0], &rec) != nil || rec.Daemon != e.Project {
			t.Errorf("dns.jsonl: %q, want one record of daemon %s", lines, e.Project)
		}
		want := []any{map[string]any{"name": "redis", "aliasFor": "redis.default"}, map[string]any{"name": "cache", "aliasFor": "redis.default"}}
		if got := mappings(); !reflect.DeepEqual(got, want) {
			t.Errorf("dns.mappings after SetDNSMappings = %v, want %v (the set is replaced)", got, want)
		}
		if !r.teleroute {
			siSetDNSMappings(t, d["daemon_port"]) // empty: 2.20-2.22 leave the key out
			dns := siDaemon(t, siTPJSON(t, e, "status", "--output", "json"))["dns"].(map[string]any)
			if _, ok := dns["mappings"]; ok {
				t.Errorf("netns dns.mappings of an empty set = %v, want the key left out", dns["mappings"])
			}
			return
		}
		daemonIP := e.Inspect(fmt.Sprintf(`{{(index .NetworkSettings.Networks %q).IPAddress}}`, e.Project), "tp-"+e.Project)
		clusterIP := e.Inspect(fmt.Sprintf(`{{(index .NetworkSettings.Networks %q).IPAddress}}`, e.Project), "tp-"+e.Project+"-cluster")
		box := siContainer(t, e, "box", "--network", e.Project, busyboxImage, "sleep", "600")
		siCheckDNS(t, e, box, daemonIP, clusterIP, map[string]bool{"redis": true, "cache": true, "postgres": false})

		siSetDNSMappings(t, d["daemon_port"]) // empty: no mapping at all
		if got := mappings(); !reflect.DeepEqual(got, []any{}) {
			t.Errorf("dns.mappings after an empty set = %v", got)
		}
		siCheckDNS(t, e, box, daemonIP, clusterIP, map[string]bool{"redis": false, "redis.default": true})
	})
}
