package lifecycle

import (
	"context"

	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// What the steps read and write of the project's records
// (lifecycle/records), with the engine's errors said as such.

// find reads the project's state from the Docker side.
func (r *Runner) find(ctx context.Context, project string) (records.State, error) {
	s, err := records.Find(ctx, r.Engine, project)
	if err != nil {
		return s, r.engineError(err)
	}
	return s, nil
}

// writeRecord records an attachment before it is made.
func (r *Runner) writeRecord(ctx context.Context, project string, rec records.Attachment) error {
	if err := records.Write(ctx, r.Engine, project, rec); err != nil {
		return r.engineError(err)
	}
	return nil
}

// removeRecord forgets an attachment.
func (r *Runner) removeRecord(ctx context.Context, project string, a vocab.AttachmentRef) error {
	if err := records.Remove(ctx, r.Engine, project, a); err != nil {
		return r.engineError(err)
	}
	return nil
}

// writeDNSRecord replaces the record of DNS mappings in volume, was, with
// now; either may be nil.
func (r *Runner) writeDNSRecord(ctx context.Context, project, volume string, was, now *records.DNS) error {
	if err := records.WriteDNS(ctx, r.Engine, project, volume, was, now); err != nil {
		return r.engineError(err)
	}
	return nil
}

// liveAttachment reads what a previous `up` gave a handler (records.Live).
func (r *Runner) liveAttachment(ctx context.Context, s records.State, service string, a vocab.AttachmentRef) (vocab.Attachment, bool, error) {
	ic, live, err := records.Live(ctx, r.Engine, s, service, a)
	if err != nil {
		return ic, false, r.engineError(err)
	}
	return ic, live, nil
}
