package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// setDNS makes the project's remote services resolve in the daemon's
// network, and records them (docs/telepresence-contract.md#setdnsmappings).
// SetDNSMappings replaces the daemon's whole set, so where status shows the
// set, the project's mappings are merged into it, replacing those the
// project set before; where it does not, the project's set replaces it,
// and the user is told.
func (u *upRun) setDNS(ctx context.Context, plan *transform.Plan) error {
	defer u.Trace.Step("DNS mappings")()
	in := u.opts.Intent
	for i, conn := range usedConnections(in) {
		var mappings []transform.RemoteMapping
		var remote []string
		for _, m := range plan.DNSMappings {
			if in.ConnectionOf(m.Service) == conn.Name {
				mappings = append(mappings, m)
			}
		}
		for _, r := range plan.Remote {
			if in.ConnectionOf(r) == conn.Name {
				remote = append(remote, r)
			}
		}
		s, ok := u.sessions[conn.Name]
		if !ok {
			continue // not connected: the project asks nothing of Telepresence
		}
		rec := &records.DNS{Connection: s.daemon.Name, Remote: remote}
		if opts := proxyReroutes(plan.ForConnection(conn.Name, i == 0), s); len(opts.RerouteLocal)+len(opts.RerouteRemote) > 0 {
			rec.Reroutes, rec.DaemonID = reroutes(opts), s.info.ID
		}
		if err := u.setDNSOn(ctx, s, records.DNSVolumeName(u.project, conn.Name, i == 0), mappings, rec); err != nil {
			return err
		}
	}
	return nil
}

