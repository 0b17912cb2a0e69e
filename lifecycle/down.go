package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/telepresenceio/docker-telepresence/internal/labels"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// DownOptions are the options of `down`.
type DownOptions struct {
	ProjectName   string
	Volumes       bool
	RemoveOrphans bool
	// Images is --rmi: "all" or "local" images of the project go too.
	Images string
	// Timeout is -t; nil is Compose's default.
	Timeout *time.Duration
}

// Down leaves the project's intercepts, takes its DNS mappings out of the
// daemon, removes its containers and networks and its Telemount volumes.
// Everything is found from labels on the Docker side, so it works from a
// new process and after a crash, in both network models.
func (r *Runner) Down(ctx context.Context, opts DownOptions) error {
	r, state, unlock, err := r.openProject(ctx, opts.ProjectName)
	if err != nil || unlock == nil {
		return err
	}
	defer unlock()
	op := r.start(ctx, "down")
	defer op.done(true)
	st, stErr := r.Telepresence.Status(ctx)
	// Leave first: the labels are the only record of the intercepts, so a
	// record goes only once its intercept is gone, and a failed leave can be
	// retried by the next down.
	keep, errs := r.detachEvery(ctx, state, st, stErr)
	dnsErr := stErr
	if stErr == nil {
		dnsErr = r.removeDNS(ctx, state, st)
		errs = append(errs, dnsErr)
	}
	containers := state.daemonContainers()
	if stErr == nil {
		for _, d := range st.Daemons {
			containers = append(containers, d.Container())
		}
	}
	op.done(len(errs) == 0) // Compose's down comes next
	if state.hasResources() {
		errs = append(errs, r.removeProject(ctx, state, containers, api.DownOptions{
			Volumes: opts.Volumes, RemoveOrphans: opts.RemoveOrphans, Images: opts.Images, Timeout: opts.Timeout,
		}, keep))
	} else {
		errs = append(errs, r.removeVolumes(ctx, opts.ProjectName, keep))
	}
	if opts.Volumes {
		// Compose's down -v removes volumes of the project it knows nothing
		// of: the records of what is still live must stay.
		errs = append(errs, r.restoreRecords(ctx, state, keep, dnsErr != nil))
	}
	if stErr == nil && st.Running() && !r.DryRun {
		r.printf("The Telepresence daemon stays connected (other projects may use it): `telepresence quit` disconnects it")
	}
	return errors.Join(errs...)
}

// detachEvery ends every attachment of the project; keep are those that
// could not be ended, whose records must stay.
func (r *Runner) detachEvery(ctx context.Context, state projectState, st *telepresence.Status, stErr error) (keep map[string]bool, errs []error) {
	keep = map[string]bool{}
	attachments := state.attachments()
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
			if err := r.detachHeld(ctx, state, st, a); err != nil {
				keep[a.Name] = true
				errs = append(errs, err)
			}
		}
	}
	return keep, errs
}

// restoreRecords writes again the records of the intercepts in keep, and
// the record of the DNS mappings when they could not be taken out.
func (r *Runner) restoreRecords(ctx context.Context, state projectState, keep map[string]bool, dns bool) error {
	var errs []error
	for _, rec := range state.records {
		if keep[rec.name] {
			errs = append(errs, r.writeRecord(ctx, state.project, rec))
		}
	}
	if dns {
		for _, rec := range state.dns {
			errs = append(errs, r.writeDNSRecord(ctx, state.project, rec.volume, nil, rec))
		}
	}
	return errors.Join(errs...)
}

// detachHeld ends an attachment through the daemon that holds it (see
// contractFor).
func (r *Runner) detachHeld(ctx context.Context, s projectState, st *telepresence.Status, a vocab.DetachOptions) error {
	c, err := s.contractFor(st, a)
	if err != nil {
		return err
	}
	return r.detach(ctx, c, a)
}

