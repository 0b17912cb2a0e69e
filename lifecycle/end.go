package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// Ending attachments (docs/attachments.md): one through the daemon that
// holds it (holder.go), and the policies that end them when a run, a
// stop or a down ends. A record goes only once its attachment is gone, so
// that a failed end can be tried again by the next `down`.

// end ends an attachment; one that is already gone is fine.
func (r *Runner) end(ctx context.Context, c telepresence.Contract, a vocab.AttachmentRef) error {
	err := r.Telepresence.Detach(ctx, c, a)
	switch {
	case err == nil:
		r.event(attachmentID(a.Kind, a.Name), api.Done, "Left", "")
	case errors.Is(err, telepresence.ErrNotFound):
		err = nil
	}
	return err
}

// endAndForget ends an attachment and, once it is gone, removes its
// record: a detach that fails keeps the record for the next `down`.
func (r *Runner) endAndForget(ctx context.Context, c telepresence.Contract, project string, a vocab.AttachmentRef) error {
	if err := r.end(ctx, c, a); err != nil {
		return err
	}
	return r.removeRecord(ctx, project, a)
}

// endAll ends the project's attachments after it stopped, but for
// those of a daemon that went: they went with it. Their records stay for
// `down`.
func (u *upRun) endAll(ctx context.Context) error {
	var errs []error
	for _, a := range slices.Backward(u.attached) {
		if !a.session.gone.Load() {
			errs = append(errs, u.end(ctx, a.session.contract, a.ref))
		}
	}
	return errors.Join(errs...)
}

// attached is an attachment the run made or took over, and the session
// of the daemon that holds it.
type attached struct {
	ref     vocab.AttachmentRef
	session *session
}

// retire ends a recorded attachment the project no longer uses, through
// the daemon that holds it, and forgets it. One whose daemon no longer
// runs ended with it.
func (u *upRun) retire(ctx context.Context, rec records.Attachment, why string) error {
	ref := rec.Ref()
	h := holdingOf(u.before, rec.Name)
	s := u.sessionHolding(h)
	if s == nil && !rec.Unread {
		st, err := u.Telepresence.Status(ctx)
		if err != nil {
			return err
		}
		d, _ := h.in(st.Daemons)
		if d == nil {
			return u.removeRecord(ctx, u.project, ref) // its daemon is gone, and the attachment with it
		}
		s = &session{daemon: *d, contract: st.ContractFor(*d)}
	}
	if s == nil { // an older plugin's record, and nothing says which daemon holds it
		s = u.sessionFor(rec.Service)
	}
	if held, known := s.daemon.Holds(ref.Kind, ref.Name, ref.Container); held || !known {
		u.event(attachmentID(ref.Kind, ref.Name), api.Working, "Leaving", "service "+rec.Service+": "+why)
	}
	return u.endAndForget(ctx, s.contract, u.project, ref)
}

// endHeld ends an attachment through the daemon that holds it.
func (r *Runner) endHeld(ctx context.Context, s records.State, st *telepresence.Status, a vocab.AttachmentRef) error {
	c, err := holderContract(s, st, a)
	if err != nil {
		return err
	}
	return r.end(ctx, c, a)
}

// endEvery ends every attachment of the project; keep are those that
// could not be ended, whose records must stay.
func (r *Runner) endEvery(ctx context.Context, state records.State, st *telepresence.Status, stErr error) (keep map[string]bool, errs []error) {
	keep = map[string]bool{}
	attachments := state.Refs()
	switch {
	case len(attachments) == 0:
	case stErr != nil:
		errs = append(errs, fmt.Errorf("cannot end attachments %s (their records are kept for the next down): %w", names(attachments), stErr))
		for _, a := range attachments {
			keep[a.Name] = true
		}
	case !st.Running():
		r.printf("Telepresence is not connected: attachments %s ended with it", names(attachments))
	default:
		for _, a := range attachments {
			if err := r.endHeld(ctx, state, st, a); err != nil {
				keep[a.Name] = true
				errs = append(errs, err)
			}
		}
	}
	return keep, errs
}

// endAttachments ends the recorded attachments of the services (all when
// none is named), each through the daemon that holds it; records stay.
func (r *Runner) endAttachments(ctx context.Context, state records.State, services []string) error {
	var ends []vocab.AttachmentRef
	for _, rec := range state.Attachments {
		if len(services) == 0 || slices.Contains(services, rec.Service) {
			ends = append(ends, rec.Ref())
		}
	}
	if len(ends) == 0 {
		return nil
	}
	st, err := r.Telepresence.Status(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("cannot end attachments %s: %w", names(ends), err)
	case !st.Running():
		r.printf("Telepresence is not connected: attachments %s ended with it", names(ends))
		return nil
	}
	var errs []error
	for _, a := range ends {
		errs = append(errs, r.endHeld(ctx, state, st, a))
	}
	return errors.Join(errs...)
}

// endCreated ends what `create` made besides the containers: the
// attachments (their records stay, so that `up` makes them again and
// `down` finds them), as Telepresence's own compose does.
func (u *upRun) endCreated() {
	u.started = true
	u.journal.replace("the attachments of the created project", func(ctx context.Context) error {
		return u.endAll(ctx)
	})
}

// endWith replaces the journal with what ending a started run does: stop
// the project (unless nothing of it runs: Compose stops an attached project
// it is interrupted in itself), then end the attachments (but for those of
// a daemon that went). What the project made, its data volumes among them,
// stays for `down`, and so do the attachments' records.
func (u *upRun) endWith(project *types.Project) {
	u.started = true
	u.journal.replace("the project", func(ctx context.Context) error {
		return errors.Join(u.stopIfRunning(ctx, project), u.endAll(ctx))
	})
}