// setDNSOn sets the mappings of one connection's remote services on its
// daemon, and records them in the volume of that connection.
func (u *upRun) setDNSOn(ctx context.Context, s *session, volume string, mappings []transform.RemoteMapping, rec *records.DNS) error {
	recorded := u.before.DNSIn(volume)
	own := make([]vocab.DNSMapping, len(mappings))
	for i, m := range mappings {
		own[i] = m.DNSMapping(s.daemon.Namespace)
		u.event("DNS "+m.Service, api.Done, "Mapped", "to "+own[i].AliasFor+" in the daemon's network")
	}
	rec.Mappings = own
	if err := u.recordRemote(ctx, volume, recorded, rec); err != nil {
		return err
	}
	var previous []vocab.DNSMapping
	switch {
	case recorded == nil:
	case recorded.Connection == s.daemon.Name:
		previous = recorded.Mappings
	default: // the project moved to another daemon: take its mappings off the old one
		st, err := u.Telepresence.Status(ctx)
		if err == nil {
			err = u.dropMappings(ctx, u.project, st, recorded)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case s.daemon.ReportsDNSMappings:
		u.warnReplaced(s.daemon.DNSMappings, previous, own)
		if sameMappings(own, previous) && includesAll(s.daemon.DNSMappings, own) {
			// Unchanged, and set, as the status this run connected with
			// shows: nothing to change or undo, and no status to read again.
			// Only this project (whose lock the run holds) takes out the
			// mappings its record claims, and a status asked before the lock
			// was taken is used only if no run ended meanwhile (early.go).
			return nil
		}
		if err := u.updateMappings(ctx, u.project, s, previous, own); err != nil {
			return err
		}
		u.journal.push("the DNS mappings", func(ctx context.Context) error { return u.updateMappings(ctx, u.project, s, own, previous) })
		return nil
	case sameMappings(own, previous):
		return nil // the set cannot be read; the project's are set already
	}
	u.warn(fmt.Sprintf("Telepresence %s does not report the daemon's DNS mappings, so the project's replace any others the daemon had", s.daemon.ReleaseName()))
	if err := u.Telepresence.SetDNSMappings(ctx, s.grpcAddress(), own); err != nil {
		return err
	}
	// The set that was there cannot be known: the undo puts back the
	// project's own of the previous run, if any.
	u.journal.push("the DNS mappings", func(ctx context.Context) error {
		return u.Telepresence.SetDNSMappings(ctx, s.grpcAddress(), previous)
	})
	return nil
}

// updateMappings changes the daemon's set, as it is now: without drop, the
// project's mappings as they were (but those another project's record still
// claims), with add. Projects change the daemon's set one at a time.
// With nothing to drop or add the set cannot change: Telepresence is not
// asked (a project without remote services costs no status call).
func (r *Runner) updateMappings(ctx context.Context, project string, s *session, drop, add []vocab.DNSMapping) error {
	if len(drop) == 0 && len(add) == 0 {
		return nil
	}
	unlock, err := r.lockDNS(ctx, s.daemon.Name)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := r.Telepresence.Status(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(st.Daemons, func(d telepresence.Daemon) bool { return d.Name == s.daemon.Name })
	if i < 0 || !st.Daemons[i].ReportsDNSMappings {
		return nil // the daemon is gone, and its mappings with it
	}
	claimed, err := r.claimedMappings(ctx, project, s.daemon.Name)
	if err != nil {
		return err
	}
	drop = slices.DeleteFunc(slices.Clone(drop), func(m vocab.DNSMapping) bool { return slices.Contains(claimed, m) })
	current := st.Daemons[i].DNSMappings
	set := mergeMappings(current, drop, add)
	if sameMappings(set, current) {
		return nil
	}
	return r.Telepresence.SetDNSMappings(ctx, s.grpcAddress(), set)
}

// claimedMappings are the mappings the records of the other projects say
// they set on the daemon of a connection: a mapping two projects set stays
// while either is up.
func (r *Runner) claimedMappings(ctx context.Context, project, connection string) ([]vocab.DNSMapping, error) {
	volumes, err := r.Engine.VolumesWithLabel(ctx, labels.DNSMappings)
	if err != nil {
		return nil, r.engineError(err)
	}
	var out []vocab.DNSMapping
	for _, v := range volumes {
		if d, ok := records.ReadDNS(v); ok && v.Labels[api.ProjectLabel] != project && d.Connection == connection {
			out = append(out, d.Mappings...)
		}
	}
	return out, nil
}

// recordRemote replaces the record of the project's remote services in
// volume, was, when it differs from now; a project without any has none.
func (u *upRun) recordRemote(ctx context.Context, volume string, was, now *records.DNS) error {
	if len(now.Mappings)+len(now.Remote) == 0 {
		now = nil
	}
	if sameRecord(was, now) {
		return nil
	}
	if err := u.writeDNSRecord(ctx, u.project, volume, was, now); err != nil {
		return err
	}
	u.journal.push("the record of the remote services", func(ctx context.Context) error { return u.writeDNSRecord(ctx, u.project, volume, now, was) })
	return nil
}

func sameRecord(a, b *records.DNS) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Connection == b.Connection && sameMappings(a.Mappings, b.Mappings) && slices.Equal(a.Remote, b.Remote) &&
		slices.Equal(a.Reroutes, b.Reroutes) && a.DaemonID == b.DaemonID
}

// mergeMappings is current without the mappings the project set before,
// plus the project's own (which win over a mapping of the same name).
func mergeMappings(current, previous, own []vocab.DNSMapping) []vocab.DNSMapping {
	out := []vocab.DNSMapping{}
	for _, m := range current {
		if slices.Contains(previous, m) || slices.ContainsFunc(own, func(o vocab.DNSMapping) bool { return o.Name == m.Name }) {
			continue
		}
		out = append(out, m)
	}
	out = append(out, own...)
	slices.SortFunc(out, func(a, b vocab.DNSMapping) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// warnReplaced says when the project maps a name the daemon maps otherwise
// (another project's, or the user's own).
func (u *upRun) warnReplaced(current, previous, own []vocab.DNSMapping) {
	for _, m := range current {
		if slices.Contains(previous, m) {
			continue
		}
		for _, o := range own {
			if o.Name == m.Name && o.AliasFor != m.AliasFor {
				u.warn(fmt.Sprintf("the daemon maps %s to %s; this project maps it to %s instead", m.Name, m.AliasFor, o.AliasFor))
			}
		}
	}
}

// includesAll says whether set has every mapping of these.
func includesAll(set, these []vocab.DNSMapping) bool {
	for _, m := range these {
		if !slices.Contains(set, m) {
			return false
		}
	}
	return true
}

func sameMappings(a, b []vocab.DNSMapping) bool {
	sorted := func(l []vocab.DNSMapping) []vocab.DNSMapping {
		l = slices.Clone(l)
		slices.SortFunc(l, func(x, y vocab.DNSMapping) int {
			return strings.Compare(x.Name+" "+x.AliasFor, y.Name+" "+y.AliasFor)
		})
		return l
	}
	return slices.Equal(sorted(a), sorted(b))
}

// removeDNS takes the project's mappings out of the daemon's set (where
// status shows it; those another project also set stay) and removes their
// record, once they are out.
func (r *Runner) removeDNS(ctx context.Context, state records.State, st *telepresence.Status) error {
	var errs []error
	for _, rec := range state.DNS {
		if err := r.dropMappings(ctx, state.Project, st, rec); err != nil {
			errs = append(errs, err) // the record stays, for the next down
			continue
		}
		errs = append(errs, r.writeDNSRecord(ctx, state.Project, rec.Volume, rec, nil))
	}
	return errors.Join(errs...)
}

// dropMappings takes the mappings a record names out of its daemon's set,
// if that daemon runs and shows its set.
func (r *Runner) dropMappings(ctx context.Context, project string, st *telepresence.Status, rec *records.DNS) error {
	i := slices.IndexFunc(st.Daemons, func(d telepresence.Daemon) bool { return d.Name == rec.Connection })
	if i < 0 || !st.Daemons[i].ReportsDNSMappings || len(rec.Mappings) == 0 {
		return nil
	}
	d := st.Daemons[i]
	s, err := r.open(ctx, &d, st.ContractFor(d))
	if err == nil {
		err = r.updateMappings(ctx, project, s, rec.Mappings, nil)
	}
	if err == nil && !r.DryRun { // a dry run said what it would set
		r.printf("Removed the project's DNS mappings from the daemon %s", d.Container())
	}
	return err
}
