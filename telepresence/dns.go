package telepresence

import (
	"context"
	"fmt"

	"github.com/telepresenceio/telepresence/rpc/v2/connector"
	"github.com/telepresenceio/telepresence/rpc/v2/daemon"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// SetDNSMappings calls telepresence.connector.Connector/SetDNSMappings (from
// github.com/telepresenceio/telepresence/rpc/v2, connector/connector.proto)
// on the daemon's gRPC port at addr (host:port, an IPv6 host bracketed). The
// call replaces the daemon's whole mapping set.
func (c *CLI) SetDNSMappings(ctx context.Context, addr string, mappings []vocab.DNSMapping) error {
	if addr == "" {
		return fmt.Errorf("%w: the daemon publishes no gRPC port, cannot set DNS mappings", ErrBadOutput)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("connecting to the Telepresence daemon on %s: %w", addr, err)
	}
	defer func() { _ = conn.Close() }()
	req := &daemon.SetDNSMappingsRequest{Mappings: make([]*daemon.DNSMapping, 0, len(mappings))}
	for _, m := range mappings {
		req.Mappings = append(req.Mappings, &daemon.DNSMapping{Name: m.Name, AliasFor: m.AliasFor})
	}
	if _, err := connector.NewConnectorClient(conn).SetDNSMappings(ctx, req, grpc.WaitForReady(true)); err != nil {
		return fmt.Errorf("setting DNS mappings on the Telepresence daemon (%s): %w", addr, err)
	}
	return nil
}
