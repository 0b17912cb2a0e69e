package lifecycle

import (
	"fmt"
	"strings"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// addProxies has a daemon this run connects reroute the ports of remote
// services (2.24+); before 2.24 it says which published ports stay local.
func (u *upRun) addProxies(opts *telepresence.ConnectOptions, plan *transform.Plan, v vocab.Version) {
	for _, px := range plan.Proxies {
		if !v.Has(vocab.Reroute) {
			u.warn(fmt.Sprintf("service %q: ports %s are not published: Telepresence %s cannot reroute them to the cluster (2.24 can)",
				px.Service, strings.Join(px.Expose, ", "), v))
			continue
		}
		opts.Expose = append(opts.Expose, px.Expose...)
		opts.RerouteLocal = append(opts.RerouteLocal, px.RerouteLocal...)
		opts.RerouteRemote = append(opts.RerouteRemote, px.RerouteRemote...)
	}
}

// checkProxies warns about proxies a daemon that ran before this run may
// lack: reroutes are given to `telepresence connect`, and the daemon's
// status does not tell which it has.
func (u *upRun) checkProxies(s *session, plan *transform.Plan) {
	if !s.daemon.Release().Has(vocab.Reroute) {
		return
	}
	for _, px := range plan.Proxies {
		u.warn(fmt.Sprintf("service %q: the Telepresence daemon %s was connected before this run, so it reroutes the service's ports only if its connect did (%s); "+
			"to have them, run `telepresence quit`, then `docker telepresence up` connects with them", px.Service, s.daemon.Container(), rerouteFlags(px)))
	}
}

func rerouteFlags(px transform.Proxy) string {
	var flags []string
	for _, r := range px.RerouteRemote {
		flags = append(flags, "--reroute-remote "+r)
	}
	for _, r := range px.RerouteLocal {
		flags = append(flags, "--reroute-local "+r)
	}
	return strings.Join(flags, " ")
}
