package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/docker/compose/v5/pkg/api"

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

// reroute has a daemon that ran before this run reroute the ports of the
// connection's remote services, as every `telepresence connect` does,
// whoever started the daemon (pkg/client/cli/connect/connector.go
// EnsureSession). The ports those services publish must be published by
// the daemon already: Telepresence publishes a daemon's ports only when it
// starts it, so a missing one is an error that says what to do. What the
// project's record says the daemon reroutes already is not asked again.
func (u *upRun) reroute(ctx context.Context, s *session, plan *transform.Plan, volume string) error {
	if len(plan.Proxies) == 0 || !s.daemon.Release().Has(vocab.Reroute) {
		return nil
	}
	opts := proxyReroutes(plan, s)
	rec := u.before.DNSIn(volume)
	if rec != nil && rec.DaemonID != s.info.ID {
		rec = nil // made on a daemon that has gone since
	}
	var stuck []string
	for _, px := range plan.Proxies {
		for _, e := range px.Expose {
			if !publishes(s.info, e) {
				stuck = append(stuck, fmt.Sprintf("%s (service %q) is not published by it", e, px.Service))
			}
		}
	}
	if rec != nil {
		stuck = append(stuck, movedLocalReroutes(rec.Reroutes, opts.RerouteLocal)...)
	}
	if len(stuck) > 0 {
		use := ""
		if s.contract.Use != "" {
			use = " --use '^" + s.daemon.Name + "$'"
		}
		return fmt.Errorf("the Telepresence daemon %s cannot take the remote services' ports as they are now: %s; Telepresence publishes "+
			"a daemon's ports, and forwards each, only as it is first asked to "+
			"(hint: run `telepresence quit%s`, then `docker telepresence up` connects it with them; the other projects on that daemon lose it meanwhile)",
			s.daemon.Container(), strings.Join(stuck, ", "), use)
	}
	if rec != nil && slices.Equal(rec.Reroutes, reroutes(opts)) {
		return nil // done by an earlier run, on this very daemon
	}
	u.event("Telepresence", api.Working, "Rerouting", "the remote services' ports through "+s.daemon.Container())
	if err := u.Telepresence.Connect(ctx, opts); err != nil {
		u.event("Telepresence", api.Error, api.StatusError, briefly(err))
		if perr := unresolvedProxy(err, plan); perr != nil {
			err = perr
		}
		return fmt.Errorf("rerouting the remote services' ports through the Telepresence daemon %s: %w", s.daemon.Container(), err)
	}
	u.event("Telepresence", api.Done, "Rerouted", "the remote services' ports through "+s.daemon.Container())
	return nil
}

// proxyReroutes is the connect that reroutes the proxies' ports through a
// daemon that runs (2.24+). It names the daemon's own cluster: a connect
// to a running session whose context, namespace (which a connect without
// them takes from the kubeconfig) or manager namespace differ is refused
// (CheckStatus in pkg/client/userd/trafficmgr/session.go).
func proxyReroutes(plan *transform.Plan, s *session) telepresence.ConnectOptions {
	opts := telepresence.ConnectOptions{Name: s.daemon.Name, Context: s.daemon.Context, Namespace: s.daemon.Namespace,
		ManagerNamespace: s.daemon.ManagerNamespace}
	if !s.daemon.Release().Has(vocab.Reroute) {
		return opts
	}
	for _, px := range plan.Proxies {
		opts.RerouteLocal = append(opts.RerouteLocal, px.RerouteLocal...)
		opts.RerouteRemote = append(opts.RerouteRemote, px.RerouteRemote...)
	}
	return opts
}

// reroutes are the reroute flags of a connect, as the DNS record keeps
// them.
func reroutes(opts telepresence.ConnectOptions) []string {
	var out []string
	for _, r := range opts.RerouteLocal {
		out = append(out, "--reroute-local "+r)
	}
	for _, r := range opts.RerouteRemote {
		out = append(out, "--reroute-remote "+r)
	}
	return out
}

// movedLocalReroutes are the local reroutes that would send a port the
// daemon forwards already, by the project's record, elsewhere: the
// daemon keeps the first forwarder of a port and logs the failure of a
// second (pkg/client/userd/trafficmgr/session.go RerouteLocalPort).
func movedLocalReroutes(recorded, local []string) []string {
	var out []string
	for _, r := range local {
		port, _, _ := strings.Cut(r, ":")
		for _, old := range recorded {
			was, ok := strings.CutPrefix(old, "--reroute-local ")
			if wasPort, _, _ := strings.Cut(was, ":"); ok && wasPort == port && protoOf(was) == protoOf(r) && was != r {
				out = append(out, fmt.Sprintf("port %s is forwarded as %s, not %s", port, was, r))
			}
		}
	}
	return out
}

// protoOf is the protocol suffix of a reroute, empty for TCP.
func protoOf(reroute string) string {
	if i := strings.LastIndexByte(reroute, '/'); i >= 0 {
		return reroute[i:]
	}
	return ""
}

// unresolvedProxy names the remote service whose cluster name the daemon
// could not resolve when a connect rerouted its ports, with the key that
// names it: Telepresence's words name the host only (`unable to resolve
// name postgres.`, pkg/client/rootd/session.go resolvePort). nil when the
// error is another.
func unresolvedProxy(err error, plan *transform.Plan) error {
	msg := err.Error()
	_, rest, ok := strings.Cut(msg, "unable to resolve name ")
	if !ok {
		return nil
	}
	host := strings.TrimSuffix(strings.TrimRight(strings.Fields(rest + " ")[0], ":,"), ".")
	for _, px := range plan.Proxies {
		if strings.EqualFold(px.Host, host) {
			return fmt.Errorf("service %q: %s: the cluster has no service %q that the Telepresence daemon can resolve, so it cannot reroute the service's ports: %w "+
				"(hint: set %s to a service of the cluster, SERVICE or SERVICE.NAMESPACE, as `kubectl get services -A` lists them)", px.Service, px.NameKey, host, err, px.NameKey)
		}
	}
	return nil
}
