package lifecycle

import (
	"errors"
	"fmt"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// checkRelease refuses, before anything is created, what the release
// cannot do (docs/telepresence-contract.md#release-table): each kind of
// attachment from the release that added its command, HTTP filters and
// metadata from 2.25, several ports from 2.22, a container from 2.21, and
// a proxy's ports from 2.24.
func checkRelease(plan *transform.Plan, v vocab.Version) error {
	var errs []error
	for _, req := range plan.Attachments {
		errs = append(errs, checkAttachment(req, v)...)
	}
	for _, px := range plan.Proxies {
		if px.Declared && !v.Has(vocab.Reroute) {
			errs = append(errs, &ReleaseError{Service: px.Service, Key: px.Key, Release: v,
				Problem: fmt.Sprintf("cannot reroute a remote service's ports: `telepresence connect --reroute-remote` needs %s or newer", vocab.Reroute),
				Hint:    "upgrade Telepresence, or remove the ports so that dependents dial the cluster service's own ports"})
		}
	}
	return errors.Join(errs...)
}

func checkAttachment(req transform.AttachRequest, v vocab.Version) []error {
	var errs []error
	need := func(f vocab.Feature, key, what, hint string) {
		if !v.Has(f) {
			errs = append(errs, &ReleaseError{Service: req.Service, Key: key, Release: v,
				Problem: fmt.Sprintf("cannot %s: it needs %s or newer", what, f), Hint: hint})
		}
	}
	upgrade := "upgrade Telepresence"
	kindKey := "x-telepresence.behavior"
	if req.Block == transform.TeleKey {
		kindKey = transform.TeleKey + ".type"
	}
	if f, ok := req.Kind.Command(); ok {
		need(f, kindKey, kindVerbs[req.Kind]+" (`telepresence "+string(req.Kind)+"`)", upgrade+", or make the service an interceptHandler")
	}
	if req.HTTP.Any() {
		need(vocab.HTTPFilters, req.Key(filterKey(req)), "filter the traffic by HTTP header or path (--http-header, --http-path-*)",
			upgrade+", or remove the filters to take all of the workload's traffic")
	}
	if len(req.Metadata) > 0 {
		need(vocab.HTTPFilters, req.Key("metadata"), "attach metadata (--metadata)", upgrade+", or remove metadata")
	}
	if len(req.Ports) > 1 {
		need(vocab.ReplaceCommand, req.Key("ports"), "take several ports at once (--port repeated)", upgrade+", or keep one port")
	}
	if req.Container != "" {
		need(vocab.IngestCommand, req.Key("container"), "choose the container (--container)", upgrade+", or remove container")
	}
	return errs
}

// kindVerbs say what each kind does, for refusals.
var kindVerbs = map[vocab.Kind]string{
	vocab.KindIngest:  "ingest a workload's container",
	vocab.KindReplace: "replace a workload's container",
	vocab.KindWiretap: "wiretap a workload",
}

// filterKey is the key of the filters a request declares, for errors.
func filterKey(req transform.AttachRequest) string {
	switch {
	case len(req.HTTP.Headers) > 0 && req.Block == transform.TeleKey:
		return "httpFilters"
	case len(req.HTTP.Headers) > 0:
		return "httpHeaders"
	case len(req.HTTP.Paths) > 0:
		return "httpPaths"
	case len(req.HTTP.PathPrefixes) > 0:
		return "httpPathPrefixes"
	}
	return "httpPathRegexps"
}
