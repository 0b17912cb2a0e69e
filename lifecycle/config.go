package lifecycle

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// Placeholders for what `config`, and a dry run that would connect, cannot
// know without a connected daemon: its container, its Teleroute network,
// and the namespace a connect that names none gives it (the kubeconfig
// context's).
const (
	PlaceholderDaemon    = "tp-daemon-not-connected"
	PlaceholderNetwork   = "telepresence-not-connected"
	PlaceholderNamespace = "<connected-namespace>"
)

// Masked replaces the pod's environment values in `config` output unless
// the user asks to see them.
const Masked = "********"

// ConfigOptions are the options of `config`.
type ConfigOptions struct {
	// ShowEnv shows the pod's environment, masked otherwise.
	ShowEnv bool
	// Services are the services named (config SERVICE...), selected as
	// up selects them; none means all.
	Services []string
}

// probeTimeout bounds what `config` asks Telepresence and the engine: it
// must stay quick and work without either.
const probeTimeout = 5 * time.Second

// Config transforms the project without creating anything, in the model of
// the connected daemon, or of the installed Telepresence, and says which.
// When the project is up, the handlers get the environment and volumes of
// their live attachments (environment values masked unless ShowEnv).
// With Services, the result is the project `up SERVICE...` would run.
func (r *Runner) Config(ctx context.Context, project *types.Project, in *transform.Intent, opts ConfigOptions) (*transform.Result, error) {
	plan, err := transform.NewPlan(project, in)
	if err != nil {
		return nil, err
	}
	selected, err := transform.Select(project, in, opts.Services)
	if err != nil {
		return nil, err
	}
	plan = plan.Only(selected)
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	rt, why := r.configRuntime(ctx, project.Name, plan, in.Connection())
	r.printf("NOTE: %s", why)
	r.printf("%s", servicesSummary(project, plan, rt.Model))
	if !opts.ShowEnv {
		maskEnvironment(rt.Attachments)
	}
	res, err := transform.Apply(project, in.Only(selected), rt)
	if err != nil {
		return nil, err
	}
	// As Compose's config of named services prints it: without the
	// networks and volumes they do not use.
	shown, err := narrowed(res.Project, selected)
	if err != nil {
		return nil, err
	}
	if len(selected) > 0 {
		shown = shown.WithoutUnnecessaryResources()
	}
	res.Project = shown
	r.warn(plan.Warnings...)
	r.warn(res.Warnings...)
	if len(plan.Attachments) > len(rt.Attachments) {
		r.printf("NOTE: the pod's environment and volumes are added to the intercept handlers at `up`")
	}
	if len(rt.Attachments) > 0 && !opts.ShowEnv {
		r.printf("NOTE: the pod's environment is masked; --show-env shows it")
	}
	return res, nil
}

// servicesSummary says in a line where each service runs: attached to a
// workload, remote (the cluster's), or local, and which local ones reach
// the cluster (in the Teleroute model; in the netns model only handlers
// do).
func servicesSummary(project *types.Project, plan *transform.Plan, model vocab.Model) string {
	var attached, local, cluster []string
	done := map[string]bool{}
	for _, a := range plan.Attachments {
		attached = append(attached, fmt.Sprintf("%s (%s of %s)", a.Service, a.Kind, a.Workload))
		done[a.Service] = true
	}
	for _, r := range plan.Remote {
		done[r] = true
	}
	for _, name := range project.ServiceNames() {
		switch {
		case done[name]:
		case model == vocab.ModelTeleroute && slices.Contains(plan.ClusterServices, name):
			cluster = append(cluster, name)
		default:
			local = append(local, name)
		}
	}
	parts := []string{}
	for _, p := range []struct {
		what  string
		names []string
	}{{"attached", attached}, {"remote (the cluster's)", plan.Remote}, {"local, reaching the cluster", cluster}, {"local", local}} {
		if len(p.names) > 0 {
			parts = append(parts, p.what+": "+strings.Join(p.names, ", "))
		}
	}
	return "Services: " + strings.Join(parts, "; ")
}

// configRuntime is the runtime `up` would use, as far as it can be known
// without changing anything, and why it is in that model.
func (r *Runner) configRuntime(ctx context.Context, project string, plan *transform.Plan, conn transform.Connection) (transform.Runtime, string) {
	var d *telepresence.Daemon
	var contract telepresence.Contract
	st, err := r.Telepresence.Status(ctx)
	if err == nil {
		d, contract, err = st.Select(conn.Context, conn.Namespace)
	}
	if err == nil && d != nil {
		s, err := r.open(ctx, d, contract)
		if err == nil {
			return r.connectedRuntime(ctx, project, plan, conn, s)
		}
		r.warn(err.Error())
	}
	return r.unconnectedRuntime(ctx, conn, err)
}

