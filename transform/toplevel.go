package transform

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// parseTopLevel reads the project's top-level x-telepresence or x-tele
// (not both: they would declare the connection twice).
func parseTopLevel(ext map[string]any, in *Intent, errs *Errors) {
	tp, hasTP := ext[ExtensionKey]
	tele, hasTele := ext[TeleKey]
	switch {
	case hasTP && hasTele:
		*errs = append(*errs, &IntentError{Key: ExtensionKey, Problem: "the project declares both x-telepresence and x-tele at the top level",
			Hint: "keep one of them: both say how to connect"})
	case hasTP:
		parseTelepresenceTop(tp, in, errs)
	case hasTele:
		parseTeleTop(tele, in, errs)
	}
}

// connectionKeys are the keys of a connection's fields in a front door.
type connectionKeys struct {
	name, context, namespace, managerNamespace, mappedNamespaces, alsoProxy, neverProxy string
}

func (k connectionKeys) String() string {
	var names []string
	for _, n := range []string{k.name, k.context, k.namespace, k.managerNamespace, k.mappedNamespaces, k.alsoProxy, k.neverProxy} {
		if n != "" {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// connectionList reads a list of connections: names are required and
// unique when there are several.
func (d decoder) connectionList(raw any, keys connectionKeys) []Connection {
	several := false
	if list, ok := raw.([]any); ok {
		several = len(list) > 1
	}
	var seen []Connection // read so far, for duplicate names
	return listOf(d, raw, "a list of connections", func(sub decoder, item any) (Connection, bool) {
		var c Connection
		m, ok := sub.mapping(item)
		if !ok {
			return c, false
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !sub.child(k).connectionKey(k, m[k], &c, keys) {
				sub.child(k).unknown(keys.String())
			}
		}
		switch {
		case c.Name == "" && several:
			sub.fail("a connection has no name", "name every connection when there are several, and name one in each service's connection")
		case c.Name != "" && slices.ContainsFunc(seen, func(o Connection) bool { return o.Name == c.Name }):
			sub.child(keys.name).fail(fmt.Sprintf("the name %q is taken by another connection", c.Name), "give each connection its own name")
		}
		seen = append(seen, c)
		return c, true
	})
}

// mountOverrides reads the mount policies that override, by compose
// volume, what the traffic-agent reports.
func (d decoder) mountOverrides(raw any) []MountOverride {
	return listOf(d, raw, "a list of {volume or volumePattern, policy}", func(sub decoder, item any) (MountOverride, bool) {
		m, ok := sub.mapping(item)
		if !ok {
			return MountOverride{}, false
		}
		return sub.mountOverride(m)
	})
}

func (d decoder) mountOverride(m map[string]any) (MountOverride, bool) {
	var mo MountOverride
	before := len(*d.errs)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		sub := d.child(k)
		switch k {
		case "volume":
			mo.Volume = sub.str(m[k])
		case "volumePattern":
			re, err := compileRegexp(sub.str(m[k]))
			if err != nil {
				sub.fail(fmt.Sprintf("not a regular expression: %v", err), "write it as Go's regexp package reads it")
			}
			mo.Pattern = re
		case "policy":
			mo.Policy = sub.mountPolicy(m[k])
		default:
			sub.unknown("volume, volumePattern, policy")
		}
	}
	_, hasVolume := m["volume"]
	_, hasPattern := m["volumePattern"]
	if hasVolume == hasPattern {
		d.fail("needs one of volume and volumePattern", "name the compose volume, or give a pattern its names match")
	}
	if _, given := m["policy"]; !given {
		// As Telepresence reads it: the zero value of its MountPolicy
		// (pkg/types/mountpolicy.go) is Remote.
		mo.Policy = vocab.PolicyRemote
	}
	return mo, len(*d.errs) == before
}

// mountPolicy reads a policy, without regard to case as Telepresence does
// (pkg/types/mountpolicy.go).
func (d decoder) mountPolicy(raw any) vocab.MountPolicy {
	s := d.str(raw)
	if p, ok := vocab.ParsePolicy(s); ok {
		return p
	}
	if s != "" {
		d.fail(fmt.Sprintf("unknown policy %q", s), "use local, ignore, remote or remoteReadOnly")
	}
	return ""
}

// cidrList reads subnets (CIDRs).
func (d decoder) cidrList(raw any) []string {
	list := d.strList(raw)
	for i, c := range list {
		if _, err := netip.ParsePrefix(c); err != nil {
			d.child(strconv.Itoa(i)).fail(fmt.Sprintf("%q is not a subnet", c), "write it as a CIDR, e.g. 10.0.0.0/16")
		}
	}
	return list
}

func compileRegexp(s string) (*regexp.Regexp, error) { return regexp.Compile(s) }
