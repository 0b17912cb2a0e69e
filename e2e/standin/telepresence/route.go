package main

import (
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// clusterRequest is cluster traffic to one container port of a workload.
type clusterRequest struct {
	workload  string
	w         fixture.Workload
	container string       // the container that has the port
	port      fixture.Port // the container port the service port targets
	method    string
	uri       string
	headers   map[string]string
}

// attached is an attachment on a daemon, with what it takes.
type attached struct {
	conn *fixture.Connection
	name string
	ai   fixture.ActiveIntercept
	t    target
}

// hop is one request the daemon makes for a cluster request: to the pod or
// to an attachment's handler.
type hop struct {
	conn *fixture.Connection // the daemon that dials
	to   string              // fixture.ToPod or the attachment's kind
	name string              // the attachment
	addr string              // host:port
	copy bool                // a wiretap's copy
	// gone says why there is nothing to dial (a replaced container).
	gone string
}

// attachmentsOf lists the attachments of a workload on the daemons, by
// daemon then name, with what each takes now.
func attachmentsOf(fx fixture.Fixture, conns []*fixture.Connection, workload string) []attached {
	var out []attached
	for _, c := range conns {
		names := make([]string, 0, len(c.Intercepts))
		for n := range c.Intercepts {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			ai := c.Intercepts[n]
			if ai.Workload != workload {
				continue
			}
			if t, err := resolve(fx, ai); err == nil {
				out = append(out, attached{conn: c, name: n, ai: ai, t: t})
			}
		}
	}
	return out
}

// route decides where a cluster request goes (the routing of the package
// fixture's documentation): the hop that answers the caller, nil when the
// cluster pod does, and the wiretaps' copies.
func route(req clusterRequest, atts []attached) (answer *hop, copies []hop) {
	var filtered, pathOnly, global *hop
	for _, a := range atts {
		pm, takes := a.t.takes(req.container, req.port.Port)
		h := hop{conn: a.conn, to: a.ai.KindOf(), name: a.name,
			addr: net.JoinHostPort(address(a.ai), strconv.Itoa(pm.local))}
		switch {
		case a.ai.KindOf() == fixture.KindReplace && (takes || a.t.portContainer == req.container):
			if !takes {
				h.addr, h.gone = "", "the container "+req.container+" of "+req.workload+" is replaced: nothing answers on port "+strconv.Itoa(req.port.Port)
			}
			if answer == nil || answer.to != fixture.KindReplace {
				answer = &h
			}
		case !takes || !matches(a.ai, req):
		case a.ai.KindOf() == fixture.KindWiretap:
			h.copy = true
			copies = append(copies, h)
		case len(a.ai.Headers) > 0 && filtered == nil:
			filtered = &h
		case len(a.ai.Headers) == 0 && len(pathFilters(a.ai)) > 0 && pathOnly == nil:
			pathOnly = &h
		case len(a.ai.Headers) == 0 && len(pathFilters(a.ai)) == 0 && global == nil:
			global = &h
		}
	}
	// A replace takes all; then header filters before path-only filters
	// (docs, howtos/attach.md: "Header-based intercepts take priority over
	// path-only intercepts"), then a global intercept.
	for _, h := range []*hop{answer, filtered, pathOnly, global} {
		if h != nil {
			return h, copies
		}
	}
	return nil, copies
}

// matches reports whether a request passes an attachment's HTTP filters:
// every header filter (the 2.31 CLI reference: "Multiple headers use AND
// logic"), and one of its path filters if it has any.
func matches(ai fixture.ActiveIntercept, req clusterRequest) bool {
	for _, h := range ai.Headers {
		k, v := splitHeader(h)
		if got, ok := headerValue(req.headers, k); !ok || got != v {
			return false
		}
	}
	paths := pathFilters(ai)
	if len(paths) == 0 {
		return true
	}
	u, err := url.ParseRequestURI(req.uri)
	if err != nil {
		return false
	}
	for _, p := range paths {
		kind, want, _ := strings.Cut(p, ":")
		switch kind {
		case "equal":
			if u.Path == want {
				return true
			}
		case "prefix":
			if strings.HasPrefix(u.Path, want) {
				return true
			}
		case "regex":
			if re, err := regexp.Compile(want); err == nil && re.MatchString(u.Path) {
				return true
			}
		}
	}
	return false
}

// headerValue finds a header by name, without regard to case.
func headerValue(headers map[string]string, name string) (string, bool) {
	for k, v := range headers {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}
