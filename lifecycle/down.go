package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
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
	// Project is the project without its remote services, when its
	// compose files are at hand: what --rmi removes the images of, even
	// once the project is down.
	Project *types.Project
}

// Down ends the project's attachments, takes its DNS mappings out of the
// daemon, removes its containers and networks and its Telemount volumes.
// Everything is found from labels on the Docker side, so it works from a
// new process and after a crash, in both network models.
func (r *Runner) Down(ctx context.Context, opts DownOptions) error {
	if opts.Images != "" && opts.Project != nil {
		if state, err := r.find(ctx, opts.ProjectName); err != nil || state.Empty() {
			// Nothing of the project is left but its images: Compose's down
			// of the project removes them, as `docker compose down --rmi`.
			return errors.Join(err, r.Compose.Down(ctx, opts.ProjectName, api.DownOptions{Project: opts.Project, Images: opts.Images}))
		}
	}
	r, state, unlock, err := r.openProject(ctx, opts.ProjectName)
	if err != nil || unlock == nil {
		return err
	}
	defer unlock()
	op := r.start(ctx, "down")
	defer op.done(true)
	st, stErr := &telepresence.Status{}, error(nil)
	if state.UsedTelepresence() { // else nothing needs Telepresence, which may not be installed
		st, stErr = r.Telepresence.Status(ctx)
	}
	// Leave first: the labels are the only record of the attachments, so a
	// record goes only once its intercept is gone, and a failed leave can be
	// retried by the next down.
	keep, errs := r.endEvery(ctx, state, st, stErr)
	dnsErr := stErr
	if stErr == nil {
		dnsErr = r.removeDNS(ctx, state, st)
		errs = append(errs, dnsErr)
	}
	containers := state.DaemonContainers()
	if stErr == nil {
		for _, d := range st.Daemons {
			containers = append(containers, d.Container())
		}
	}
	op.done(len(errs) == 0) // Compose's down comes next
	if state.HasResources() {
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

// restoreRecords writes again the records of the attachments in keep, and
// the record of the DNS mappings when they could not be taken out.
func (r *Runner) restoreRecords(ctx context.Context, state records.State, keep map[string]bool, dns bool) error {
	var errs []error
	for _, rec := range state.Attachments {
		if keep[rec.Name] {
			errs = append(errs, r.writeRecord(ctx, state.Project, rec))
		}
	}
	if dns {
		for _, rec := range state.DNS {
			errs = append(errs, r.writeDNSRecord(ctx, state.Project, rec.Volume, nil, rec))
		}
	}
	return errors.Join(errs...)
}

// removeProject detaches the daemon containers from the networks they
// joined for the project (a network with a foreign endpoint cannot be
// removed), runs Compose down and removes the Telemount volumes and the
// records.
func (r *Runner) removeProject(ctx context.Context, state records.State, daemonContainers []string, down api.DownOptions, keep map[string]bool) error {
	var errs []error
	for _, c := range slices.Compact(slices.Sorted(slices.Values(daemonContainers))) {
		errs = append(errs, r.disconnectDaemon(ctx, state.Project, c, state.DaemonNetworks(c)))
	}
	if err := r.Compose.Down(ctx, state.Project, down); err != nil {
		errs = append(errs, fmt.Errorf("compose down: %w", err))
	}
	errs = append(errs, r.removeVolumes(ctx, state.Project, keep))
	return errors.Join(errs...)
}

// removeVolumes removes the project's Telemount volumes and the records of
// its attachments, except those in keep (still live). The record of the DNS
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
func names(list []vocab.AttachmentRef) string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = string(a.Kind) + " " + a.Name
	}
	return "[" + strings.Join(out, ", ") + "]"
}
