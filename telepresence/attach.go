package telepresence

import (
	"maps"
	"slices"

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
	if o.Kind != vocab.KindIngest {
		// ingest has no --detailed-output: it always prints the pod's
		// environment and mounts (pkg/client/cli/ingest/command.go).
		args = append(args, "--detailed-output")
	}
	return append(args, o.Contract.jsonFlags()...)
}
