package lifecycle

import (
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// publishedGRPC finds the daemon's gRPC port among the ports a 2.23+ daemon
// container publishes (by container port, as DaemonInfo.Published has
// them). Such a daemon publishes its gRPC port, grpc.daemonPort, which is
// configurable (pkg/client/config.go), on a loopback address, and besides
// only the ports `connect --expose` asked for (pkg/client/docker/daemon.go,
// DaemonOptions). So it is the container port published on the host port
// status names daemon_port; without a match, the only container port
// published on loopback; else the default 4038/tcp. "" when none is.
func publishedGRPC(published map[string][]string, daemonPort int) string {
	var onLoopback []string
	for _, port := range slices.Sorted(maps.Keys(published)) {
		if !strings.HasSuffix(port, "/tcp") {
			continue
		}
		for _, addr := range published[port] {
			host, hostPort, err := net.SplitHostPort(addr)
			if ip, perr := netip.ParseAddr(host); err != nil || perr != nil || !ip.IsLoopback() {
				continue
			}
			if hostPort == strconv.Itoa(daemonPort) {
				return addr
			}
			onLoopback = append(onLoopback, addr)
			break
		}
	}
	if len(onLoopback) == 1 {
		return onLoopback[0]
	}
	if addrs := published["4038/tcp"]; len(addrs) > 0 {
		return addrs[0]
	}
	return ""
}
