package vocab

import "slices"

// Kind is a kind of attachment to a workload (docs/attachments.md).
type Kind string

const (
	// KindIntercept takes the traffic of a workload's port (all of it, or
	// what matches HTTP filters): `telepresence intercept`.
	KindIntercept Kind = "intercept"
	// KindReplace replaces a container of the pod: all its ports, or
	// those given (`telepresence replace`, 2.22+).
	KindReplace Kind = "replace"
	// KindWiretap gets a copy of the traffic while the pod still serves it
	// (`telepresence wiretap`, 2.23+).
	KindWiretap Kind = "wiretap"
	// KindIngest gets the pod's environment and volumes, and no traffic
	// (`telepresence ingest`, 2.21+).
	KindIngest Kind = "ingest"
)

// Command is the feature of a kind's command; false for intercept, which
// every release has.
func (k Kind) Command() (Feature, bool) {
	switch k {
	case KindIngest:
		return IngestCommand, true
	case KindReplace:
		return ReplaceCommand, true
	case KindWiretap:
		return WiretapCommand, true
	}
	return Feature{}, false
}

// Traffic tells whether the attachment receives traffic (all but ingest).
func (k Kind) Traffic() bool { return k != KindIngest }

// HTTPFilter chooses the requests a personal intercept takes (2.25+): by
// header (KEY=VALUE) or by path (equal, prefix, regular expression).
type HTTPFilter struct {
	Headers      []string
	Paths        []string
	PathPrefixes []string
	PathRegexps  []string
}

// Any tells whether the filter chooses: without one an intercept is global.
func (f HTTPFilter) Any() bool {
	return len(f.Headers)+len(f.Paths)+len(f.PathPrefixes)+len(f.PathRegexps) > 0
}

// Clone is a copy that shares no list with f.
func (f HTTPFilter) Clone() HTTPFilter {
	return HTTPFilter{Headers: slices.Clone(f.Headers), Paths: slices.Clone(f.Paths),
		PathPrefixes: slices.Clone(f.PathPrefixes), PathRegexps: slices.Clone(f.PathRegexps)}
}

// Attachment is what an attachment gives its handler.
type Attachment struct {
	Kind        Kind
	Name        string
	Environment map[string]string
	// MountPort is where the Telemount driver reaches the pod's volumes.
	MountPort int
	// Mounts are the pod's volumes, in the order of a list, or by path;
	// read-only where the attachment mounts read-only (ingest, wiretap).
	Mounts []Mount
}

// AttachmentRef name an attachment to end.
type AttachmentRef struct {
	Kind Kind
	Name string
	// Container tells which container of the workload an ingest is of.
	Container string
}

// DNSMapping makes Name resolve to AliasFor in the daemon's network.
type DNSMapping struct {
	Name     string
	AliasFor string
}
