package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/telepresenceio/telepresence/rpc/v2/connector"
	"github.com/telepresenceio/telepresence/rpc/v2/daemon"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// daemonState is the daemon process's own state: its name, where the state
// directory is mounted, and its current DNS mappings.
type daemonState struct {
	name, dir string
	namespace string // the connected namespace, for tel2-search
	cluster   string // container name of the stand-in cluster service
	mu        sync.Mutex
	mappings  []fixture.DNSMapping
}

func (d *daemonState) currentMappings() []fixture.DNSMapping {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mappings
}

// setMappings replaces the whole set, as pkg/client/rootd/dns/server.go
// SetMappings does, and publishes it for status (mappingsFile).
func (d *daemonState) setMappings(mm []fixture.DNSMapping) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mappings = mm
	data, err := json.Marshal(mm)
	if err != nil {
		return err
	}
	tmp := filepath.Join(d.dir, mappingsFile(d.name)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(d.dir, mappingsFile(d.name)))
}

// connectorServer implements only SetDNSMappings; every other method of the
// Connector service answers Unimplemented.
type connectorServer struct {
	connector.UnimplementedConnectorServer
	d *daemonState
}

// SetDNSMappings is telepresence.connector.Connector/SetDNSMappings
// (rpc/connector/connector.proto): it replaces the daemon's mapping set
// and records the new set in dns.jsonl.
func (c *connectorServer) SetDNSMappings(_ context.Context, req *daemon.SetDNSMappingsRequest) (*emptypb.Empty, error) {
	mm := []fixture.DNSMapping{}
	for _, m := range req.GetMappings() {
		mm = append(mm, fixture.DNSMapping{Name: m.GetName(), AliasFor: m.GetAliasFor()})
	}
	if err := c.d.setMappings(mm); err != nil {
		return nil, err
	}
	rec := fixture.DNSRecord{Daemon: c.d.name, Mappings: mm}
	fmt.Fprintf(os.Stderr, "SetDNSMappings %v\n", mm)
	if err := appendJSONLine(filepath.Join(c.d.dir, fixture.DNSFile), rec); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// daemonForeground is the process inside the daemon container: the gRPC
// API on --grpc-port and, with --dns (Teleroute releases), a DNS server on
// port 53. It is PID 1 there, so it handles SIGTERM itself.
func daemonForeground(args []string) error {
	f, err := parseFlags(args, flagSpec{
		valued:  []string{"name", "grpc-port", "state", "namespace", "cluster"},
		boolean: []string{"dns"},
	})
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(f.last("grpc-port"))
	if err != nil {
		return fmt.Errorf("bad --grpc-port: %w", err)
	}
	d := &daemonState{name: f.last("name"), dir: f.last("state"), namespace: f.last("namespace"), cluster: f.last("cluster")}
	if d.name == "" || d.dir == "" {
		return errors.New("--name and --state are required")
	}
	fx, err := readFixture(d.dir)
	if err != nil {
		return err
	}
	// The daemon starts with the user's configured mappings.
	if err := d.setMappings(append([]fixture.DNSMapping{}, fx.DNSMappings...)); err != nil {
		return err
	}
	lis, err := net.Listen("tcp", fmt.Sprintf("0.0.0.0:%d", port))
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	connector.RegisterConnectorServer(srv, &connectorServer{d: d})
	if f.bools["dns"] {
		if err := serveDNS(d); err != nil {
			return err
		}
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		// Graceful first, but never let a hanging client delay docker stop.
		time.AfterFunc(2*time.Second, srv.Stop)
		srv.GracefulStop()
	}()
	fmt.Fprintf(os.Stderr, "stand-in daemon %s serving gRPC on %s\n", d.name, lis.Addr())
	return srv.Serve(lis)
}
