package lifecycle

import (
	"context"
	"slices"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// ProjectStatus is what `status` shows of a project: found, like `down`
// finds it, from what the Docker side records, and from Telepresence.
type ProjectStatus struct {
	Project string `json:"project"`
	// Daemon is the daemon the project's handlers work with; nil when no
	// daemon runs for it.
	Daemon     *DaemonStatus     `json:"daemon"`
	Intercepts []InterceptStatus `json:"intercepts"`
	Handlers   []HandlerStatus   `json:"handlers"`
	Remote     []RemoteStatus    `json:"remote"`
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

// InterceptStatus is one intercept of the project.
type InterceptStatus struct {
	Name        string   `json:"name"`
	Service     string   `json:"service"`
	Workload    string   `json:"workload"`
	Port        string   `json:"port"`
	HTTPHeaders []string `json:"httpHeaders"`
	// Live is true when the daemon holds the intercept.
	Live bool `json:"live"`
}

// HandlerStatus is a handler container.
type HandlerStatus struct {
	Container string `json:"container"`
	Service   string `json:"service"`
	Intercept string `json:"intercept"`
	Running   bool   `json:"running"`
}

// RemoteStatus is a remote service and the cluster name it resolves to.
type RemoteStatus struct {
	Service string `json:"service"`
	// AliasFor is its DNS mapping; empty when it resolves in the connected
	// namespace by its own name.
	AliasFor string `json:"aliasFor"`
}

// Status reports a project, from a new process, in either model.
func (r *Runner) Status(ctx context.Context, project string) (*ProjectStatus, error) {
	state, err := r.find(ctx, project)
	if err != nil {
		return nil, err
	}
	out := &ProjectStatus{Project: project, Intercepts: []InterceptStatus{}, Handlers: []HandlerStatus{}, Remote: []RemoteStatus{}}
	st, err := r.Telepresence.Status(ctx)
	if err != nil {
		out.Problem = err.Error()
		st = &telepresence.Status{}
	}
	if d := state.daemonOf(st); d != nil {
		out.Daemon = &DaemonStatus{Name: d.Name, Container: d.Container(), Model: string(d.Model()), Version: d.ReleaseName(),
			Context: d.Context, Namespace: d.Namespace}
	}
	for _, rec := range state.records {
		ic := InterceptStatus{Name: rec.intercept, Service: rec.service, HTTPHeaders: []string{}}
		if !rec.unread {
			ic.Workload, ic.Port = rec.request.Workload, rec.request.Port
			ic.HTTPHeaders = append(ic.HTTPHeaders, rec.request.Headers...)
		}
		ic.Live = out.Daemon != nil && slices.ContainsFunc(st.Daemons, func(d telepresence.Daemon) bool {
			return d.Name == out.Daemon.Name && slices.Contains(d.Intercepts, rec.intercept)
		})
		out.Intercepts = append(out.Intercepts, ic)
	}
	for _, c := range state.containers {
		if name := c.Labels[transform.LabelIntercept]; name != "" {
			out.Handlers = append(out.Handlers, HandlerStatus{Container: c.Name, Service: c.Service, Intercept: name, Running: c.Running})
		}
	}
	if state.dns != nil {
		for _, name := range state.dns.Remote {
			rs := RemoteStatus{Service: name}
			if i := slices.IndexFunc(state.dns.Mappings, func(m telepresence.DNSMapping) bool { return m.Name == name }); i >= 0 {
				rs.AliasFor = state.dns.Mappings[i].AliasFor
			}
			out.Remote = append(out.Remote, rs)
		}
	}
	return out, nil
}

// daemonOf is the running daemon whose connection the project's records
// name, or whose container its handlers name, else the only one that runs.
func (s projectState) daemonOf(st *telepresence.Status) *telepresence.Daemon {
	var connections []string
	if s.dns != nil {
		connections = append(connections, s.dns.Connection)
	}
	for _, rec := range s.records {
		if !rec.unread {
			connections = append(connections, rec.request.Connection)
		}
	}
	containers := s.daemonContainers()
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
