package standintest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// siHTTPD is a busybox command serving body on port.
func siHTTPD(body string, port int) []string {
	return []string{"sh", "-c", fmt.Sprintf("mkdir -p /www && echo %s > /www/index.html && exec httpd -f -p %d -h /www", body, port)}
}

// siSendUntil runs standin-send until it answers (the handler may still be
// starting) and returns the body (Env.SendUntil).
func siSendUntil(t *testing.T, e *Env, args ...string) string {
	t.Helper()
	return e.SendUntil(t, args...)
}

// The netns model: --expose publishes through the daemon; the handler
// shares the daemon's network namespace; cluster traffic reaches it on
// 127.0.0.1.
func TestStandinNetnsExpose(t *testing.T) {
	t.Parallel()
	for _, rel := range []string{fixture.Release220, fixture.Release222} {
		t.Run(rel, func(t *testing.T) {
			e := newEnvAt(t, rel)
			e.WriteFixture(Fixture{DaemonName: e.Project})
			// Every form of --expose, each with a host port the engine
			// chooses (none is named: another program could hold it).
			expose := []string{"127.0.0.1::8088", "0:8089", "8090"}
			siTP(t, e, "connect", "--docker", "--expose", expose[0], "--expose", expose[1], "--expose", expose[2])
			d := siDaemon(t, siTPJSON(t, e, "status", "--output", "json"))
			if !reflect.DeepEqual(d["exposedPorts"], []any{expose[0], expose[1], expose[2]}) {
				t.Errorf("exposedPorts = %v, want %v", d["exposedPorts"], expose)
			}
			bindings := siPortBindings(t, "tp-"+e.Project)
			if grpc := fmt.Sprintf("%v/tcp -> 127.0.0.1:%v", d["daemon_port"], d["daemon_port"]); len(bindings) != 4 || !slices.Contains(bindings, grpc) {
				t.Errorf("port bindings %v, want %s and the three exposed ports", bindings, grpc)
			}
			published := siPublishedOnLoopback(t, "tp-"+e.Project, 8088, 8089, 8090)
			siTP(t, e, "connect", "--docker", "--expose", expose[0], "--expose", expose[1], "--expose", expose[2]) // the same: reused
			siTP(t, e, "connect", "--docker")                                                                      // none given: reused
			if _, stderr := siTPFails(t, e, "connect", "--docker", "--expose", expose[0]); !strings.Contains(stderr, "exposed ports differ. Please quit and reconnect") {
				t.Errorf("connect with other --expose: %q", stderr)
			}

			handler := siContainer(t, e, "handler", append([]string{"--network", "container:tp-" + e.Project, busyboxImage},
				siHTTPD("hello-from-handler", 8088)...)...)
			if code, body, err := e.HTTPGet("127.0.0.1:"+published[8088], "/"); err != nil || code != 200 || body != "hello-from-handler\n" {
				t.Errorf("GET through the exposed port: %d %q %v", code, body, err)
			}
			siTP(t, e, "intercept", "echo", "--port", "8088:http")
			if out := siSendUntil(t, e, "echo", "/index.html"); out != "hello-from-handler\n" {
				t.Errorf("standin-send: %q", out)
			}
			siTP(t, e, "intercept", "other", "--port", "8089")
			if out, _ := siTPFails(t, e, "standin-send", "other"); out != "" {
				t.Errorf("standin-send to a port nothing serves: %q", out)
			}
			_, _ = dockerCmd("rm", "-f", handler)
			siTP(t, e, "quit")
			if left := siLeftOnEngine([]string{"tp-" + e.Project}, nil); len(left) > 0 {
				t.Errorf("quit left %v", left)
			}
		})
	}
}

