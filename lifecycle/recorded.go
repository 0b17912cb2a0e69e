package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// ErrNotUp means a command needs the project as `up` runs it (a run of a
// handler, a scale), and Telepresence or the handler's attachment is not
// there.
var ErrNotUp = errors.New("the project is not up with Telepresence")

// asUpRan is the project as `up` ran it, rebuilt from what is recorded on
// Docker and what Telepresence reports: the daemons of its connections,
// which must run, and the handlers' live attachments. Nothing is attached,
// connected or changed: Telepresence is asked for its status only.
type asUpRan struct {
	project *types.Project
	model   vocab.Model
	// detached are the handlers without a live attachment: their
	// containers do not run, or never did.
	detached []string
}

// recorded rebuilds the project as `up` ran it. A project that declares
// nothing for Telepresence is as Compose has it. In the Teleroute model,
// reach is a local service that also joins the cluster, as cluster: true
// would have it ("" for none).
func (r *Runner) recorded(ctx context.Context, project *types.Project, in *transform.Intent, reach string) (*asUpRan, error) {
	if !in.Declares() {
		return &asUpRan{project: project}, nil
	}
	plan, err := transform.NewPlan(project, in)
	if err != nil {
		return nil, err
	}
	sessions, err := r.runningSessions(ctx, in)
	if err != nil {
		return nil, err
	}
	state, err := r.find(ctx, project.Name)
	if err != nil {
		return nil, err
	}
	out := &asUpRan{model: vocab.ModelTeleroute}
	attachments := map[string]vocab.Attachment{}
	for _, req := range plan.Attachments {
		a, live, err := r.recordedAttachment(ctx, state, req)
		if err != nil {
			return nil, err
		}
		if !live {
			out.detached = append(out.detached, req.Service)
			continue
		}
		attachments[req.Service] = a
	}
	driver := r.VolumeDriver
	if driver == "" {
		driver, _, _ = r.telemount(ctx)
	}
	rt, err := r.runtime(ctx, sessions, driver, attachments, state, r.Engine.ListNetworks)
	if err != nil {
		return nil, err
	}
	out.model = rt.Model
	if reach != "" && rt.Model == vocab.ModelTeleroute {
		in = in.WithCluster(reach)
	}
	res, err := transform.Apply(project, in, rt)
	if err != nil {
		return nil, err
	}
	out.project = res.Project
	return out, nil
}

// runningSessions are the daemons of the connections the project uses,
// which must run: nothing is connected.
func (r *Runner) runningSessions(ctx context.Context, in *transform.Intent) (map[string]*session, error) {
	st, err := r.Telepresence.Status(ctx)
	if err != nil {
		return nil, err
	}
	sessions := map[string]*session{}
	conns := usedConnections(in)
	for _, conn := range conns {
		d, contract, err := selectDaemon(st, conn)
		if err != nil {
			return nil, err
		}
		if d == nil {
			return nil, fmt.Errorf("%w: no Telepresence daemon runs for %s (hint: `docker telepresence up` connects it)", ErrNotUp, connectionName(conn))
		}
		if len(conns) > 1 {
			contract.Use = d.Name
		}
		if sessions[conn.Name], err = r.open(ctx, d, contract); err != nil {
			return nil, err
		}
	}
	return sessions, nil
}

func connectionName(conn transform.Connection) string {
	if conn.Name != "" {
		return "connection " + conn.Name
	}
	return "the project"
}

// recordedAttachment is the live attachment of a handler: the one its
// running container carries.
func (r *Runner) recordedAttachment(ctx context.Context, state records.State, req transform.AttachRequest) (vocab.Attachment, bool, error) {
	i := slices.IndexFunc(state.Containers, func(c engine.Container) bool {
		return c.Service == req.Service && c.Labels[labels.Attachment] != "" && c.Running
	})
	if i < 0 {
		return vocab.Attachment{}, false, nil
	}
	ref := vocab.AttachmentRef{Kind: req.Kind, Name: state.Containers[i].Labels[labels.Attachment], Container: req.Container}
	return r.liveAttachment(ctx, state, req.Service, ref)
}
