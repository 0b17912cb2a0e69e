package lifecycle

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/transform"
)

// attachHandlers makes the handlers reachable by the daemon under their
// names once Compose has created them: the daemon joins their networks
// (netns model), or each keeps its alias on the Teleroute network.
func (u *upRun) attachHandlers(ctx context.Context, project *types.Project, res *transform.Result) error {
	if s := u.netnsSession(); s != nil {
		return u.attachDaemon(ctx, s, res)
	}
	return u.realiasHandlers(ctx, project)
}