// contractFor is how to talk to the daemon that holds an attachment: the
// one its record names (the connection it was made through), else the one
// its handler names, else the only one that runs. An attachment is never
// ended through another daemon: there, "not found" would only say that
// daemon does not hold it. So when the daemon it names does not run, the
// attachment's record is kept, and down says why.
func (s projectState) contractFor(st *telepresence.Status, a vocab.DetachOptions) (telepresence.Contract, error) {
	connection, container := s.holderOf(a.Name)
	for _, d := range st.Daemons {
		if connection != "" && d.Name == connection || connection == "" && container != "" && d.Container() == container {
			return st.ContractFor(d), nil
		}
	}
	daemon := connection
	switch {
	case daemon == "" && container != "":
		daemon = container
	case daemon == "" && len(st.Daemons) == 1:
		return st.ContractFor(st.Daemons[0]), nil
	case daemon == "":
		return telepresence.Contract{}, fmt.Errorf("cannot end %s %s: nothing records which of the %d Telepresence daemons holds it, so its record is kept (hint: end it with telepresence and --use <daemon>)",
			a.Kind, a.Name, len(st.Daemons))
	}
	return telepresence.Contract{}, fmt.Errorf("cannot end %s %s: it was made through the Telepresence daemon %s, which does not run now, so its record is kept "+
		"(hint: connect that daemon again and run down again; if it quit, the %s ended with it, and `docker volume rm %s` forgets it)",
		a.Kind, a.Name, daemon, a.Kind, recordVolume(s.project, a))
}

// holderOf names the daemon an attachment was made through: the
// connection its record names, and the daemon container its handler's
// label names.
func (s projectState) holderOf(attachment string) (connection, container string) {
	for _, rec := range s.records {
		if rec.name == attachment && !rec.unread {
			connection = rec.request.Connection
		}
	}
	for _, c := range s.containers {
		if c.Labels[labels.Attachment] == attachment && c.Labels[labels.DaemonContainer] != "" {
			container = c.Labels[labels.DaemonContainer]
		}
	}
	return connection, container
}

// removeProject detaches the daemon containers from the networks they
// joined for the project (a network with a foreign endpoint cannot be
// removed), runs Compose down and removes the Telemount volumes and the
// records.
func (r *Runner) removeProject(ctx context.Context, state projectState, daemonContainers []string, down api.DownOptions, keep map[string]bool) error {
	var errs []error
	for _, c := range slices.Compact(slices.Sorted(slices.Values(daemonContainers))) {
		errs = append(errs, r.detachDaemon(ctx, state.project, c, state.daemonNetworks(c)))
	}
	if err := r.Compose.Down(ctx, state.project, down); err != nil {
		errs = append(errs, fmt.Errorf("compose down: %w", err))
	}
	errs = append(errs, r.removeVolumes(ctx, state.project, keep))
	return errors.Join(errs...)
}

// removeVolumes removes the project's Telemount volumes and the records of
// its intercepts, except those in keep (still live). The record of the DNS
// mappings is removeDNS's.
func (r *Runner) removeVolumes(ctx context.Context, project string, keep map[string]bool) error {
	volumes, err := r.Engine.ProjectVolumes(ctx, project)
	if err != nil {
		return r.engineError(err)
	}
	var errs []error
	for _, v := range volumes {
		_, telemount := v.Labels[labels.Telemount]
		intercept, marker := v.Labels[labels.Attachment]
		if !telemount && (!marker || keep[intercept]) {
			continue
		}
		if err := r.Engine.RemoveVolume(ctx, v.Name); err != nil {
			errs = append(errs, fmt.Errorf("removing volume %s: %w", v.Name, err))
		}
	}
	return errors.Join(errs...)
}

// names lists attachments as KIND NAME, for messages.
func names(list []vocab.DetachOptions) string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = string(a.Kind) + " " + a.Name
	}
	return "[" + strings.Join(out, ", ") + "]"
}
