package lifecycle

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"

	"github.com/telepresenceio/docker-telepresence/internal/labels"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// What the Docker side records of a project, so that `down`, `status` and
// the next `up` find everything from a new process, even after a crash
// (docs/records-and-undo.md): the labels of handler containers and
// Telemount volumes (internal/labels), a record volume per attachment,
// created before the attachment and labelled with it, its service and the
// request it was made with, and a record volume of the DNS mappings.

// recordVolume names the record of an attachment: the kind and the name,
// made a volume name ('/' of a replaced container, ':' become '.').
func recordVolume(project string, a vocab.DetachOptions) string {
	kind := a.Kind
	if kind == "" {
		kind = vocab.KindIntercept
	}
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '.'
	}, a.Name)
	return project + "_telepresence-" + string(kind) + "-" + name
}

// dnsVolume names the record of the DNS mappings of a connection: the
// first connection's keeps the name of a project's only one.
func dnsVolume(project, connection string, first bool) string {
	if first {
		return project + "_telepresence-dns"
	}
	return project + "_telepresence-dns-" + connection
}

// attachmentRecord is the record of one attachment.
type attachmentRecord struct {
	name    string
	service string
	// request is what the attachment was made with; unread is true when
	// the record holds none that this release reads (an older plugin
	// wrote it), which no request is the same as.
	request request
	unread  bool
}

// ref names the recorded attachment for Telepresence.
func (rec attachmentRecord) ref() vocab.DetachOptions {
	return vocab.DetachOptions{Kind: rec.request.kind(), Name: rec.name, Container: rec.request.Container}
}

// dnsRecord is the record of a project's remote services and of the DNS
// mappings it set on a daemon for them.
type dnsRecord struct {
	// Connection names the daemon (JSON key as earlier releases wrote it).
	Connection string             `json:"daemon"`
	Mappings   []vocab.DNSMapping `json:"mappings"`
	Remote     []string           `json:"remote,omitempty"`
	// volume is the record's volume.
	volume string
}

// projectState is what belongs to a project on the Docker side.
type projectState struct {
	project    string
	containers []engine.Container
	networks   []engine.Network
	volumes    []engine.Volume
	records    []attachmentRecord
	// dns are the records of the DNS mappings, one per connection.
	dns []*dnsRecord
}

// dnsIn is the record of DNS mappings a volume holds, if any.
func (s projectState) dnsIn(volume string) *dnsRecord {
	for _, d := range s.dns {
		if d.volume == volume {
			return d
		}
	}
	return nil
}

// find reads the project's state from the Docker side.
func (r *Runner) find(ctx context.Context, project string) (projectState, error) {
	s := projectState{project: project}
	var err error
	if s.containers, err = r.Engine.ProjectContainers(ctx, project); err != nil {
		return s, r.engineError(err)
	}
	if s.networks, err = r.Engine.ProjectNetworks(ctx, project); err != nil {
		return s, r.engineError(err)
	}
	if s.volumes, err = r.Engine.ProjectVolumes(ctx, project); err != nil {
		return s, r.engineError(err)
	}
	for _, v := range s.volumes {
		if _, tm := v.Labels[labels.Telemount]; tm {
			continue
		}
		if name, ok := v.Labels[labels.Attachment]; ok {
			q, read := readRequest(v.Labels[labels.Request])
			s.records = append(s.records, attachmentRecord{name: name, service: v.Labels[labels.Service], request: q, unread: !read})
		}
		if raw, ok := v.Labels[labels.DNSMappings]; ok {
			d := &dnsRecord{volume: v.Name}
			if json.Unmarshal([]byte(raw), d) == nil {
				s.dns = append(s.dns, d)
			}
		}
	}
	return s, nil
}

// isRecord tells the volumes that record attachments and DNS mappings.
func isRecord(v engine.Volume) bool {
	_, tm := v.Labels[labels.Telemount]
	_, ic := v.Labels[labels.Attachment]
	_, dns := v.Labels[labels.DNSMappings]
	return !tm && (ic || dns)
}

