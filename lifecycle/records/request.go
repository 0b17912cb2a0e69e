package records

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// Request is what an attachment is made with. Two requests that differ
// need two different attachments. Records carry it as JSON; the keys of
// the first releases (intercepts only) are still read.
type Request struct {
	// Kind is the attachment's kind; empty in records of the first
	// releases, which made intercepts only.
	Kind vocab.Kind `json:"kind,omitempty"`
	// Connection is the name of the daemon's connection (its container is
	// tp-<Connection>). The JSON key is the one earlier releases wrote.
	Connection string   `json:"daemon"`
	Workload   string   `json:"workload"`
	Ports      []string `json:"ports,omitempty"`
	// Port is the single port the first releases recorded.
	Port             string            `json:"port,omitempty"`
	Address          string            `json:"address,omitempty"`
	Service          string            `json:"service,omitempty"`
	Container        string            `json:"container,omitempty"`
	Headers          []string          `json:"httpHeaders,omitempty"`
	HTTPPaths        []string          `json:"httpPaths,omitempty"`
	HTTPPathPrefixes []string          `json:"httpPathPrefixes,omitempty"`
	HTTPPathRegexps  []string          `json:"httpPathRegexps,omitempty"`
	Metadata         map[string]string `json:"metadata,omitempty"`
	ToPod            []string          `json:"toPod,omitempty"`
	Mount            bool              `json:"mount"`
}

// RequestOf is what req is made with on the daemon of connection.
func RequestOf(connection string, req transform.AttachRequest, teleroute bool) Request {
	q := Request{Kind: req.Kind, Connection: connection, Workload: req.Workload, Ports: req.Ports, Service: req.K8sService,
		Container: req.Container, Headers: req.HTTP.Headers, HTTPPaths: req.HTTP.Paths, HTTPPathPrefixes: req.HTTP.PathPrefixes,
		HTTPPathRegexps: req.HTTP.PathRegexps, Metadata: req.Metadata, ToPod: req.ToPod, Mount: req.Mount}
	if teleroute {
		q.Address = req.Address
	}
	return normal(q)
}

// kindOf reads the kind a record or a label gives: none means intercept,
// as in the records and containers of the first releases, which made
// intercepts only. Every kind is read through here, so that the rest of
// the plugin always has one.
func kindOf(recorded string) vocab.Kind {
	if recorded == "" {
		return vocab.KindIntercept
	}
	return vocab.Kind(recorded)
}

func (q Request) String() string {
	b, _ := json.Marshal(q)
	return string(b)
}

// readRequest reads the request label of a record.
func readRequest(label string) (Request, bool) {
	var q Request
	if json.Unmarshal([]byte(label), &q) != nil || q.Workload == "" {
		return Request{}, false
	}
	if q.Port != "" && len(q.Ports) == 0 {
		q.Ports, q.Port = []string{q.Port}, ""
	}
	q.Kind = kindOf(string(q.Kind))
	return normal(q), true
}

// Same tells whether the attachment of a record serves q.
func (q Request) Same(rec Attachment) bool {
	return !rec.Unread && reflect.DeepEqual(normal(rec.Request), normal(q))
}

// normal is q with empty lists and maps as nil, so that JSON's [] and nil
// compare equal.
func normal(q Request) Request {
	for _, l := range []*[]string{&q.Ports, &q.Headers, &q.HTTPPaths, &q.HTTPPathPrefixes, &q.HTTPPathRegexps, &q.ToPod} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	if len(q.Metadata) == 0 {
		q.Metadata = nil
	}
	return q
}

// Changes says how q differs from what the attachment of a record was made
// with.
func (q Request) Changes(rec Attachment) string {
	if rec.Unread {
		return "it was created by an older docker telepresence"
	}
	old := rec.Request
	var diffs []string
	add := func(what, was, is string) {
		if was != is {
			diffs = append(diffs, fmt.Sprintf("%s %q, now %q", what, was, is))
		}
	}
	list := func(l []string) string { return strings.Join(l, ",") }
	add("kind", string(old.Kind), string(q.Kind))
	add("connection", old.Connection, q.Connection)
	add("workload", old.Workload, q.Workload)
	add("ports", list(old.Ports), list(q.Ports))
	add("address", old.Address, q.Address)
	add("service", old.Service, q.Service)
	add("container", old.Container, q.Container)
	add("httpHeaders", list(old.Headers), list(q.Headers))
	add("httpPaths", list(old.HTTPPaths), list(q.HTTPPaths))
	add("httpPathPrefixes", list(old.HTTPPathPrefixes), list(q.HTTPPathPrefixes))
	add("httpPathRegexps", list(old.HTTPPathRegexps), list(q.HTTPPathRegexps))
	add("metadata", metadataText(old.Metadata), metadataText(q.Metadata))
	add("toPod", list(old.ToPod), list(q.ToPod))
	add("mount", strconv.FormatBool(old.Mount), strconv.FormatBool(q.Mount))
	return "it was created with " + strings.Join(diffs, ", ")
}

func metadataText(m map[string]string) string {
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		kv = append(kv, k+"="+m[k])
	}
	return strings.Join(kv, ",")
}
