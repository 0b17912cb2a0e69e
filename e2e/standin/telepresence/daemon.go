package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
	"github.com/telepresenceio/telepresence/rpc/v2/connector"
	"github.com/telepresenceio/telepresence/rpc/v2/daemon"
)

// connectorServer implements only SetDNSMappings; every other method of the
// Connector service answers Unimplemented.
type connectorServer struct {
	connector.UnimplementedConnectorServer
	mu     sync.Mutex
	record string
}

func (c *connectorServer) SetDNSMappings(_ context.Context, req *daemon.SetDNSMappingsRequest) (*emptypb.Empty, error) {
	rec := fixture.DNSRecord{Mappings: []fixture.DNSMapping{}}
	for _, m := range req.GetMappings() {
		rec.Mappings = append(rec.Mappings, fixture.DNSMapping{Name: m.GetName(), AliasFor: m.GetAliasFor()})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(os.Stderr, "SetDNSMappings %v\n", rec.Mappings)
	if err := appendJSONLine(c.record, rec); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// daemonForeground is the process inside the daemon container. It is PID 1
// there, so it must handle SIGTERM itself or `docker stop` waits 10 s.
func daemonForeground(args []string) error {
	f, err := parseFlags(args, []string{"grpc-port", "record"}, nil)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(f.last("grpc-port"))
	if err != nil {
		return fmt.Errorf("bad --grpc-port: %v", err)
	}
	if f.last("record") == "" {
		return fmt.Errorf("--record is required")
	}
	lis, err := net.Listen("tcp", fmt.Sprintf("0.0.0.0:%d", port))
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	connector.RegisterConnectorServer(srv, &connectorServer{record: f.last("record")})

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		// Graceful first, but never let a hanging client delay docker stop.
		time.AfterFunc(2*time.Second, srv.Stop)
		srv.GracefulStop()
	}()
	fmt.Fprintf(os.Stderr, "stand-in daemon serving gRPC on %s\n", lis.Addr())
	return srv.Serve(lis)
}