// hasResources tells whether Compose has anything of the project to remove.
func (s projectState) hasResources() bool {
	return len(s.containers)+len(s.networks) > 0 || slices.ContainsFunc(s.volumes, func(v engine.Volume) bool { return !isRecord(v) })
}

func (s projectState) empty() bool {
	return !s.hasResources() && len(s.attachments()) == 0 && len(s.dns) == 0
}

// attachments are the project's attachments, from the records, the
// handler containers and the Telemount volumes, by kind and name.
func (s projectState) attachments() []vocab.DetachOptions {
	var out []vocab.DetachOptions
	add := func(a vocab.DetachOptions) {
		if a.Kind == "" {
			a.Kind = vocab.KindIntercept
		}
		// A record says the kind; a container or volume of the same name is
		// the same attachment.
		if !slices.ContainsFunc(out, func(o vocab.DetachOptions) bool { return o.Name == a.Name }) {
			out = append(out, a)
		}
	}
	for _, rec := range s.records {
		add(rec.ref())
	}
	for _, c := range s.containers {
		if name := c.Labels[labels.Attachment]; name != "" {
			add(vocab.DetachOptions{Kind: vocab.Kind(c.Labels[labels.Kind]), Name: name})
		}
	}
	for _, v := range s.volumes {
		if name := v.Labels[labels.Attachment]; name != "" {
			add(vocab.DetachOptions{Kind: vocab.Kind(v.Labels[labels.Kind]), Name: name})
		}
	}
	slices.SortFunc(out, func(a, b vocab.DetachOptions) int {
		return strings.Compare(a.Name+" "+string(a.Kind), b.Name+" "+string(b.Kind))
	})
	return out
}

// daemonContainers are the daemon containers the project's handlers
// worked with.
func (s projectState) daemonContainers() []string {
	var names []string
	for _, c := range s.containers {
		if d := c.Labels[labels.DaemonContainer]; d != "" && !slices.Contains(names, d) {
			names = append(names, d)
		}
	}
	return names
}

// daemonNetworks are the networks a daemon container joined for the
// project's handlers (netns model): the project's networks it is attached
// to, and the external ones its handlers' labels name.
func (s projectState) daemonNetworks(container string) []string {
	var names []string
	for _, n := range s.networks {
		if slices.Contains(n.Containers, container) {
			names = append(names, n.Name)
		}
	}
	for _, c := range s.containers {
		if c.Labels[labels.DaemonContainer] == container {
			names = append(names, daemonNetworksOf(c)...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// daemonNetworksOf are the networks a handler's label says the daemon
// joined for it.
func daemonNetworksOf(c engine.Container) []string {
	if l := c.Labels[labels.DaemonNetworks]; l != "" {
		return strings.Split(l, ",")
	}
	return nil
}

// writeRecord records an attachment before it is made.
func (r *Runner) writeRecord(ctx context.Context, project string, rec attachmentRecord) error {
	err := r.Engine.CreateVolume(ctx, recordVolume(project, rec.ref()), map[string]string{
		api.ProjectLabel: project, labels.Attachment: rec.name, labels.Kind: string(rec.request.kind()),
		labels.Service: rec.service, labels.Request: rec.request.String(),
	})
	if err != nil {
		return r.engineError(err)
	}
	return nil
}

func (r *Runner) removeRecord(ctx context.Context, project string, a vocab.DetachOptions) error {
	if err := r.Engine.RemoveVolume(ctx, recordVolume(project, a)); err != nil {
		return r.engineError(err)
	}
	return nil
}

// writeDNSRecord replaces the record of the project's DNS mappings in
// volume, was, with another, now; either may be nil.
func (r *Runner) writeDNSRecord(ctx context.Context, project, volume string, was, now *dnsRecord) error {
	if was != nil {
		if err := r.Engine.RemoveVolume(ctx, volume); err != nil {
			return r.engineError(err)
		}
	}
	if now == nil {
		return nil
	}
	b, err := json.Marshal(now)
	if err != nil {
		return err
	}
	if err := r.Engine.CreateVolume(ctx, volume, map[string]string{api.ProjectLabel: project, labels.DNSMappings: string(b)}); err != nil {
		return r.engineError(err)
	}
	return nil
}
