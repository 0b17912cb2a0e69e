package telepresence

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strconv"

	"github.com/telepresenceio/telepresence/rpc/v2/connector"
	"github.com/telepresenceio/telepresence/rpc/v2/daemon"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// dnsSetter is the one gRPC method the plugin calls on the daemon.
type dnsSetter interface {
	SetDNSMappings(ctx context.Context, in *daemon.SetDNSMappingsRequest, opts ...grpc.CallOption) error
	Close() error
}

type grpcDNS struct {
	conn *grpc.ClientConn
	cc   connector.ConnectorClient
}

func (g *grpcDNS) SetDNSMappings(ctx context.Context, in *daemon.SetDNSMappingsRequest, opts ...grpc.CallOption) error {
	_, err := g.cc.SetDNSMappings(ctx, in, opts...)
	return err
}

func (g *grpcDNS) Close() error { return g.conn.Close() }

func dialDaemon(_ context.Context, port int) (dnsSetter, error) {
	conn, err := grpc.NewClient(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return &grpcDNS{conn: conn, cc: connector.NewConnectorClient(conn)}, nil
}

// SetDNSMappings calls telepresence.connector.Connector/SetDNSMappings on the
// daemon's gRPC port.
func (c *CLI) SetDNSMappings(ctx context.Context, daemonPort int, mappings []DNSMapping) error {
	if daemonPort <= 0 {
		return fmt.Errorf("%w: the daemon reports no daemon_port, cannot set DNS mappings", ErrBadOutput)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client, err := dialDaemon(ctx, daemonPort)
	if err != nil {
		return fmt.Errorf("connecting to the Telepresence daemon on 127.0.0.1:%d: %w", daemonPort, err)
	}
	defer client.Close()
	req := &daemon.SetDNSMappingsRequest{}
	for _, m := range mappings {
		req.Mappings = append(req.Mappings, &daemon.DNSMapping{Name: m.Name, AliasFor: m.AliasFor})
	}
	if err := client.SetDNSMappings(ctx, req, grpc.WaitForReady(true)); err != nil {
		return fmt.Errorf("setting DNS mappings on the Telepresence daemon (127.0.0.1:%d): %w", daemonPort, err)
	}
	return nil
}

func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist)
}
