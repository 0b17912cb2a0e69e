package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// intercept gives every handler an intercept: the live one an earlier `up`
// of the project created with the same request, or a new one. handlers are
// the project's intercept handlers, also those this run does not start.
//
// Every record is settled first, kept or left, and only then are new
// intercepts made: a workload that moves from one handler to another is
// free by the time its new handler asks for it.
func (u *upRun) intercept(ctx context.Context, s *session, plan *transform.Plan, state projectState, handlers []string) (map[string]transform.Intercept, error) {
	wanted := map[string]request{}
	for _, req := range plan.Intercepts {
		wanted[req.Service] = u.request(s, req)
	}
	out := map[string]transform.Intercept{}
	for _, rec := range state.records {
		q, planned := wanted[rec.service]
		if slices.Contains(handlers, rec.service) && !planned {
			continue // a handler this run does not start (up SERVICE...)
		}
		ic, why, err := u.settle(ctx, s, state, rec, q, planned, out)
		if err != nil {
			return nil, err
		}
		if why == "" {
			out[rec.service] = ic
			continue
		}
		if err := u.retire(ctx, s, rec, why); err != nil {
			return nil, err
		}
	}
	for _, req := range plan.Intercepts {
		ic, reused := out[req.Service]
		if !reused {
			var err error
			if ic, err = u.create(ctx, s, req, wanted[req.Service]); err != nil {
				return nil, err
			}
			out[req.Service] = ic
		}
		u.intercepts = append(u.intercepts, ic.Name)
	}
	return out, nil
}

// settle decides the fate of a recorded intercept: kept, when it serves the
// service's request, is live and its handler runs; otherwise why to leave it.
func (u *upRun) settle(ctx context.Context, s *session, state projectState, rec interceptRecord, q request, planned bool, kept map[string]transform.Intercept) (transform.Intercept, string, error) {
	_, taken := kept[rec.service]
	switch {
	case !planned:
		return transform.Intercept{}, fmt.Sprintf("service %q is no longer an intercept handler", rec.service), nil
	case !q.same(rec.request):
		return transform.Intercept{}, q.changes(rec.request), nil
	case taken || !slices.Contains(s.daemon.Intercepts, rec.intercept):
		return transform.Intercept{}, "it has ended", nil
	}
	ic, running, err := u.liveIntercept(ctx, state, rec.service, rec.intercept)
	if err != nil || !running {
		return ic, "its handler does not run", err
	}
	u.printf("Reusing the live intercept %s of this project for service %s", rec.intercept, rec.service)
	return ic, "", nil
}

// request is what the intercept of req is created with in this session.
func (u *upRun) request(s *session, req transform.InterceptRequest) request {
	q := request{Daemon: s.daemon.Name, Workload: req.Workload, Port: req.Port, Service: req.K8sService,
		Headers: req.HTTPHeaders, Mount: req.Mount}
	if s.model() == telepresence.ModelTeleroute {
		q.Address = req.Address
	}
	return q
}

// retire leaves a recorded intercept the project no longer uses, and
// forgets it.
func (u *upRun) retire(ctx context.Context, s *session, rec interceptRecord, why string) error {
	if slices.Contains(s.daemon.Intercepts, rec.intercept) {
		u.printf("Leaving intercept %s of service %s: %s", rec.intercept, rec.service, why)
	}
	return u.leaveAndForget(ctx, s.contract, u.project, rec.intercept)
}

// create records an intercept on the Docker side, then creates it, and
// pushes how to leave it.
func (u *upRun) create(ctx context.Context, s *session, req transform.InterceptRequest, q request) (transform.Intercept, error) {
	if err := u.writeRecord(ctx, u.project, interceptRecord{intercept: req.Workload, service: req.Service, request: q.String()}); err != nil {
		return transform.Intercept{}, err
	}
	ic, err := u.Telepresence.Intercept(ctx, telepresence.InterceptOptions{
		Contract: s.contract, Workload: req.Workload, Port: req.Port, Address: q.Address, Service: req.K8sService,
		HTTPHeaders: req.HTTPHeaders, Mount: req.Mount,
	})
	switch {
	case err == nil:
	case ctx.Err() != nil || errors.Is(err, telepresence.ErrTimeout):
		// It may exist though we never heard back: leave it.
		u.journal.push("intercept "+req.Workload, func(ctx context.Context) error { return u.leaveAndForget(ctx, s.contract, u.project, req.Workload) })
		return transform.Intercept{}, fmt.Errorf("service %q: intercepting workload %q: %w", req.Service, req.Workload, err)
	default:
		// Not created: refused, or someone else's. Only its record goes.
		hint := ""
		if telepresence.AlreadyExists(err) {
			hint = fmt.Sprintf(" (hint: another project or user intercepts %q; leave that intercept first, or declare intercept.httpHeaders for a personal intercept)", req.Workload)
		}
		err = fmt.Errorf("service %q: intercepting workload %q: %w%s", req.Service, req.Workload, err, hint)
		return transform.Intercept{}, errors.Join(err, u.removeRecord(ctx, u.project, req.Workload))
	}
	u.journal.push("intercept "+ic.Name, func(ctx context.Context) error { return u.leaveAndForget(ctx, s.contract, u.project, ic.Name) })
	if ic.Name != req.Workload {
		// Telepresence named it otherwise: the record must say so.
		err := u.writeRecord(ctx, u.project, interceptRecord{intercept: ic.Name, service: req.Service, request: q.String()})
		if err == nil {
			err = u.removeRecord(ctx, u.project, req.Workload)
		}
		if err != nil {
			return transform.Intercept{}, err
		}
	}
	u.printf("Intercepted workload %s (intercept %s) for service %s on port %s", req.Workload, ic.Name, req.Service, req.Port)
	return fromTelepresence(ic), nil
}

func fromTelepresence(ic *telepresence.Intercept) transform.Intercept {
	out := transform.Intercept{Name: ic.Name, Environment: ic.Environment, MountPort: ic.MountPort}
	for _, m := range ic.Mounts {
		out.Mounts = append(out.Mounts, transform.Mount{Path: m.Path, Policy: m.Policy})
	}
	return out
}

// leaveAndForget leaves an intercept and, once it is gone, removes its
// record: a leave that fails keeps the record for the next `down`.
func (r *Runner) leaveAndForget(ctx context.Context, c telepresence.Contract, project, name string) error {
	if err := r.leave(ctx, c, name); err != nil {
		return err
	}
	return r.removeRecord(ctx, project, name)
}

// leave ends an intercept; one that is already gone is fine.
func (r *Runner) leave(ctx context.Context, c telepresence.Contract, name string) error {
	err := r.Telepresence.Leave(ctx, c, name)
	switch {
	case err == nil:
		r.printf("Left intercept %s", name)
	case errors.Is(err, telepresence.ErrNotFound):
		err = nil
	}
	return err
}

// leaveAll ends the project's intercepts after it stopped; their records
// stay for `down`.
func (u *upRun) leaveAll(ctx context.Context, s *session) error {
	var errs []error
	for _, name := range slices.Backward(u.intercepts) {
		errs = append(errs, u.leave(ctx, s.contract, name))
	}
	return errors.Join(errs...)
}
