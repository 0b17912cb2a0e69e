package records

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// What the Docker side records of a project, so that `down`, `status` and
// the next `up` find everything from a new process, even after a crash
// (docs/records-and-undo.md): the labels of handler containers and
// Telemount volumes (internal/labels), a record volume per attachment,
// created before the attachment and labelled with it, its service and the
// request it was made with, and a record volume of the DNS mappings.

// VolumeName names the record of an attachment: the kind and the name,
// made a volume name ('/' of a replaced container, ':' become '.').
func VolumeName(project string, a vocab.AttachmentRef) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '.'
	}, a.Name)
	return project + "_telepresence-" + string(a.Kind) + "-" + name
}

// DNSVolumeName names the record of the DNS mappings of a connection: the
// first connection's keeps the name of a project's only one.
func DNSVolumeName(project, connection string, first bool) string {
	if first {
		return project + "_telepresence-dns"
	}
	return project + "_telepresence-dns-" + connection
}

// Attachment is the record of one attachment.
type Attachment struct {
	Name    string
	Service string
	// Request is what the attachment was made with; unread is true when
	// the record holds none that this release reads (an older plugin
	// wrote it), which no Request is the same as.
	Request Request
	Unread  bool
}

// Ref names the recorded attachment for Telepresence.
func (rec Attachment) Ref() vocab.AttachmentRef {
	return vocab.AttachmentRef{Kind: rec.Request.Kind, Name: rec.Name, Container: rec.Request.Container}
}

// DNS is the record of a project's remote services and of the DNS
// mappings it set on a daemon for them.
type DNS struct {
	// Connection names the daemon (JSON key as earlier releases wrote it).
	Connection string             `json:"daemon"`
	Mappings   []vocab.DNSMapping `json:"mappings"`
	Remote     []string           `json:"remote,omitempty"`
	// Reroutes are the reroute flags of the proxies, and DaemonID the
	// daemon container that was given them: a later run on the same
	// daemon does not ask for them again.
	Reroutes []string `json:"reroutes,omitempty"`
	DaemonID string   `json:"daemonID,omitempty"`
	// Volume is the record's volume.
	Volume string `json:"-"`
}

// State is what belongs to a project on the Docker side.
type State struct {
	Project     string
	Containers  []engine.Container
	Networks    []engine.Network
	Volumes     []engine.Volume
	Attachments []Attachment
	// DNS are the records of the DNS mappings, one per connection.
	DNS []*DNS
}

// UsedTelepresence tells whether the project has records of attachments
// or DNS mappings: then ending or changing them needs Telepresence.
func (s State) UsedTelepresence() bool { return len(s.Attachments) > 0 || len(s.DNS) > 0 }

// DNSIn is the record of DNS mappings a volume holds, if any.
func (s State) DNSIn(volume string) *DNS {
	for _, d := range s.DNS {
		if d.Volume == volume {
			return d
		}
	}
	return nil
}

// Find reads the project's state from the Docker side: its containers,
// networks and volumes, asked for at once (an unchanged re-up waits for
// this).
func Find(ctx context.Context, eng engine.Resources, project string) (State, error) {
	s := State{Project: project}
	var cerr, nerr, verr error
	var wg sync.WaitGroup
	wg.Go(func() { s.Containers, cerr = eng.ProjectContainers(ctx, project) })
	wg.Go(func() { s.Networks, nerr = eng.ProjectNetworks(ctx, project) })
	wg.Go(func() { s.Volumes, verr = eng.ProjectVolumes(ctx, project) })
	wg.Wait()
	if err := cmp.Or(cerr, nerr, verr); err != nil {
		return s, err
	}
	for _, v := range s.Volumes {
		if rec, ok := AttachmentIn(v); ok {
			s.Attachments = append(s.Attachments, rec)
		}
		if d, ok := ReadDNS(v); ok {
			s.DNS = append(s.DNS, d)
		}
	}
	return s, nil
}

// AttachmentIn reads the record of an attachment a volume holds, if it
// holds one.
func AttachmentIn(v engine.Volume) (Attachment, bool) {
	name, ok := v.Labels[labels.Attachment]
	if _, tm := v.Labels[labels.Telemount]; !ok || tm {
		return Attachment{}, false
	}
	q, read := readRequest(v.Labels[labels.Request])
	if !read {
		q = Request{Kind: kindOf(v.Labels[labels.Kind])}
	}
	return Attachment{Name: name, Service: v.Labels[labels.Service], Request: q, Unread: !read}, true
}

