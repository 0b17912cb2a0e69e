package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/telepresenceio/telepresence/rpc/v2/connector"
	"github.com/telepresenceio/telepresence/rpc/v2/daemon"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// The reroutes of `telepresence connect` (2.24+), made as
// pkg/client/cli/connect/connector.go EnsureSession makes them, for a daemon
// it launched and for one that ran already: each --reroute-local, then each
// --reroute-remote, is parsed by the CLI, which has the daemon resolve the
// host and port (ResolvePort), then asks it to reroute (RerouteLocalPort,
// RerouteRemotePort), over the connector's gRPC API
// (rpc/connector/connector.proto). What the daemon does then is in
// forward.go. The first that fails fails the connect.

// reroute asks the daemon of c for the reroutes a connect names. Both flags
// are pflag StringSlices: a value may hold several, comma-separated.
func reroute(c *fixture.Connection, f *flags) error {
	local, remote := splitList(f.values["reroute-local"]), splitList(f.values["reroute-remote"])
	if len(local)+len(remote) == 0 {
		return nil
	}
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", c.GRPCPort), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl := connector.NewConnectorClient(conn)
	for _, pm := range local {
		if err := rerouteLocal(ctx, cl, pm); err != nil {
			return err
		}
	}
	for _, pm := range remote {
		if err := rerouteRemote(ctx, cl, pm); err != nil {
			return err
		}
	}
	return nil
}

// rerouteLocal is ResolveLocalReroute: <local port>:<host>:<port>, the
// protocol after the local port or the port.
func rerouteLocal(ctx context.Context, cl connector.ConnectorClient, pm string) error {
	ix := strings.IndexByte(pm, ':')
	if ix < 1 {
		return fmt.Errorf("invalid port mapping %s", pm)
	}
	local, err := parsePortAndProto(pm[:ix])
	if err != nil {
		return fmt.Errorf("invalid port mapping %s: local port %w", pm, err)
	}
	hostPort, err := resolveHostPort(ctx, cl, local.proto, pm[ix+1:])
	if err != nil {
		return err
	}
	_, err = cl.RerouteLocalPort(ctx, &daemon.ReroutePortRequest{DstHostPort: hostPort, SrcPort: uint32(local.port)})
	return fromGRPC(err)
}

// rerouteRemote is ResolveRemoteReroute: <host>:<port>:<new port>, the
// protocol after the new port.
func rerouteRemote(ctx context.Context, cl connector.ConnectorClient, pm string) error {
	ix := strings.LastIndexByte(pm, ':')
	if ix < 3 {
		return fmt.Errorf("invalid port mapping %s", pm)
	}
	newPort, err := parsePortAndProto(pm[ix+1:])
	if err != nil {
		return fmt.Errorf("invalid port mapping %s: new port %w", pm, err)
	}
	hostPort, err := resolveHostPort(ctx, cl, newPort.proto, pm[:ix])
	if err != nil {
		return err
	}
	_, err = cl.RerouteRemotePort(ctx, &daemon.ReroutePortRequest{DstHostPort: hostPort, SrcPort: uint32(newPort.port)})
	return fromGRPC(err)
}

// resolveHostPort is connector.go resolveHostPort: an IP and port as they
// are, else the daemon resolves the host and the port, which may be a name.
func resolveHostPort(ctx context.Context, cl connector.ConnectorClient, proto byte, hostPort string) ([]byte, error) {
	if ap, err := netip.ParseAddrPort(hostPort); err == nil {
		return marshalAddrPortProto(ap, proto)
	}
	ix := strings.LastIndexByte(hostPort, ':')
	if ix < 1 {
		return nil, fmt.Errorf("invalid port mapping %s", hostPort)
	}
	port := hostPort[ix+1:]
	if proto != protoTCP {
		port += "/" + protoName(proto)
	}
	rsp, err := cl.ResolvePort(ctx, &daemon.ResolvePortRequest{Host: hostPort[:ix], Port: port})
	if err != nil {
		return nil, fromGRPC(err)
	}
	return rsp.GetHostPort(), nil
}

// fromGRPC is the error a gRPC status carries, as pkg/grpc FromGRPC gives
// it to the CLI: its message.
func fromGRPC(err error) error {
	if st, ok := grpcstatus.FromError(err); ok && err != nil {
		return errors.New(st.Message())
	}
	return err
}

// The IP protocol numbers of pkg/types/proto.go.
const (
	protoTCP    byte = 6
	protoUDP    byte = 17
	protoICMP   byte = 1
	protoICMPv6 byte = 58
	protoSCTP   byte = 132
)

// parseProto is pkg/types/proto.go ParseProto.
func parseProto(network string) (byte, error) {
	switch strings.ToLower(network) {
	case "", "tcp", "tcp4", "tcp6":
		return protoTCP, nil
	case "udp", "udp4", "udp6":
		return protoUDP, nil
	case "icmp":
		return protoICMP, nil
	case "icmpv6":
		return protoICMPv6, nil
	case "sctp":
		return protoSCTP, nil
	}
	return 0, fmt.Errorf("unsupported protocol: %q", network)
}

// protoName spells a protocol as a port suffix.
func protoName(p byte) string {
	switch p {
	case protoUDP:
		return "udp"
	case protoICMP:
		return "icmp"
	case protoICMPv6:
		return "icmpv6"
	case protoSCTP:
		return "sctp"
	}
	return "tcp"
}

// portAndProto is pkg/types/portandproto.go PortAndProto.
type portAndProto struct {
	port  uint16
	proto byte
}

// parsePortAndProto is ParsePortAndProto: PORT[/PROTO], TCP by default.
func parsePortAndProto(s string) (portAndProto, error) {
	pp := portAndProto{proto: protoTCP}
	if ix := strings.IndexByte(s, '/'); ix > 0 {
		var err error
		if pp.proto, err = parseProto(s[ix+1:]); err != nil {
			return pp, err
		}
		s = s[:ix]
	}
	var err error
	pp.port, err = parsePort(s)
	return pp, err
}

// errNotInteger is pkg/types/portandproto.go ErrNotInteger.
var errNotInteger = errors.New("not an integer")

// parsePort is ParsePort: a number from 1 to 65535.
func parsePort(s string) (uint16, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errNotInteger
	}
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("%s is not between 1 and 65535", s)
	}
	return uint16(n), nil
}

// marshalAddrPortProto is pkg/types/addrportandproto.go MarshalBinary: the
// netip.AddrPort's binary form, then the protocol's number.
func marshalAddrPortProto(ap netip.AddrPort, proto byte) ([]byte, error) {
	b, err := ap.MarshalBinary()
	return append(b, proto), err
}

// unmarshalAddrPortProto is its UnmarshalBinary.
func unmarshalAddrPortProto(b []byte) (netip.AddrPort, byte, error) {
	last := len(b) - 1
	if last < 2 {
		return netip.AddrPort{}, 0, errors.New("unexpected slice size")
	}
	var ap netip.AddrPort
	err := ap.UnmarshalBinary(b[:last])
	return ap, b[last], err
}