// connectedRuntime is the runtime of the daemon that runs, with the live
// attachments of the project when it is up.
func (r *Runner) connectedRuntime(ctx context.Context, project string, plan *transform.Plan, conn transform.Connection, s *session) (transform.Runtime, string) {
	why := fmt.Sprintf("showing the %s model: Telepresence %s runs the daemon %s", s.model(), s.daemon.ReleaseName(), s.daemon.Container())
	state, err := r.find(ctx, project)
	if err != nil {
		state = records.State{Project: project}
	}
	attachments := map[string]vocab.Attachment{}
	for _, req := range plan.Attachments {
		if a, live, err := r.recordedAttachment(ctx, state, req); err == nil && live {
			attachments[req.Service] = a
		}
	}
	rt, err := r.runtime(ctx, map[string]*session{conn.Name: s}, r.configDriver(ctx, attachments), attachments, state, r.Engine.ListNetworks)
	if err != nil {
		r.warn(err.Error())
	}
	if s.model() == vocab.ModelTelerouteNoNetwork {
		d := rt.Daemons[conn.Name]
		d.Network = PlaceholderNetwork
		rt.Daemons[conn.Name] = d
		if plan.NeedsDaemonNetwork() {
			r.warn(fmt.Sprintf("the daemon %s routes no cluster subnet and has no Teleroute network: `up` refuses to start this project", s.daemon.Container()))
		}
	}
	return rt, why
}

// unconnectedRuntime shows the model of the installed Telepresence, or the
// Teleroute model (every release since 2.23) when none is installed.
func (r *Runner) unconnectedRuntime(ctx context.Context, conn transform.Connection, statusErr error) (transform.Runtime, string) {
	placeholder := transform.DaemonRuntime{Container: PlaceholderDaemon, Network: PlaceholderNetwork}
	// Without a daemon there is no attachment, so no pod volume, and no
	// volume driver to find.
	rt := transform.Runtime{Model: vocab.ModelTeleroute, Daemons: map[string]transform.DaemonRuntime{conn.Name: placeholder},
		VolumeDriver: r.VolumeDriver, Attachments: map[string]vocab.Attachment{}}
	v, err := r.Telepresence.ClientVersion(ctx)
	switch {
	case err != nil:
		return rt, fmt.Sprintf("showing the %s model of Telepresence %s and newer: the telepresence CLI does not answer (%v)",
			vocab.ModelTeleroute, vocab.Teleroute, firstErr(statusErr, err))
	case vocab.ModelFor(v) == vocab.ModelNetns:
		placeholder.Network = transform.DefaultNetwork
		rt.Model, rt.Daemons[conn.Name] = vocab.ModelNetns, placeholder
	}
	return rt, fmt.Sprintf("showing the %s model of the installed Telepresence %s: no daemon is connected, so the daemon container is shown as %q",
		rt.Model, v, PlaceholderDaemon)
}

// configDriver is the volume driver of the pod volumes config shows: the
// one up would use, looked up only when a live attachment has volumes.
func (r *Runner) configDriver(ctx context.Context, attachments map[string]vocab.Attachment) string {
	if r.VolumeDriver != "" || !slices.ContainsFunc(slices.Collect(maps.Values(attachments)), func(a vocab.Attachment) bool { return len(a.Mounts) > 0 }) {
		return r.VolumeDriver
	}
	driver, _, _ := r.telemount(ctx)
	return driver
}

func firstErr(errs ...error) error {
	i := slices.IndexFunc(errs, func(e error) bool { return e != nil })
	if i < 0 {
		return nil
	}
	return errs[i]
}

// maskEnvironment hides the pod's values, except Telepresence's own (the
// container name and mount paths, which name the volumes).
func maskEnvironment(intercepts map[string]vocab.Attachment) {
	for service, ic := range intercepts {
		masked := make(map[string]string, len(ic.Environment))
		for k, v := range ic.Environment {
			masked[k] = Masked
			if strings.HasPrefix(k, "TELEPRESENCE_") {
				masked[k] = v
			}
		}
		ic.Environment = masked
		intercepts[service] = ic
	}
}
