package main

import (
	"encoding/json"
	"fmt"
	"io/fs"

	"github.com/telepresenceio/docker-telepresence/internal/samples"
)

// The stand-in prints nothing of its own invention: every JSON object it
// prints starts as a copy of a sample of Telepresence's output (package
// samples, read from Telepresence's sources), and values are set by the
// sample's own keys. A key that a sample lacks cannot be set (set panics),
// so the stand-in cannot drift from the samples, nor agree with a plugin
// that invents a key.

// shape is one JSON object of a sample.
type shape map[string]any

// loadSample returns a fresh copy of a sample file, parsed generically.
func loadSample(file string) shape {
	data, err := fs.ReadFile(samples.FS, file)
	if err != nil {
		panic(fmt.Sprintf("stand-in: sample %s: %v", file, err))
	}
	var m shape
	if err := json.Unmarshal(data, &m); err != nil {
		panic(fmt.Sprintf("stand-in: sample %s: %v", file, err))
	}
	return m
}

// set replaces the value of a key the sample has.
func (s shape) set(key string, v any) shape {
	if _, ok := s[key]; !ok {
		panic(fmt.Sprintf("stand-in: the sample has no key %q (keys: %v)", key, keysOf(s)))
	}
	s[key] = v
	return s
}

// obj returns the object under a key the sample has.
func (s shape) obj(key string) shape {
	v, ok := s[key].(map[string]any)
	if !ok {
		panic(fmt.Sprintf("stand-in: the sample's %q is not an object", key))
	}
	return v
}

// item returns a copy of the first element of the sample's list under key,
// to serve as the template of the list's elements.
func (s shape) item(key string) shape {
	l, ok := s[key].([]any)
	if !ok || len(l) == 0 {
		panic(fmt.Sprintf("stand-in: the sample's %q is not a non-empty list", key))
	}
	m, ok := l[0].(map[string]any)
	if !ok {
		panic(fmt.Sprintf("stand-in: the sample's %q does not hold objects", key))
	}
	return clone(m)
}

func clone(m map[string]any) shape {
	data, _ := json.Marshal(m)
	var c shape
	_ = json.Unmarshal(data, &c)
	return c
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Sample files (internal/samples; docs/telepresence-contract.md says what
// prints each).
const (
	sampleStatusNetns       = "status-2.20-netns.json"
	sampleStatusTeleroute   = "status-2.27-teleroute.json"
	sampleStatusKinds       = "status-2.31-teleroute.json"
	sampleStatusNoSubnets   = "status-2.27-no-subnets.json"
	sampleStatusMulti       = "status-2.27-multi.json"
	sampleStatusHost        = "status-host-daemon.json"
	sampleNotRunningNetns   = "status-not-running-2.20.json"
	sampleNotRunningRecent  = "status-not-running-2.27.json"
	sampleInterceptList     = "intercept-2.20.json"
	sampleInterceptPolicies = "intercept-2.27.json"
	sampleIngest            = "ingest-2.31.json"
	sampleReplace           = "replace-2.31.json"
	sampleWiretap           = "wiretap-2.31.json"
	sampleError             = "intercept-error.json"
	sampleVersion           = "version.txt"
)

// strList makes a JSON list of strings that is [] rather than null.
func strList(v []string) []any {
	out := make([]any, 0, len(v))
	for _, s := range v {
		out = append(out, s)
	}
	return out
}
