package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// make records an attachment on the Docker side, then makes it, and
// pushes how to end it. The record is written whatever happens to the run
// meanwhile, so that the undo finds it.
func (u *upRun) make(ctx context.Context, req transform.AttachRequest, q records.Request) (vocab.Attachment, error) {
	s := u.sessionFor(req.Service)
	ref := vocab.AttachmentRef{Kind: req.Kind, Name: req.Name, Container: req.Container}
	rec := records.Attachment{Name: req.Name, Service: req.Service, Request: q}
	if err := u.writeRecord(context.WithoutCancel(ctx), u.project, rec); err != nil {
		return vocab.Attachment{}, err
	}
	id := attachmentID(req.Kind, req.Name)
	u.event(id, api.Working, api.StatusCreating, fmt.Sprintf("workload %s for service %s%s", req.Workload, req.Service, portsText(req.Ports)))
	opts := telepresence.AttachOptions{
		Kind: req.Kind, Contract: s.contract, Name: req.Name, Workload: req.Workload, Ports: req.Ports, Address: q.Address,
		Service: req.K8sService, Container: req.Container, HTTP: req.HTTP, Metadata: req.Metadata,
		ToPod: req.ToPod, Mount: req.Mount,
	}
	a, err := u.Telepresence.Attach(ctx, opts)
	if held, _ := s.daemon.Holds(req.Kind, req.Name, req.Container); held && telepresence.AlreadyExists(err) {
		a, err = u.takeOver(ctx, s, req, opts, err)
	}
	what := fmt.Sprintf("service %q: %s of workload %q", req.Service, req.Kind, req.Workload)
	unanswered := errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, telepresence.ErrTimeout)
	switch {
	case err == nil:
	case unanswered:
		u.failed(ctx, id, err) // canceled by Ctrl-C, or by another that failed: no error of its own
	default:
		u.event(id, api.Error, api.StatusError, briefly(err))
	}
	switch {
	case err == nil:
	case unanswered:
		// It may exist though we never heard back: end it, unless the one
		// of that name is another project's.
		u.journal.push(string(req.Kind)+" "+req.Name, func(ctx context.Context) error {
			holder, err := u.projectHolding(ctx, req.Name, s.daemon.Name)
			switch {
			case err != nil:
				return err // the record stays, for down
			case holder != "":
				return u.removeRecord(ctx, u.project, ref)
			}
			return u.endAndForget(ctx, s.contract, u.project, ref)
		})
		return vocab.Attachment{}, fmt.Errorf("%s: %w", what, err)
	default:
		// Not made: refused, or someone else's. Only its record goes.
		err = fmt.Errorf("%s: %w%s", what, err, refusalHint(err, req))
		return vocab.Attachment{}, errors.Join(err, u.removeRecord(context.WithoutCancel(ctx), u.project, ref))
	}
	made := ref
	made.Name = a.Name
	u.journal.push(string(req.Kind)+" "+a.Name, func(ctx context.Context) error { return u.endAndForget(ctx, s.contract, u.project, made) })
	if a.Name != req.Name {
		// Telepresence named it otherwise: the record must say so.
		rec.Name = a.Name
		err := u.writeRecord(context.WithoutCancel(ctx), u.project, rec)
		if err == nil {
			err = u.removeRecord(context.WithoutCancel(ctx), u.project, ref)
		}
		if err != nil {
			return vocab.Attachment{}, err
		}
	}
	u.event(id, api.Done, api.StatusCreated, fmt.Sprintf("workload %s for service %s%s", req.Workload, req.Service, portsText(req.Ports)))
	return *a, nil
}

// takeOver makes an attachment whose name another one that the daemon
// holds has (a leftover of an earlier `telepresence compose up -d`, or one
// made by hand; another user's is not the daemon's): unless a
// project of ours holds it, it is ended, said so, and made anew from the
// file, whose request it may not match (the CLI cannot show an
// attachment's request or environment). existing is Telepresence's refusal.
func (u *upRun) takeOver(ctx context.Context, s *session, req transform.AttachRequest, opts telepresence.AttachOptions, existing error) (*vocab.Attachment, error) {
	holder, err := u.projectHolding(ctx, req.Name, s.daemon.Name)
	switch {
	case err != nil:
		return nil, err
	case holder != "":
		return nil, fmt.Errorf("%w (hint: project %q of docker telepresence holds %s %s: end it there, with `docker telepresence -p %s down`, or give this one another name, %s)",
			existing, holder, req.Kind, req.Name, holder, req.Key("name"))
	}
	id := attachmentID(req.Kind, req.Name)
	u.event(id, api.Working, "Taking over", "an attachment of that name exists, made outside this project: ending it, to make it from the compose file")
	ref := vocab.AttachmentRef{Kind: req.Kind, Name: req.Name, Container: req.Container}
	if err := u.end(ctx, s.contract, ref); err != nil {
		return nil, fmt.Errorf("ending the %s %s that was there: %w", req.Kind, req.Name, err)
	}
	return u.Telepresence.Attach(ctx, opts)
}

// projectHolding is the other project of ours whose record names an
// attachment of that name made through a daemon, if any.
func (u *upRun) projectHolding(ctx context.Context, attachment, connection string) (string, error) {
	volumes, err := u.Engine.VolumesWithLabel(ctx, labels.Attachment)
	if err != nil {
		return "", u.engineError(err)
	}
	for _, v := range volumes {
		rec, ok := records.AttachmentIn(v)
		if !ok || rec.Name != attachment || v.Labels[api.ProjectLabel] == u.project {
			continue
		}
		if rec.Unread || rec.Request.Connection == connection {
			return v.Labels[api.ProjectLabel], nil
		}
	}
	return "", nil
}

// refusalHint says what to do about an attachment Telepresence refused.
func refusalHint(err error, req transform.AttachRequest) string {
	msg := strings.ToLower(err.Error())
	switch {
	case telepresence.AlreadyExists(err):
		return fmt.Sprintf(" (hint: another project or user has %q; end it first, or declare HTTP filters (%s) for a personal intercept)",
			req.Name, req.Key("httpFilters"))
	// The traffic-manager's refusal when intercept.allowGlobalIntercepts is
	// false (2.26+): "global TCP/UDP intercepts and replaces are disabled.
	// Use --http-header or --http-path-* flags for HTTP intercepts"
	// (docs/telepresence-contract.md#error-texts).
	case strings.Contains(msg, "global tcp/udp intercepts") && strings.Contains(msg, "are disabled"):
		return fmt.Sprintf(" (hint: the cluster allows no global intercept or replace (intercept.allowGlobalIntercepts=false): declare HTTP header or path filters (%s, %s) for a personal intercept, or use a wiretap)",
			req.Key("httpFilters"), req.Key("httpPaths"))
	}
	return ""
}

func portsText(ports []string) string {
	if len(ports) == 0 {
		return ""
	}
	return ", port " + strings.Join(ports, ", ")
}
