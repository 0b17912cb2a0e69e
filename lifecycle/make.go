package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/docker/compose/v5/pkg/api"

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
	a, err := u.Telepresence.Attach(ctx, telepresence.AttachOptions{
		Kind: req.Kind, Contract: s.contract, Name: req.Name, Workload: req.Workload, Ports: req.Ports, Address: q.Address,
		Service: req.K8sService, Container: req.Container, HTTP: req.HTTP, Metadata: req.Metadata,
		ToPod: req.ToPod, Mount: req.Mount,
	})
	what := fmt.Sprintf("service %q: %s of workload %q", req.Service, req.Kind, req.Workload)
	if err != nil {
		u.event(id, api.Error, api.StatusError, briefly(err))
	}
	switch {
	case err == nil:
	case ctx.Err() != nil || errors.Is(err, telepresence.ErrTimeout):
		// It may exist though we never heard back: end it.
		u.journal.push(string(req.Kind)+" "+req.Name, func(ctx context.Context) error { return u.endAndForget(ctx, s.contract, u.project, ref) })
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
