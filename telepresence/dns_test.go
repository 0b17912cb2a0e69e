package telepresence

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telepresenceio/telepresence/rpc/v2/connector"
	"github.com/telepresenceio/telepresence/rpc/v2/daemon"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

type dnsServer struct {
	connector.UnimplementedConnectorServer
	mu  sync.Mutex
	got []*daemon.DNSMapping
}

func (s *dnsServer) SetDNSMappings(_ context.Context, req *daemon.SetDNSMappingsRequest) (*emptypb.Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, req.GetMappings()...)
	return &emptypb.Empty{}, nil
}

func TestSetDNSMappings(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	fake := &dnsServer{}
	connector.RegisterConnectorServer(srv, fake)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	c := &CLI{Timeout: 10 * time.Second}
	if err := c.SetDNSMappings(t.Context(), lis.Addr().String(), []vocab.DNSMapping{{Name: "postgres", AliasFor: "psql.big-data"}}); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.got) != 1 || fake.got[0].GetName() != "postgres" || fake.got[0].GetAliasFor() != "psql.big-data" {
		t.Errorf("daemon received %v", fake.got)
	}
}

// The daemon's port may be published on ::1 (an IPv6 bridge); the address
// is then bracketed.
func TestSetDNSMappingsOverIPv6(t *testing.T) {
	lis, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	srv := grpc.NewServer()
	fake := &dnsServer{}
	connector.RegisterConnectorServer(srv, fake)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	addr := lis.Addr().String()
	if !strings.HasPrefix(addr, "[::1]:") {
		t.Fatalf("listener address %q", addr)
	}
	if err := (&CLI{Timeout: 10 * time.Second}).SetDNSMappings(t.Context(), addr, []vocab.DNSMapping{{Name: "a", AliasFor: "b"}}); err != nil {
		t.Fatal(err)
	}
}

func TestSetDNSMappingsWithoutPort(t *testing.T) {
	err := (&CLI{}).SetDNSMappings(t.Context(), "", []vocab.DNSMapping{{Name: "a", AliasFor: "b"}})
	if !errors.Is(err, ErrBadOutput) {
		t.Errorf("err = %v", err)
	}
}
