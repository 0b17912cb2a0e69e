package telepresence

import (
	"maps"
	"slices"
)

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

// Kinds are the attachment kinds, in the order they are listed.
var Kinds = []Kind{KindIntercept, KindReplace, KindWiretap, KindIngest}

// Releases that added a command or a flag of the attachments
// (docs/telepresence-contract.md#release-table).
var (
	// Ingest: `telepresence ingest` exists from 2.21, as does --container.
	Ingest = Version{2, 21, 0}
	// Replace: `telepresence replace` exists from 2.22, and --port may be
	// repeated from 2.22.
	Replace = Version{2, 22, 0}
	// Wiretap: `telepresence wiretap` exists from 2.23.
	Wiretap = Version{2, 23, 0}
	// Reroute: `connect --reroute-local/--reroute-remote` exist from 2.24.
	Reroute = Version{2, 24, 0}
)

// Since is the first release that has the command of a kind.
func (k Kind) Since() Version {
	switch k {
	case KindIngest:
		return Ingest
	case KindReplace:
		return Replace
	case KindWiretap:
		return Wiretap
	}
	return Version{}
}

// Traffic tells whether the attachment receives traffic (all but ingest).
func (k Kind) Traffic() bool { return k != KindIngest }

// AttachOptions are the flags of the command that makes an attachment.
type AttachOptions struct {
	Kind     Kind
	Contract Contract
	// Name is the attachment's name: the positional argument of intercept
	// and wiretap (the workload of replace and ingest).
	Name string
	// Workload is --workload when it differs from Name (intercept, wiretap).
	Workload string
	// Ports are the --port values, each LOCAL[:REMOTE]; none means the
	// command's default (a replace then takes every port).
	Ports []string
	// Address is where the daemon sends the traffic: empty in the netns
	// model (the shared namespace's localhost), the handler's alias on the
	// Teleroute network otherwise.
	Address   string
	Service   string
	Container string
	HTTP      HTTPFilter
	Metadata  map[string]string
	// ToPod are ports the pod serves that the handler reaches (--to-pod).
	ToPod []string
	Mount bool
}

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

// Args is the command line of the attachment.
func (o AttachOptions) Args() []string {
	args := []string{string(o.Kind), o.Name}
	add := func(flag string, values ...string) {
		for _, v := range values {
			if v != "" {
				args = append(args, flag, v)
			}
		}
	}
	if o.Workload != o.Name {
		add("--workload", o.Workload)
	}
	add("--port", o.Ports...)
	add("--address", o.Address)
	add("--service", o.Service)
	add("--container", o.Container)
	add("--to-pod", o.ToPod...)
	add("--http-header", o.HTTP.Headers...)
	add("--http-path-equal", o.HTTP.Paths...)
	add("--http-path-prefix", o.HTTP.PathPrefixes...)
	add("--http-path-regex", o.HTTP.PathRegexps...)
	for _, k := range slices.Sorted(maps.Keys(o.Metadata)) {
		add("--metadata", k+"="+o.Metadata[k])
	}
	if !o.Mount {
		args = append(args, "--mount=false")
	}
	args = append(args, o.Contract.useFlags()...)
	if o.Kind != KindIngest {
		// ingest has no --detailed-output: it always prints the pod's
		// environment and mounts (pkg/client/cli/ingest/command.go).
		args = append(args, "--detailed-output")
	}
	return append(args, o.Contract.jsonFlags()...)
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

// DetachOptions name an attachment to end.
type DetachOptions struct {
	Kind Kind
	Name string
	// Container tells which container of the workload an ingest is of.
	Container string
}
