package lifecycle

import (
	"context"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/transform"
)

// PlaceholderDaemon names the daemon container in `config` output when
// Telepresence is not connected.
const PlaceholderDaemon = "tp-daemon-not-connected"

// Masked replaces the pod's environment values in `config` output unless
// the user asks to see them.
const Masked = "********"

// probeTimeout bounds what `config` asks Telepresence and the engine: it
// must stay quick and work without either.
const probeTimeout = 5 * time.Second

// Config transforms the project without creating anything. When the
// project is up, the handlers get the environment and volumes of their live
// intercepts (environment values masked unless showEnv); otherwise they are
// left out. The daemon container is the connected one, or a placeholder.
func (r *Runner) Config(ctx context.Context, project *types.Project, in *transform.Intent, showEnv bool) (*transform.Result, error) {
	plan, err := transform.NewPlan(project, in)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	rt := transform.Runtime{DaemonContainer: PlaceholderDaemon, VolumeDriver: r.VolumeDriver, Intercepts: map[string]transform.Intercept{}}
	if st, err := r.Telepresence.Status(ctx); err == nil && st.Running {
		rt.DaemonContainer = st.DaemonContainer()
		if d, err := r.Engine.Daemon(ctx, rt.DaemonContainer); err == nil {
			rt.DaemonIP, rt.Network = d.IP, d.Network
		}
		r.addLiveIntercepts(ctx, project.Name, plan, &rt, showEnv)
	} else if len(plan.Intercepts) > 0 {
		r.printf("NOTE: Telepresence is not connected; the daemon container is shown as %q", PlaceholderDaemon)
	}
	res, err := transform.Apply(project, in, rt)
	if err != nil {
		return nil, err
	}
	r.warn(plan.Warnings...)
	r.warn(res.Warnings...)
	if missing := len(plan.Intercepts) - len(rt.Intercepts); missing > 0 {
		r.printf("NOTE: the pod's environment and volumes are added to the intercept handlers at `up`")
	}
	if len(rt.Intercepts) > 0 && !showEnv {
		r.printf("NOTE: the pod's environment is masked; --show-env shows it")
	}
	return res, nil
}

// addLiveIntercepts fills in the intercepts the running project holds.
func (r *Runner) addLiveIntercepts(ctx context.Context, project string, plan *transform.Plan, rt *transform.Runtime, showEnv bool) {
	f, err := r.find(ctx, project)
	if err != nil {
		return // not up, as far as config can tell
	}
	for _, req := range plan.Intercepts {
		ic, live, err := r.liveIntercept(ctx, f, req)
		if err != nil || !live {
			continue
		}
		if !showEnv {
			masked := make(map[string]string, len(ic.Environment))
			for k, v := range ic.Environment {
				masked[k] = Masked
				if strings.HasPrefix(k, "TELEPRESENCE_") {
					masked[k] = v // Telepresence's own: container name and mount paths
				}
			}
			ic.Environment = masked
		}
		rt.Intercepts[req.Service] = ic
		if rt.VolumeDriver == "" {
			if arch, err := r.Engine.Architecture(ctx); err == nil {
				rt.VolumeDriver = DefaultVolumePlugin + ":" + arch
			}
		}
	}
}
