package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/internal/lock"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
)

// subnetsLock is the lock of the subnets the plugin chooses for the
// networks it has Compose make (docs/network-models.md#subnets): "@" keeps
// it apart from every project's lock.
const subnetsLock = "subnets@docker"

// subnetsLockWait bounds the wait for other runs that make networks. A run
// holds the lock while Compose creates its project, whose images are there
// already: seconds, also on a busy machine.
const subnetsLockWait = 10 * time.Minute

// networksToChooseFrom lists Docker's networks, whose subnets the project's
// networks must stay clear of. When the project has a network to make, the
// run first takes the subnets lock, which it keeps until Compose has made
// the network (madeNetworks), and lists them then: two projects started at
// once would otherwise both take the first free subnet, and Docker refuses
// the second ("Pool overlaps with other one on this address space").
// Otherwise the list read as the run began does, unless the run started a
// daemon, which made a network since.
func (u *upRun) networksToChooseFrom(ctx context.Context) ([]engine.Network, error) {
	if u.makesNetworks() && (u.opts.Mode != Watch || !u.opts.NoUp) { // watch --no-up makes nothing
		unlock, err := u.lockSubnets(ctx)
		if err != nil {
			return nil, err
		}
		u.subnetsHeld = unlock
		return u.Engine.ListNetworks(ctx)
	}
	if u.networks == nil {
		return u.Engine.ListNetworks(ctx)
	}
	return u.networks.wait(ctx)
}

// makesNetworks says whether Compose will make a network of the project:
// one it declares (external ones exist) that Docker does not have.
func (u *upRun) makesNetworks() bool {
	for _, n := range u.opts.Project.Networks {
		exists := slices.ContainsFunc(u.before.Networks, func(b engine.Network) bool { return b.Name == n.Name })
		if !bool(n.External) && !exists {
			return true
		}
	}
	return false
}

// lockSubnets takes the subnets lock, waiting while other runs make their
// networks; nil when the run locks nothing (a dry run makes no network).
func (u *upRun) lockSubnets(ctx context.Context) (func(), error) {
	if u.Locker == nil || u.DryRun {
		return nil, nil
	}
	if unlock, err := u.Locker.Lock(subnetsLock); err == nil {
		return unlock, nil
	} else if !errors.Is(err, lock.ErrBusy) {
		return nil, err
	}
	u.event("Networks", api.Working, "Waiting", "for another docker telepresence run to make its networks")
	unlock, err := lock.Wait(ctx, u.Locker, subnetsLock, subnetsLockWait)
	var busy *lock.BusyError
	if errors.As(err, &busy) {
		return nil, fmt.Errorf("waited %s for another docker telepresence command (pid %s) to make its networks "+
			"(hint: if that command hangs, stop it, then try again)", subnetsLockWait, busy.PID)
	}
	if err == nil {
		u.event("Networks", api.Done, "Chosen", "")
	}
	return unlock, err
}

// madeNetworks releases the subnets lock, if the run holds it: the
// project's networks exist, or the run failed.
func (u *upRun) madeNetworks() {
	if u.subnetsHeld != nil {
		u.subnetsHeld()
		u.subnetsHeld = nil
	}
}
