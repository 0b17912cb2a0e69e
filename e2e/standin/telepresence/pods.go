package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// podLabel marks a cluster pod's container with its daemon; podSpecLabel
// with the ports it serves, so that a pod whose workload changed in the
// fixture is made again.
const (
	podLabel     = "tpe2e.standin.pod-of"
	podSpecLabel = "tpe2e.standin.pod-spec"
)

// podName is the container that plays a workload's pod for a daemon.
func podName(daemon, workload string) string { return "tp-" + daemon + "-pod-" + workload }

// podNetwork is where a daemon reaches the cluster: the netns daemon's
// network, the Teleroute network, or the default bridge when the daemon
// routes no subnet.
func (e *env) podNetwork(c *fixture.Connection) string {
	switch {
	case !e.rel.teleroute():
		return netnsNetwork
	case c.Network != "":
		return c.Network
	}
	return "bridge"
}

// ensurePod runs the workload's pod for the daemon, unless it runs with the
// same ports, and returns its IP on the daemon's network. It answers on
// every container port with fixture.EchoBody(fixture.PodReply(workload)).
func (e *env) ensurePod(c *fixture.Connection, workload string, w fixture.Workload) (string, error) {
	name, network := podName(c.Name, workload), e.podNetwork(c)
	var ports []string
	for _, ctr := range w.Containers {
		for _, p := range ctr.Ports {
			ports = append(ports, strconv.Itoa(p.Port))
		}
	}
	spec := strings.Join(ports, ",")
	if got, err := docker("inspect", "-f", fmt.Sprintf(`{{.State.Running}} {{index .Config.Labels %q}}`, podSpecLabel), name); err == nil && got == "true "+spec {
		return podIP(name, network)
	}
	if err := removeContainer(name); err != nil {
		return "", err
	}
	run := []string{"run", "-d", "--name", name, "--label", standinLabel, "--label", podLabel + "=" + c.Name,
		"--label", podSpecLabel + "=" + spec, "--network", network, e.image,
		"standin-echo", "--reply", fixture.PodReply(workload)}
	for _, p := range ports {
		run = append(run, "--listen", p)
	}
	if _, err := docker(run...); err != nil {
		return "", err
	}
	return podIP(name, network)
}

func podIP(name, network string) (string, error) {
	if ip := ipOn(name, network); ip != "" {
		return ip, nil
	}
	return "", fmt.Errorf("the cluster pod %s has no address on %s", name, network)
}

// removePods removes the cluster pods of a daemon.
func removePods(daemon string) {
	out, _ := docker("ps", "-aq", "--filter", "label="+podLabel+"="+daemon)
	for _, id := range strings.Fields(out) {
		_ = removeContainer(id)
	}
}

// standinVanish is `standin-vanish NAME [--container C]`: an attachment
// ends in the cluster, without the plugin (as when its pod is deleted): an
// intercept, replace or wiretap by name, else an ingest of that workload.
func standinVanish(e *env, f *flags) (any, error) {
	if len(f.args) != 1 {
		return nil, errors.New("usage: standin-vanish NAME [--container C]")
	}
	s, unlock, err := openState(e)
	if err != nil {
		return nil, err
	}
	defer unlock()
	conns, err := matching(s, f.last("use"))
	if err != nil {
		return nil, err
	}
	for _, c := range conns {
		if _, ok := c.Intercepts[f.args[0]]; ok {
			delete(c.Intercepts, f.args[0])
			return nil, saveState(e.dir, s)
		}
		if key, ok := findIngest(c, f.args[0], f.last("container"), ""); ok {
			delete(c.Ingests, key)
			return nil, saveState(e.dir, s)
		}
	}
	return nil, fmt.Errorf("no intercept named %q", f.args[0])
}
