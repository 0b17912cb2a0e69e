package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/telepresenceio/telepresence/rpc/v2/daemon"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// What the daemon does with the reroutes a connect asks for (reroute.go):
//
//   - RerouteLocalPort: the user daemon serves the local port, inside its
//     container, and sends what arrives on to the cluster's host and port
//     (pkg/client/userd/trafficmgr/session.go RerouteLocalPort, a
//     pkg/forwarder); with --expose, the host reaches that port.
//   - RerouteRemotePort: the root daemon's VIF sends what containers on its
//     network send to the host's new port on to the host's port
//     (pkg/client/rootd/session.go rerouteRemotePort, its l4PortMap; nothing
//     when both ports are equal). The stand-in has no VIF: containers reach
//     the stand-in cluster service directly on the Teleroute network, so the
//     daemon has the cluster service, at the rerouted address, serve the new
//     port and send it on to the port (clusterControlPort).
//
// The stand-in forwards TCP only; a UDP reroute is refused.

// clusterControlPort is where the stand-in cluster service takes the
// reroutes its daemon asks for: POST /reroute?port=NEW&to=PORT. It is the
// stand-in's own, not Telepresence's.
const clusterControlPort = 4039

// errTCPOnly refuses what the stand-in does not emulate.
var errTCPOnly = errors.New("the stand-in reroutes TCP ports only")

// ResolvePort is pkg/client/rootd/session.go resolvePort on the stand-in
// cluster: a port number with an IP, or with a name the daemon's DNS
// resolves; a port name with the name of a cluster service, from its ports
// (pkg/client/portforward ResolveServiceAndPort).
func (c *connectorServer) ResolvePort(_ context.Context, req *daemon.ResolvePortRequest) (*daemon.ResolvePortResponse, error) {
	ap, proto, err := c.d.resolvePort(req.GetHost(), req.GetPort())
	if _, isStatus := grpcstatus.FromError(err); err != nil && !isStatus {
		return nil, grpcstatus.Error(codes.Unknown, err.Error())
	}
	if err != nil {
		return nil, err
	}
	b, err := marshalAddrPortProto(ap, proto)
	if err != nil {
		return nil, err
	}
	return &daemon.ResolvePortResponse{HostPort: b}, nil
}

func (d *daemonState) resolvePort(host, portStr string) (netip.AddrPort, byte, error) {
	proto := protoTCP
	if ix := strings.LastIndexByte(portStr, '/'); ix > 0 {
		var err error
		if proto, err = parseProto(portStr[ix+1:]); err != nil {
			return netip.AddrPort{}, 0, err
		}
		portStr = portStr[:ix]
	}
	if port, err := parsePort(portStr); err == nil {
		ip, err := netip.ParseAddr(host)
		if err != nil {
			ip, err = d.lookup(host)
		}
		return netip.AddrPortFrom(ip, port), proto, err
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return netip.AddrPort{}, 0, errors.New("a symbolic port must be used with a service name, not an IP address")
	}
	return d.servicePort(host, portStr, proto)
}

// lookup resolves a name as the daemon's own DNS does: a single label
// through the search path, so in the connected namespace (resolveInSearch,
// pkg/client/rootd/dns/server.go), others as they are. A name it cannot
// resolve fails with the root daemon's words, the name made fully
// qualified (pkg/client/rootd/session.go resolvePort, NotFound).
func (d *daemonState) lookup(host string) (netip.Addr, error) {
	query := host
	if !strings.Contains(host, ".") {
		query += "." + tel2Search
	}
	if !d.known(query) {
		return netip.Addr{}, grpcstatus.Errorf(codes.NotFound, "unable to resolve name %s.", strings.TrimSuffix(host, "."))
	}
	return d.clusterAddr()
}

// servicePort finds a port of a cluster service by name, with the errors of
// pkg/client/portforward: a service that does not exist, a port it lacks.
func (d *daemonState) servicePort(name, portName string, proto byte) (netip.AddrPort, byte, error) {
	fx, err := readFixture(d.dir)
	if err != nil {
		return netip.AddrPort{}, 0, err
	}
	if !slices.ContainsFunc(fx.ClusterServices, func(s string) bool { return strings.EqualFold(s, name+"."+d.namespace) }) {
		return netip.AddrPort{}, 0, fmt.Errorf("services %q not found", name)
	}
	i := slices.IndexFunc(clusterPorts(fx), func(p fixture.Port) bool { return p.Name == portName })
	if i < 0 || proto != protoTCP {
		return netip.AddrPort{}, 0, fmt.Errorf("service '%s' does not have a %s port named '%s'",
			name, strings.ToUpper(protoName(proto)), portName)
	}
	ip, err := d.clusterAddr()
	return netip.AddrPortFrom(ip, uint16(clusterPorts(fx)[i].Port)), proto, err
}

