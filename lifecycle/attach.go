package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// attach gives every handler its attachment (docs/attachments.md): the
// live one an earlier `up` of the project made with the same request, or
// a new one. handlers are the project's handlers, also those this run does
// not start.
//
// Every record is settled first, kept or left, and only then are new
// attachments made, all at once: a workload that moves from one handler to
// another is free by the time its new handler asks for it.
func (u *upRun) attach(ctx context.Context, plan *transform.Plan, handlers []string) (map[string]vocab.Attachment, error) {
	defer u.Trace.Step("attach")()
	wanted := map[string]records.Request{}
	for _, req := range plan.Attachments {
		s := u.sessionFor(req.Service)
		wanted[req.Service] = records.RequestOf(s.daemon.Name, req, s.model() == vocab.ModelTeleroute)
	}
	out := map[string]vocab.Attachment{}
	for _, rec := range u.before.Attachments {
		q, planned := wanted[rec.Service]
		if slices.Contains(handlers, rec.Service) && !planned {
			continue // a handler this run does not start (up SERVICE...)
		}
		v, err := u.settle(ctx, rec, q, planned, out)
		if err != nil {
			return nil, err
		}
		if v.keep {
			out[rec.Service] = v.attachment
			continue
		}
		if err := u.retire(ctx, rec, v.reason); err != nil {
			return nil, err
		}
	}
	var missing []transform.AttachRequest
	for _, req := range plan.Attachments {
		if _, reused := out[req.Service]; !reused {
			missing = append(missing, req)
		}
	}
	made, err := u.makeAll(ctx, missing, wanted)
	for service, a := range made {
		out[service] = a
	}
	for _, req := range plan.Attachments {
		if a, ok := out[req.Service]; ok {
			ref := vocab.AttachmentRef{Kind: a.Kind, Name: a.Name, Container: req.Container}
			u.attached = append(u.attached, attached{ref: ref, session: u.sessionFor(req.Service)})
		}
	}
	return out, err
}

// makeAll makes the attachments concurrently, as Telepresence's own compose
// support does. The first failure interrupts the others; each has pushed
// its own undo, so the journal undoes exactly what was made.
func (u *upRun) makeAll(ctx context.Context, reqs []transform.AttachRequest, wanted map[string]records.Request) (map[string]vocab.Attachment, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu    sync.Mutex
		out   = map[string]vocab.Attachment{}
		first error
		wg    sync.WaitGroup
	)
	for _, req := range reqs {
		wg.Go(func() {
			a, err := u.make(ctx, req, wanted[req.Service])
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				out[req.Service] = a
			case first == nil:
				first = err
				cancel(err)
			}
		})
	}
	wg.Wait()
	return out, first
}

// verdict is what becomes of a recorded attachment at `up`: kept, with
// what it gives the handler, or left, and why.
type verdict struct {
	keep       bool
	attachment vocab.Attachment
	reason     string
}

func leaveIt(reason string) verdict { return verdict{reason: reason} }

// settle decides the fate of a recorded attachment: kept, when it serves
// the service's request, is live and its handler runs; otherwise left.
func (u *upRun) settle(ctx context.Context, rec records.Attachment, q records.Request, planned bool, kept map[string]vocab.Attachment) (verdict, error) {
	_, taken := kept[rec.Service]
	ref := rec.Ref()
	held, known := false, true
	if s := u.sessionHolding(holdingOf(u.before, rec.Name)); s != nil {
		held, known = s.daemon.Holds(ref.Kind, ref.Name, ref.Container)
	}
	switch {
	case !planned:
		return leaveIt(fmt.Sprintf("service %q is no longer attached to a workload", rec.Service)), nil
	case !q.Same(rec):
		return leaveIt(q.Changes(rec)), nil
	case taken || known && !held:
		return leaveIt("it has ended"), nil
	}
	a, running, err := u.liveAttachment(ctx, u.before, rec.Service, ref)
	if err != nil {
		return verdict{}, err
	}
	if !running {
		return leaveIt("its handler does not run"), nil
	}
	u.event(attachmentID(ref.Kind, ref.Name), api.Done, api.StatusRunning, "reused by service "+rec.Service)
	return verdict{keep: true, attachment: a}, nil
}
