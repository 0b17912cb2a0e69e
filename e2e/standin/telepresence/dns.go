package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// tel2Search is the search domain that makes single-label names resolve in
// the connected namespace (pkg/client/rootd/dns/server.go tel2SubDomain).
const tel2Search = "tel2-search"

// serveDNS answers DNS on port 53, UDP and TCP, on every address of the
// daemon container, so on its IP on the Teleroute network too, which is
// where handlers send their queries (docker.go GetDaemonContainerNetworkInfo).
func serveDNS(d *daemonState) error {
	pc, err := net.ListenPacket("udp", ":53")
	if err != nil {
		return err
	}
	tl, err := net.Listen("tcp", ":53")
	if err != nil {
		return err
	}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp, err := d.answer(buf[:n]); err == nil {
				_, _ = pc.WriteTo(resp, addr)
			}
		}
	}()
	go func() {
		for {
			conn, err := tl.Accept()
			if err != nil {
				return
			}
			go d.serveTCP(conn)
		}
	}()
	return nil
}

// serveTCP answers length-prefixed queries on one connection.
func (d *daemonState) serveTCP(conn net.Conn) {
	defer func() { _ = conn.Close() }()
	for {
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		var n uint16
		if binary.Read(conn, binary.BigEndian, &n) != nil {
			return
		}
		req := make([]byte, n)
		if _, err := io.ReadFull(conn, req); err != nil {
			return
		}
		resp, err := d.answer(req)
		if err != nil {
			return
		}
		if _, err := conn.Write(binary.BigEndian.AppendUint16(nil, uint16(len(resp)))); err != nil {
			return
		}
		if _, err := conn.Write(resp); err != nil {
			return
		}
	}
}

// answer builds the reply to one query: A records with the cluster
// service's IP for the names the stand-in cluster has, an empty NOERROR for
// their other types (AAAA), NXDOMAIN for every other name.
func (d *daemonState) answer(req []byte) ([]byte, error) {
	var p dnsmessage.Parser
	h, err := p.Start(req)
	if err != nil {
		return nil, err
	}
	q, err := p.Question()
	if err != nil {
		return nil, err
	}
	rh := dnsmessage.Header{ID: h.ID, Response: true, OpCode: h.OpCode, Authoritative: true,
		RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	var ip net.IP
	switch {
	case !d.known(q.Name.String()):
		rh.RCode = dnsmessage.RCodeNameError
	case q.Type == dnsmessage.TypeA:
		if ip, err = d.clusterIP(); err != nil {
			fmt.Fprintf(os.Stderr, "DNS %s: %v\n", q.Name, err)
			rh.RCode = dnsmessage.RCodeServerFailure
		}
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	if ip4 := ip.To4(); ip4 != nil {
		res := dnsmessage.AResource{A: [4]byte(ip4)}
		if err := b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 5}, res); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(os.Stderr, "DNS %s %s -> %s %v\n", q.Type, q.Name, rh.RCode, ip)
	return b.Finish()
}

// known reports whether the stand-in cluster has a name: a current DNS
// mapping whose aliasFor is a cluster service, "<svc>.<ns>" (also with
// ".svc.cluster.local"), or "<svc>.tel2-search" for "<svc>.<namespace>".
func (d *daemonState) known(qname string) bool {
	name := strings.ToLower(strings.TrimSuffix(qname, "."))
	fx, err := readFixture(d.dir)
	if err != nil {
		return false
	}
	services := make([]string, len(fx.ClusterServices))
	for i, s := range fx.ClusterServices {
		services[i] = strings.ToLower(s)
	}
	inCluster := func(n string) bool {
		n = strings.TrimSuffix(n, ".svc.cluster.local")
		if !strings.Contains(n, ".") {
			n += "." + d.namespace // a single label is in the connected namespace
		}
		return slices.Contains(services, n)
	}
	single, searched := strings.CutSuffix(name, "."+tel2Search)
	if searched && strings.Contains(single, ".") {
		return false // only single labels are searched
	}
	for _, m := range d.currentMappings() {
		if strings.EqualFold(m.Name, single) && inCluster(strings.ToLower(m.AliasFor)) {
			return true
		}
	}
	if searched {
		return inCluster(single)
	}
	return strings.Contains(name, ".") && inCluster(name)
}

// clusterIP finds the stand-in cluster service's IP through Docker's
// embedded DNS (the daemon is on its network), as the real daemon dials
// containers on its network by name.
func (d *daemonState) clusterIP() (net.IP, error) {
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var dialer net.Dialer
		return dialer.DialContext(ctx, "udp", "127.0.0.11:53")
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	ips, err := r.LookupIP(ctx, "ip4", d.cluster)
	if err != nil {
		return nil, err
	}
	return ips[0], nil
}
