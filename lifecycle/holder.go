package lifecycle

import (
	"fmt"
	"maps"
	"slices"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// Which daemon holds an attachment of the project: the one its record
// names (the connection it was made through), else the one its handler's
// label names, else the only one that runs. An attachment is never ended
// through another daemon: there, "not found" would only say that daemon
// does not hold it. `up`, `stop`, `down` and `status` all ask this.

// holding is what the Docker side records of the daemon that holds an
// attachment: the connection its record names, and the daemon container
// its handler's label names.
type holding struct {
	connection, container string
}

func holdingOf(s records.State, attachment string) holding {
	var h holding
	for _, rec := range s.Attachments {
		if rec.Name == attachment && !rec.Unread {
			h.connection = rec.Request.Connection
		}
	}
	for _, c := range s.Containers {
		if c.Labels[labels.Attachment] == attachment && c.Labels[labels.DaemonContainer] != "" {
			h.container = c.Labels[labels.DaemonContainer]
		}
	}
	return h
}

// in finds the holder among the daemons that run: nil when none of them
// holds it, with unrecorded true when nothing records the holder and
// several run.
func (h holding) in(daemons []telepresence.Daemon) (d *telepresence.Daemon, unrecorded bool) {
	i := slices.IndexFunc(daemons, func(d telepresence.Daemon) bool {
		return h.connection != "" && d.Name == h.connection || h.connection == "" && h.container != "" && d.Container() == h.container
	})
	switch {
	case i >= 0:
		return &daemons[i], false
	case h.connection != "" || h.container != "":
		return nil, false
	case len(daemons) == 1:
		return &daemons[0], false
	}
	return nil, len(daemons) > 1
}

// sessionHolding is the session of this run whose daemon holds an
// attachment, if any.
func (u *upRun) sessionHolding(h holding) *session {
	names := slices.Sorted(maps.Keys(u.sessions))
	daemons := make([]telepresence.Daemon, len(names))
	for i, name := range names {
		daemons[i] = u.sessions[name].daemon
	}
	d, _ := h.in(daemons)
	for _, name := range names {
		if s := u.sessions[name]; d != nil && s.daemon.Name == d.Name {
			return s
		}
	}
	return nil
}

// name names the holder for messages.
func (h holding) name() string {
	if h.connection != "" {
		return h.connection
	}
	return h.container
}

// holderContract is how to talk to the daemon that holds an attachment,
// among those status reports. When the daemon it names does not run, the
// attachment's record is kept, and the error says why.
func holderContract(s records.State, st *telepresence.Status, a vocab.AttachmentRef) (telepresence.Contract, error) {
	h := holdingOf(s, a.Name)
	d, unrecorded := h.in(st.Daemons)
	switch {
	case d != nil:
		return st.ContractFor(*d), nil
	case unrecorded:
		return telepresence.Contract{}, fmt.Errorf("cannot end %s %s: nothing records which of the %d Telepresence daemons holds it, so its record is kept (hint: end it with telepresence and --use <daemon>)",
			a.Kind, a.Name, len(st.Daemons))
	}
	return telepresence.Contract{}, fmt.Errorf("cannot end %s %s: it was made through the Telepresence daemon %s, which does not run now, so its record is kept "+
		"(hint: connect that daemon again and run down again; if it quit, the %s ended with it, and `docker volume rm %s` forgets it)",
		a.Kind, a.Name, h.name(), a.Kind, records.VolumeName(s.Project, a))
}
