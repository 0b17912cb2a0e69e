package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// Test-only commands; they are not part of Telepresence (the package
// fixture documents them).

// standinSend is `standin-send WORKLOAD [PATH] [--port P] [--header K=V]...
// [--method M]`: one request of cluster traffic, routed as Telepresence
// routes it (route). The daemon makes every request from inside its
// container: to a handler at the attachment's --address (127.0.0.1 by
// default, which in the netns model is the handler sharing the daemon's
// namespace; from 2.23 a name is resolved when traffic arrives,
// pkg/client/userd/trafficmgr/intercept.go) and local port, or to the
// cluster pod. It prints the caller's answer, records every request in
// traffic.jsonl, and fails when the answer is not a 2xx or a copy failed.
func standinSend(e *env, f *flags) (any, error) {
	if len(f.args) < 1 || len(f.args) > 2 {
		return nil, errors.New("usage: standin-send WORKLOAD [PATH] [--port PORT] [--header K=V]... [--method M]")
	}
	req, hops, err := e.plan(f)
	if err != nil {
		return nil, err
	}
	results := make([]httpResult, len(hops))
	for i, h := range hops {
		results[i] = deliver(h, req)
	}
	if err := e.record(req, hops, results); err != nil {
		return nil, err
	}
	return nil, e.report(req, hops, results)
}

// plan reads the request and routes it, under the state lock (which also
// serialises starting the cluster pods), but does not deliver it: the
// answer first, then the copies.
func (e *env) plan(f *flags) (clusterRequest, []hop, error) {
	s, unlock, err := openState(e)
	if err != nil {
		return clusterRequest{}, nil, err
	}
	defer unlock()
	conns, err := matching(s, f.last("use"))
	if err != nil {
		return clusterRequest{}, nil, err
	}
	req, err := e.clusterRequest(f, conns)
	if err != nil {
		return req, nil, err
	}
	answer, copies := route(req, attachmentsOf(e.fx, conns, req.workload))
	if answer == nil {
		if answer, err = e.podHop(conns, req); err != nil {
			return req, nil, err
		}
	}
	return req, append([]hop{*answer}, copies...), nil
}

// clusterRequest reads the request standin-send makes. WORKLOAD may be an
// intercept's name instead (tests written before workloads): its workload,
// and its port unless --port is given.
func (e *env) clusterRequest(f *flags, conns []*fixture.Connection) (clusterRequest, error) {
	req := clusterRequest{workload: f.args[0], method: f.last("method"), uri: "/", headers: map[string]string{}}
	if len(f.args) == 2 {
		req.uri = "/" + strings.TrimPrefix(f.args[1], "/")
	}
	if req.method == "" {
		req.method = "GET"
	}
	for _, h := range f.values["header"] {
		// KEY: VALUE or KEY=VALUE, as a header filter is written.
		k, v, err := parseKeyValue(h)
		if err != nil {
			return clusterRequest{}, err
		}
		req.headers[k] = v
	}
	portID := f.last("port")
	if _, ok := e.fx.Workloads[req.workload]; !ok {
		for _, c := range conns {
			if ai, ok := c.Intercepts[req.workload]; ok {
				req.workload = ai.Workload
				if _, id, _ := strings.Cut(ai.Port, ":"); portID == "" {
					portID = id
				}
				break
			}
		}
	}
	req.w = e.fx.Workload(req.workload)
	sp, err := sendPort(req.w, req.workload, portID)
	if err != nil {
		return req, err
	}
	c, p, ok := req.w.Target(sp)
	if req.w.Implicit() {
		c, p, ok = req.w.Containers[0], fixture.ImplicitPort, true
	}
	if !ok {
		return req, fmt.Errorf("service port %s of %q targets no container port", sp.ID(), req.workload)
	}
	req.container, req.port = c.Name, p
	return req, nil
}

// sendPort is the service port standin-send --port names: by name or
// number, default the first service's first port; an implicit workload's
// only port whatever the name.
func sendPort(w fixture.Workload, workload, id string) (fixture.ServicePort, error) {
	services := w.ServiceList(workload)
	if w.Implicit() || id == "" && len(services) > 0 && len(services[0].Ports) > 0 {
		return services[0].Ports[0], nil
	}
	for _, s := range services {
		if p, ok := s.Port(id); ok {
			return p, nil
		}
	}
	return fixture.ServicePort{}, fmt.Errorf("workload %q has no service port %q", workload, id)
}

// deliver makes one hop's request from inside its daemon's container.
func deliver(h hop, req clusterRequest) httpResult {
	if h.gone != "" {
		return httpResult{Error: h.gone}
	}
	r := httpRequest{Addr: h.addr, Method: req.method, URI: req.uri, Headers: req.headers}
	if h.to == fixture.ToPod {
		r.WaitMS = 60000 // the pod's container may have just started
	}
	spec, _ := json.Marshal([]httpRequest{r})
	out, err := docker("exec", containerName(h.conn.Name), "/usr/local/bin/telepresence", "standin-http", string(spec))
	var res []httpResult
	if err == nil {
		err = json.Unmarshal([]byte(out), &res)
	}
	if err != nil || len(res) != 1 {
		return httpResult{Error: fmt.Sprintf("standin-http in %s: %v: %q", containerName(h.conn.Name), err, out)}
	}
	return res[0]
}

// record appends a Delivery per hop to traffic.jsonl.
func (e *env) record(req clusterRequest, hops []hop, results []httpResult) error {
	send := uuid()
	path := req.uri
	if u, _, ok := strings.Cut(req.uri, "?"); ok {
		path = u
	}
	for i, h := range hops {
		d := fixture.Delivery{Send: send, Workload: req.workload, Port: req.port.Port, Method: req.method,
			Path: path, Headers: req.headers, To: h.to, Name: h.name, Address: h.addr, Copy: h.copy,
			Status: results[i].Status, Body: results[i].Body, Error: results[i].Error}
		if err := appendJSONLine(filepath.Join(e.dir, fixture.TrafficFile), d); err != nil {
			return err
		}
	}
	return nil
}

// report prints the caller's answer (stdout) and the copies (stderr), and
// says what failed.
func (e *env) report(req clusterRequest, hops []hop, results []httpResult) error {
	e.printf("%s", results[0].Body)
	var errs []error
	for i, h := range hops {
		r := results[i]
		what := fmt.Sprintf("%s %s to %s %s at %s", req.method, req.uri, h.to, h.name, h.addr)
		if h.copy {
			fmt.Fprintf(os.Stderr, "copy: %s: %d\n", what, r.Status)
		}
		switch {
		case r.Error != "":
			errs = append(errs, fmt.Errorf("%s: %s", what, r.Error))
		case r.Status/100 != 2:
			errs = append(errs, fmt.Errorf("%s: status %d", what, r.Status))
		}
	}
	return errors.Join(errs...)
}

// podHop is the hop to the workload's cluster pod, started if need be,
// through the daemon of the workload's attachments, else the first one.
func (e *env) podHop(conns []*fixture.Connection, req clusterRequest) (*hop, error) {
	if len(conns) == 0 {
		return nil, errNotConnected
	}
	c := conns[0]
	if atts := attachmentsOf(e.fx, conns, req.workload); len(atts) > 0 {
		c = atts[0].conn
	}
	ip, err := e.ensurePod(c, req.workload, req.w)
	if err != nil {
		return nil, err
	}
	return &hop{conn: c, to: fixture.ToPod, addr: net.JoinHostPort(ip, strconv.Itoa(req.port.Port))}, nil
}