// The Teleroute model: the daemon's DNS, the cluster service, cluster
// traffic to a handler by its alias, and the network's life across daemons.
func TestStandinTeleroute(t *testing.T) {
	t.Parallel()
	for _, rel := range []string{fixture.Release227, fixture.Release230} {
		t.Run(rel, func(t *testing.T) {
			e := newEnvAt(t, rel)
			e.WriteFixture(Fixture{
				DaemonName:      e.Project,
				ClusterServices: []string{"psql.big-data", "web.ns1"},
				DNSMappings:     []Mapping{{Name: "postgres", AliasFor: "psql.big-data"}, {Name: "ghost", AliasFor: "nowhere.ns1"}},
			})
			siTP(t, e, "connect", "--docker", "--namespace", "ns1")
			net := e.Project
			daemonIP := e.Inspect(fmt.Sprintf(`{{(index .NetworkSettings.Networks %q).IPAddress}}`, net), "tp-"+net)
			clusterIP := e.Inspect(fmt.Sprintf(`{{(index .NetworkSettings.Networks %q).IPAddress}}`, net), "tp-"+net+"-cluster")
			box := siContainer(t, e, "box", "--network", net, "--dns", daemonIP, "--dns-search", "tel2-search",
				busyboxImage, "sleep", "600")
			siCheckDNS(t, e, box, daemonIP, clusterIP, map[string]bool{
				"postgres": true, "postgres.tel2-search": true, "psql.big-data": true,
				"psql.big-data.svc.cluster.local": true, "web.tel2-search": true, "web.ns1": true,
				"ghost": false, "psql.tel2-search": false, "nothing.ns1": false, "example.com": false,
				"web.ns1.tel2-search": false,
			})
			// As a handler resolves: Docker's DNS, then the daemon's, with tel2-search.
			for _, host := range []string{"postgres", "web", "psql.big-data"} {
				if out, err := e.Exec(box, "wget -q -O - http://"+host+"/"); err != nil || out != fixture.ClusterAnswer(net, 80) {
					t.Errorf("cluster service as %s: %q %v", host, out, err)
				}
			}

			// Cluster traffic reaches a handler by its alias on the network.
			siContainer(t, e, "handler", append([]string{"--network", net, "--network-alias", "echo-handler", busyboxImage},
				siHTTPD("hello-from-handler", 8088)...)...)
			siTP(t, e, "intercept", "echo", "--port", "8088:http", "--address", "echo-handler")
			if out := siSendUntil(t, e, "echo", "index.html"); out != "hello-from-handler\n" {
				t.Errorf("standin-send: %q", out)
			}
			siTP(t, e, "intercept", "noaddr", "--port", "8088") // 127.0.0.1: the daemon itself
			siTPFails(t, e, "standin-send", "noaddr")

			siQuitAndReconnect(t, e, net)
			siTP(t, e, "intercept", "echo", "--port", "8088", "--address", "echo-handler")
			if out := siSendUntil(t, e, "echo"); out != "hello-from-handler\n" {
				t.Errorf("standin-send after reconnect: %q", out)
			}
			for _, c := range []string{box, e.Project + "-handler"} {
				_, _ = dockerCmd("rm", "-f", c)
			}
			siTP(t, e, "quit")
			if left := siLeftOnEngine([]string{"tp-" + net, "tp-" + net + "-cluster"}, []string{net}); len(left) > 0 {
				t.Errorf("quit left %v", left)
			}
		})
	}
}

// siCheckDNS asks the daemon's DNS (over UDP with nslookup, over TCP with a
// hand-made query) for each name: found names resolve to the cluster
// service, AAAA gives an empty answer; others are NXDOMAIN.
func siCheckDNS(t *testing.T, e *Env, box, server, clusterIP string, names map[string]bool) {
	t.Helper()
	for name, found := range names {
		out, err := e.Exec(box, fmt.Sprintf("nslookup -type=a %s %s", name, server))
		resolved := err == nil && strings.Contains(out, "Address: "+clusterIP)
		nx := err != nil && strings.Contains(out, "NXDOMAIN")
		if resolved != found || nx == found {
			t.Errorf("DNS A %s: found=%v, want %v:\n%s %v", name, resolved, found, out, err)
		}
		out, err = e.Exec(box, fmt.Sprintf("nslookup -type=aaaa %s %s", name, server))
		if empty := err == nil && !strings.Contains(out, "Address: "+clusterIP); empty != found {
			t.Errorf("DNS AAAA %s: empty answer=%v, want %v:\n%s %v", name, empty, found, out, err)
		}
		if ip, rcode := siDNSOverTCP(t, box, server, name); (ip == clusterIP) != found || found != (rcode == "RCodeSuccess") {
			t.Errorf("DNS over TCP %s: %s %s, found want %v", name, ip, rcode, found)
		}
	}
}

// siPublishedOnLoopback returns the host port each container port is
// published at, checking that it is one engine-chosen port on 127.0.0.1.
func siPublishedOnLoopback(t *testing.T, container string, ports ...int) map[int]string {
	t.Helper()
	published := map[int]string{}
	for _, port := range ports {
		out, err := dockerCmd("port", container, fmt.Sprintf("%d/tcp", port))
		host, onLoopback := strings.CutPrefix(out, "127.0.0.1:")
		if err != nil || !onLoopback || strings.Contains(host, "\n") || host == "0" {
			t.Errorf("port %d is published at %q (%v), want one engine-chosen port on 127.0.0.1", port, out, err)
		}
		published[port] = host
	}
	return published
}

// siQuitAndReconnect: quit leaves a Teleroute network that containers
// still use; the next daemon makes it again, with the containers
// reconnected.
func siQuitAndReconnect(t *testing.T, e *Env, net string) {
	t.Helper()
	oldID := e.Inspect("{{.Id}}", net)
	siTP(t, e, "quit")
	if left := siLeftOnEngine([]string{"tp-" + net, "tp-" + net + "-cluster"}, nil); len(left) > 0 {
		t.Errorf("quit left %v", left)
	}
	if _, err := dockerCmd("network", "inspect", net); err != nil {
		t.Fatalf("quit removed the network its handler still uses: %v", err)
	}
	siTP(t, e, "connect", "--docker", "--namespace", "ns1")
	id := e.Inspect("{{.Id}}", "tp-"+net)
	if got := e.Inspect(fmt.Sprintf(`{{.Id}} {{index .Labels %q}}`, fixture.TelerouteLabel), net); got == oldID+" "+id || !strings.HasSuffix(got, " "+id) {
		t.Errorf("network after reconnect: %q, want a new one labelled %s", got, id)
	}
}
