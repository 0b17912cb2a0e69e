package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// createTelerouteNetwork makes the daemon's Teleroute network as
// pkg/client/cli/connect/connector.go createTelerouteNetwork and
// pkg/client/docker/teleroute/network.go CreateNetwork do: named like the
// daemon (without "tp-"), internal, labelled with the daemon container's
// ID. A plain bridge stands in for the Teleroute driver plugin. When a
// Teleroute network of that name is left from an earlier daemon, it is
// removed and made again, and the containers it had are reconnected. At the
// end, Teleroute networks whose daemon is gone are collected (NetworkGC).
func createTelerouteNetwork(name, daemonID string) error {
	create := []string{"network", "create", "--driver", "bridge", "--internal",
		"--label", fixture.TelerouteLabel + "=" + daemonID, "--label", standinLabel, name}
	err := createNetwork(create)
	if err != nil && strings.Contains(err.Error(), "already exists") {
		err = recreateNetwork(name, create)
	}
	if err == nil {
		networkGC()
	}
	return err
}

// createNetwork runs `docker network create`, again when the engine lost
// a race between two creates: libnetwork's address allocator may give one
// pool to two networks made at the same moment, and refuses the second
// ("Pool overlaps with other one on this address space"). Tests that run
// side by side make networks at the same moment.
func createNetwork(create []string) error {
	for try := 1; ; try++ {
		_, err := docker(create...)
		if err == nil || try == 5 || !strings.Contains(err.Error(), "Pool overlaps") && !strings.Contains(err.Error(), "overlapping IPv4") {
			return err
		}
	}
}

func recreateNetwork(name string, create []string) error {
	label, err := docker("network", "inspect", "-f", fmt.Sprintf(`{{index .Labels %q}}`, fixture.TelerouteLabel), name)
	if err != nil {
		return err
	}
	if label == "" {
		return fmt.Errorf("network %s already exists and is not a Teleroute network", name)
	}
	type attached struct{ container, aliases string }
	var old []attached
	out, err := docker("network", "inspect", "-f", `{{range $id, $c := .Containers}}{{$c.Name}} {{end}}`, name)
	if err != nil {
		return err
	}
	for _, c := range strings.Fields(out) {
		aliases, _ := docker("inspect", "-f",
			fmt.Sprintf(`{{with index .NetworkSettings.Networks %q}}{{range .Aliases}}{{.}} {{end}}{{end}}`, name), c)
		old = append(old, attached{c, aliases})
		if _, err := docker("network", "disconnect", "-f", name, c); err != nil {
			return err
		}
	}
	if _, err := docker("network", "rm", name); err != nil {
		return err
	}
	if err := createNetwork(create); err != nil {
		return err
	}
	for _, a := range old {
		args := []string{"network", "connect"}
		for _, al := range strings.Fields(a.aliases) {
			args = append(args, "--alias", al)
		}
		if _, err := docker(append(args, name, a.container)...); err != nil {
			return err
		}
	}
	return nil
}

// networkGC removes the Teleroute networks whose daemon container is gone
// and that no container uses (pkg/client/docker/teleroute NetworkGC).
func networkGC() {
	out, _ := docker("network", "ls", "-q", "--filter", "label="+fixture.TelerouteLabel)
	for _, id := range strings.Fields(out) {
		daemon, err := docker("network", "inspect", "-f", fmt.Sprintf(`{{index .Labels %q}}`, fixture.TelerouteLabel), id)
		if err != nil || daemon == "" {
			continue
		}
		if _, err := docker("inspect", "--type", "container", daemon); err != nil {
			removeNetworkIfUnused(id)
		}
	}
}

// removeNetworkIfUnused removes a network that no container is attached to.
// Telepresence leaves a network that containers still use.
func removeNetworkIfUnused(name string) {
	n, err := docker("network", "inspect", "-f", "{{len .Containers}}", name)
	if err == nil && n == "0" {
		_, _ = docker("network", "rm", name)
	}
}

// ensureNetnsNetwork creates the "telepresence" network of the netns model
// when missing, marked so that quit may remove it.
func ensureNetnsNetwork() error {
	if _, err := docker("network", "inspect", netnsNetwork); err == nil {
		return nil
	}
	err := createNetwork([]string{"network", "create", "--label", createdLabel, "--label", standinLabel, netnsNetwork})
	if err != nil && strings.Contains(err.Error(), "already exists") {
		err = nil
	}
	return err
}

// removeNetnsNetwork removes the "telepresence" network if the stand-in
// created it and nothing uses it.
func removeNetnsNetwork() {
	k, v, _ := strings.Cut(createdLabel, "=")
	label, err := docker("network", "inspect", "-f", fmt.Sprintf(`{{index .Labels %q}}`, k), netnsNetwork)
	if err == nil && label == v {
		removeNetworkIfUnused(netnsNetwork)
	}
}

// teardown removes what a daemon made: its cluster pods, cluster service
// and daemon containers, its Teleroute network when no container uses it, and the file
// holding its DNS mappings.
func teardown(e *env, c *fixture.Connection) {
	removePods(c.Name)
	_ = removeContainer(clusterName(c.Name))
	_ = removeContainer(containerName(c.Name))
	if c.Network != "" {
		removeNetworkIfUnused(c.Network)
	}
	_ = os.Remove(filepath.Join(e.dir, mappingsFile(c.Name)))
}
