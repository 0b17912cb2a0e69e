package lifecycle

import (
	"context"
	"slices"
	"strings"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/lifecycle/records"
	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// ProjectStatus is what `status` shows of a project: found, like `down`
// finds it, from what the Docker side records, and from Telepresence.
type ProjectStatus struct {
	Project string `json:"project"`
	// Up is false when the project has nothing on the Docker side: no
	// container, network, volume or record.
	Up bool `json:"up"`
	// Daemon is the daemon the project's handlers work with; nil when no
	// daemon runs for it.
	Daemon      *DaemonStatus      `json:"daemon"`
	Attachments []AttachmentStatus `json:"attachments"`
	Handlers    []HandlerStatus    `json:"handlers"`
	Remote      []RemoteStatus     `json:"remote"`
	// Problem says why Telepresence could not be asked, if it could not.
	Problem string `json:"problem,omitempty"`
}

// DaemonStatus is the Telepresence daemon of a project.
type DaemonStatus struct {
	Name      string `json:"name"`
	Container string `json:"container"`
	Model     string `json:"model"`
	Version   string `json:"version"`
	Context   string `json:"context"`
	Namespace string `json:"namespace"`
}

// The states of an attachment.
const (
	// StateLive: the daemon holds it.
	StateLive = "live"
	// StateEnded: it ended (left, or gone in the cluster) and its record
	// remains, which `down` removes.
	StateEnded = "ended"
	// StateUnknown: Telepresence cannot tell (it did not answer, or lists
	// no ingests: before 2.31).
	StateUnknown = "unknown"
)

// AttachmentStatus is one attachment of the project.
type AttachmentStatus struct {
	Kind        string   `json:"kind"`
	Name        string   `json:"name"`
	Service     string   `json:"service"`
	Workload    string   `json:"workload"`
	Ports       []string `json:"ports"`
	HTTPHeaders []string `json:"httpHeaders"`
	// HTTPPaths are its path filters: path=P (httpPaths), prefix=P
	// (httpPathPrefixes) and regex=R (httpPathRegexps).
	HTTPPaths []string `json:"httpPaths"`
	State     string   `json:"state"`
	// Connection is the name of the daemon's connection that holds it.
	Connection string `json:"connection"`
}

// HandlerStatus is a handler container.
type HandlerStatus struct {
	Container  string `json:"container"`
	Service    string `json:"service"`
	Attachment string `json:"attachment"`
	Running    bool   `json:"running"`
}

// RemoteStatus is a remote service and the cluster name it resolves to.
type RemoteStatus struct {
	Service string `json:"service"`
	// AliasFor is its DNS mapping; empty when it resolves in the connected
	// namespace by its own name.
	AliasFor string `json:"aliasFor"`
	// Connection is the name of the daemon's connection that maps it.
	Connection string `json:"connection"`
}

// Status reports a project, from a new process, in either model.
func (r *Runner) Status(ctx context.Context, project string) (*ProjectStatus, error) {
	state, err := r.find(ctx, project)
	if err != nil {
		return nil, err
	}
	out := &ProjectStatus{Project: project, Up: !state.Empty(), Attachments: []AttachmentStatus{}, Handlers: []HandlerStatus{}, Remote: []RemoteStatus{}}
	if !out.Up {
		return out, nil
	}
	st, err := r.Telepresence.Status(ctx)
	if err != nil {
		out.Problem = err.Error()
		st = &telepresence.Status{}
	}
	d := projectDaemon(state, st)
	if d != nil {
		out.Daemon = &DaemonStatus{Name: d.Name, Container: d.Container(), Model: string(d.Model()), Version: d.ReleaseName(),
			Context: d.Context, Namespace: d.Namespace}
	}
	for _, rec := range state.Attachments {
		holder, _ := holdingOf(state, rec.Name).in(st.Daemons)
		out.Attachments = append(out.Attachments, attachmentStatus(rec, holder, out.Problem != ""))
	}
	slices.SortFunc(out.Attachments, func(a, b AttachmentStatus) int { return strings.Compare(a.Name, b.Name) })
	for _, c := range state.Containers {
		if name := c.Labels[labels.Attachment]; name != "" {
			out.Handlers = append(out.Handlers, HandlerStatus{Container: c.Name, Service: c.Service, Attachment: name, Running: c.Running})
		}
	}
	for _, rec := range state.DNS {
		for _, name := range rec.Remote {
			rs := RemoteStatus{Service: name, Connection: rec.Connection}
			if i := slices.IndexFunc(rec.Mappings, func(m vocab.DNSMapping) bool { return m.Name == name }); i >= 0 {
				rs.AliasFor = rec.Mappings[i].AliasFor
			}
			out.Remote = append(out.Remote, rs)
		}
	}
	return out, nil
}

// attachmentStatus is what a record says of its attachment, and whether
// the daemon d holds it.
func attachmentStatus(rec records.Attachment, d *telepresence.Daemon, unanswered bool) AttachmentStatus {
	ref := rec.Ref()
	as := AttachmentStatus{Kind: string(ref.Kind), Name: rec.Name, Service: rec.Service, Ports: []string{}, HTTPHeaders: []string{}, HTTPPaths: []string{},
		State: StateEnded}
	if !rec.Unread {
		q := rec.Request
		as.Workload, as.Connection = q.Workload, q.Connection
		as.Ports = append(as.Ports, q.Ports...)
		as.HTTPHeaders = append(as.HTTPHeaders, q.Headers...)
		for prefix, paths := range map[string][]string{"path=": q.HTTPPaths, "prefix=": q.HTTPPathPrefixes, "regex=": q.HTTPPathRegexps} {
			for _, p := range paths {
				as.HTTPPaths = append(as.HTTPPaths, prefix+p)
			}
		}
		slices.Sort(as.HTTPPaths)
	}
	switch {
	case unanswered:
		as.State = StateUnknown
	case d != nil:
		if held, known := d.Holds(ref.Kind, ref.Name, ref.Container); !known {
			as.State = StateUnknown
		} else if held {
			as.State = StateLive
		}
	}
	return as
}

// projectDaemon is the daemon the project works with, which status shows:
// the running daemon whose connection the project's records name, or whose
// container its handlers name, else the only one that runs.
func projectDaemon(s records.State, st *telepresence.Status) *telepresence.Daemon {
	var connections []string
	for _, rec := range s.DNS {
		connections = append(connections, rec.Connection)
	}
	for _, rec := range s.Attachments {
		if !rec.Unread {
			connections = append(connections, rec.Request.Connection)
		}
	}
	containers := s.DaemonContainers()
	for i, d := range st.Daemons {
		if slices.Contains(connections, d.Name) || slices.Contains(containers, d.Container()) {
			return &st.Daemons[i]
		}
	}
	if len(st.Daemons) == 1 {
		return &st.Daemons[0]
	}
	return nil
}