// ReadDNS reads the record of DNS mappings a volume holds, if it holds
// one.
func ReadDNS(v engine.Volume) (*DNS, bool) {
	raw, ok := v.Labels[labels.DNSMappings]
	if !ok {
		return nil, false
	}
	d := &DNS{Volume: v.Name}
	if json.Unmarshal([]byte(raw), d) != nil {
		return nil, false
	}
	return d, true
}

// IsRecord tells the volumes that record attachments and DNS mappings.
func IsRecord(v engine.Volume) bool { return IsRecordLabels(v.Labels) }

// IsRecordLabels tells the labels of a record volume: they exist only for
// the plugin, never for the user (`volumes` hides them).
func IsRecordLabels(l map[string]string) bool {
	_, tm := l[labels.Telemount]
	_, ic := l[labels.Attachment]
	_, dns := l[labels.DNSMappings]
	return !tm && (ic || dns)
}

// HasResources tells whether Compose has anything of the project to remove.
func (s State) HasResources() bool {
	return len(s.Containers)+len(s.Networks) > 0 || slices.ContainsFunc(s.Volumes, func(v engine.Volume) bool { return !IsRecord(v) })
}

func (s State) Empty() bool {
	return !s.HasResources() && len(s.Refs()) == 0 && len(s.DNS) == 0
}

// Refs are the project's Refs, from the records, the
// handler containers and the Telemount volumes, by kind and name.
func (s State) Refs() []vocab.AttachmentRef {
	var out []vocab.AttachmentRef
	add := func(a vocab.AttachmentRef) {
		// A record says the kind; a container or volume of the same name is
		// the same attachment.
		if !slices.ContainsFunc(out, func(o vocab.AttachmentRef) bool { return o.Name == a.Name }) {
			out = append(out, a)
		}
	}
	for _, rec := range s.Attachments {
		add(rec.Ref())
	}
	for _, c := range s.Containers {
		if name := c.Labels[labels.Attachment]; name != "" {
			add(vocab.AttachmentRef{Kind: kindOf(c.Labels[labels.Kind]), Name: name})
		}
	}
	for _, v := range s.Volumes {
		if name := v.Labels[labels.Attachment]; name != "" {
			add(vocab.AttachmentRef{Kind: kindOf(v.Labels[labels.Kind]), Name: name})
		}
	}
	slices.SortFunc(out, func(a, b vocab.AttachmentRef) int {
		return strings.Compare(a.Name+" "+string(a.Kind), b.Name+" "+string(b.Kind))
	})
	return out
}

// DaemonContainers are the daemon containers the project's handlers
// worked with.
func (s State) DaemonContainers() []string {
	var names []string
	for _, c := range s.Containers {
		if d := c.Labels[labels.DaemonContainer]; d != "" && !slices.Contains(names, d) {
			names = append(names, d)
		}
	}
	return names
}

// DaemonNetworks are the networks a daemon container joined for the
// project's handlers (netns model): the project's networks it is attached
// to, and the external ones its handlers' labels name.
func (s State) DaemonNetworks(container string) []string {
	var names []string
	for _, n := range s.Networks {
		if slices.Contains(n.Containers, container) {
			names = append(names, n.Name)
		}
	}
	for _, c := range s.Containers {
		if c.Labels[labels.DaemonContainer] == container {
			names = append(names, DaemonNetworksOf(c)...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// DaemonNetworksOf are the networks a handler's label says the daemon
// joined for it.
func DaemonNetworksOf(c engine.Container) []string {
	if l := c.Labels[labels.DaemonNetworks]; l != "" {
		return strings.Split(l, ",")
	}
	return nil
}

// Write records an attachment before it is made.
func Write(ctx context.Context, eng engine.Resources, project string, rec Attachment) error {
	return eng.CreateVolume(ctx, VolumeName(project, rec.Ref()), map[string]string{
		api.ProjectLabel: project, labels.Attachment: rec.Name, labels.Kind: string(rec.Request.Kind),
		labels.Service: rec.Service, labels.Request: rec.Request.String(),
	})
}

// Remove removes the record of an attachment.
func Remove(ctx context.Context, eng engine.Resources, project string, a vocab.AttachmentRef) error {
	return eng.RemoveVolume(ctx, VolumeName(project, a))
}

// WriteDNS replaces the record of the project's DNS mappings in
// volume, was, with another, now; either may be nil.
func WriteDNS(ctx context.Context, eng engine.Resources, project, volume string, was, now *DNS) error {
	if was != nil {
		if err := eng.RemoveVolume(ctx, volume); err != nil {
			return err
		}
	}
	if now == nil {
		return nil
	}
	b, err := json.Marshal(now)
	if err != nil {
		return err
	}
	return eng.CreateVolume(ctx, volume, map[string]string{api.ProjectLabel: project, labels.DNSMappings: string(b)})
}