// clusterPorts are the ports of every stand-in cluster service.
func clusterPorts(fx fixture.Fixture) []fixture.Port {
	return append([]fixture.Port{fixture.ClusterHTTP}, fx.ClusterPorts...)
}

func (d *daemonState) clusterAddr() (netip.Addr, error) {
	ip, err := d.clusterIP()
	if err != nil {
		return netip.Addr{}, err
	}
	addr, _ := netip.AddrFromSlice(ip.To4())
	return addr, nil
}

// RerouteLocalPort serves the local port and forwards it. As upstream, a
// port that cannot be served is only logged: the call succeeds.
func (c *connectorServer) RerouteLocalPort(_ context.Context, req *daemon.ReroutePortRequest) (*emptypb.Empty, error) {
	dst, proto, err := unmarshalAddrPortProto(req.GetDstHostPort())
	if err == nil && proto != protoTCP {
		err = errTCPOnly
	}
	if err != nil {
		return nil, grpcstatus.Error(codes.Unknown, err.Error())
	}
	l, err := net.Listen("tcp", fmt.Sprintf(":%d", req.GetSrcPort()))
	if err != nil {
		fmt.Fprintf(os.Stderr, "port-forwarder failed with %v\n", err)
		return &emptypb.Empty{}, nil
	}
	fmt.Fprintf(os.Stderr, "rerouting local port %d to %s\n", req.GetSrcPort(), dst)
	go forward(l, dst.String)
	return &emptypb.Empty{}, nil
}

// RerouteRemotePort has the cluster service at the address serve the new
// port, and send it on to the port.
func (c *connectorServer) RerouteRemotePort(ctx context.Context, req *daemon.ReroutePortRequest) (*emptypb.Empty, error) {
	ap, proto, err := unmarshalAddrPortProto(req.GetDstHostPort())
	if err == nil && proto != protoTCP {
		err = errTCPOnly
	}
	if err == nil && req.GetSrcPort() != uint32(ap.Port()) {
		err = askCluster(ctx, ap, req.GetSrcPort())
	}
	if err != nil {
		return nil, grpcstatus.Error(codes.Unknown, err.Error())
	}
	return &emptypb.Empty{}, nil
}

// askCluster asks the cluster service at ap's address to serve newPort as
// ap's port, waiting for it to listen (it may have just started).
func askCluster(ctx context.Context, ap netip.AddrPort, newPort uint32) error {
	u := fmt.Sprintf("http://%s/reroute?%s", netip.AddrPortFrom(ap.Addr(), clusterControlPort),
		url.Values{"port": {strconv.Itoa(int(newPort))}, "to": {strconv.Itoa(int(ap.Port()))}}.Encode())
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, http.NoBody)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				return fmt.Errorf("rerouting %s via %d: %s", ap, newPort, strings.TrimSpace(string(body)))
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("rerouting %s via %d: no stand-in cluster service answers there: %w", ap, newPort, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// clusterReroutes is the cluster service's side: the ports it serves for
// reroutes, and where each goes (a new reroute of a port replaces the old,
// as l4PortMap.Store does).
type clusterReroutes struct {
	mu sync.Mutex
	to map[string]string // new port -> 127.0.0.1:port
}

// serveHTTP is POST /reroute?port=NEW&to=PORT.
func (r *clusterReroutes) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	port, to := req.FormValue("port"), req.FormValue("to")
	if req.Method != http.MethodPost || req.URL.Path != "/reroute" || port == "" || to == "" {
		http.Error(w, "want POST /reroute?port=NEW&to=PORT", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.to[port]; !ok {
		l, err := net.Listen("tcp", ":"+port)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		go forward(l, func() string { return r.target(port) })
	}
	r.to[port] = net.JoinHostPort("127.0.0.1", to)
	fmt.Printf("rerouting port %s to %s\n", port, to)
	w.WriteHeader(http.StatusNoContent)
}

func (r *clusterReroutes) target(port string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.to[port]
}

// forward sends each connection that l accepts on to target(), both ways.
func forward(l net.Listener, target func() string) {
	for {
		in, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer func() { _ = in.Close() }()
			out, err := net.DialTimeout("tcp", target(), 5*time.Second)
			if err != nil {
				fmt.Fprintf(os.Stderr, "forward to %s: %v\n", target(), err)
				return
			}
			defer func() { _ = out.Close() }()
			done := make(chan struct{})
			go func() { pipe(out, in); close(done) }()
			pipe(in, out)
			<-done
		}()
	}
}

// pipe copies from src to dst, then closes dst's sending side.
func pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}
