package telepresence

import (
	"maps"
	"slices"
	"strings"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// AttachOptions are the flags of the command that makes an attachment.
type AttachOptions struct {
	Kind     vocab.Kind
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
	HTTP      vocab.HTTPFilter
	Metadata  map[string]string
	// ToPod are ports the pod serves that the handler reaches (--to-pod).
	ToPod []string
	Mount bool
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
	for _, h := range o.HTTP.Headers {
		name, value, _ := strings.Cut(h, "=")
		add("--http-header", csvField(name+":"+value))
	}
	for _, p := range o.HTTP.Paths {
		add("--http-path-equal", csvField(p))
	}
	for _, p := range o.HTTP.PathPrefixes {
		add("--http-path-prefix", csvField(p))
	}
	for _, p := range o.HTTP.PathRegexps {
		add("--http-path-regex", csvField(p))
	}
	for _, k := range slices.Sorted(maps.Keys(o.Metadata)) {
		add("--metadata", csvField(k+":"+o.Metadata[k]))
	}
	if !o.Mount {
		args = append(args, "--mount=false")
	}
	args = append(args, o.Contract.useFlags()...)
	if o.Kind != vocab.KindIngest {
		// ingest has no --detailed-output: it always prints the pod's
		// environment and mounts (pkg/client/cli/ingest/command.go).
		args = append(args, "--detailed-output")
	}
	return append(args, o.Contract.jsonFlags()...)
}

// csvField writes a value of an HTTP filter or metadata flag so that the
// CLI reads it whole. The flags are pflag StringSlices, which read each
// occurrence as one CSV record (a ',' would cut it in two), and a header
// or metadata entry is split at its first ':' (pkg/client/cli/intercept/
// command.go parseKeyValue): the entry is written KEY:VALUE, quoted, its
// quotes doubled. docs/telepresence-contract.md#filter-values.
func csvField(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
