package lifecycle

import (
	"context"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/transform"
)

// PlaceholderDaemon names the daemon container in `config` output when
// Telepresence is not connected.
const PlaceholderDaemon = "tp-daemon-not-connected"

// statusTimeout bounds the status call of `config`, which must stay quick
// and work without Telepresence.
const statusTimeout = 5 * time.Second

// Config transforms the project without creating anything. Environment and
// volumes come from intercepts, so they are left out; the daemon container
// is the connected one, or a placeholder.
func (r *Runner) Config(ctx context.Context, project *types.Project, in *transform.Intent) (*transform.Result, error) {
	plan, err := transform.NewPlan(project, in)
	if err != nil {
		return nil, err
	}
	daemon := PlaceholderDaemon
	sctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	if st, err := r.Telepresence.Status(sctx); err == nil && st.Running {
		daemon = st.DaemonContainer()
	} else if len(plan.Intercepts) > 0 {
		r.printf("NOTE: Telepresence is not connected; the daemon container is shown as %q", PlaceholderDaemon)
	}
	res, err := transform.Apply(project, in, transform.Runtime{DaemonContainer: daemon})
	if err != nil {
		return nil, err
	}
	r.warn(plan.Warnings...)
	r.warn(res.Warnings...)
	if len(plan.Intercepts) > 0 {
		r.printf("NOTE: the pod's environment and volumes are added to the intercept handlers at `up`")
	}
	return res, nil
}
