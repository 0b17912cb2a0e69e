package transform

import (
	"fmt"
	"strconv"
	"strings"
)

// The values of HTTP filters and metadata reach Telepresence through its
// CLI, whose flags read each value as one CSV record and split a header or
// a metadata entry on its first ':' (else '='), trimming both sides
// (pkg/client/cli/intercept/command.go parseKeyValue;
// docs/telepresence-contract.md#filter-values). The client quotes each
// value and writes KEY:VALUE, so that any value arrives whole; these
// checks refuse, naming the key, what no quoting can carry.

// headerList reads httpHeaders entries, KEY=VALUE or, as the CLI takes them,
// KEY: VALUE (a header's name has neither ':' nor '='), as KEY=VALUE.
func (d decoder) headerList(raw any) []string {
	var out []string
	for i, h := range d.strList(raw) {
		sub := d.child(strconv.Itoa(i))
		at := strings.IndexAny(h, ":=")
		if at < 1 {
			sub.fail(fmt.Sprintf("%q is not a header filter", h), `write "NAME=VALUE", as in "x-dev=alice"`)
			continue
		}
		key, value := h[:at], h[at+1:]
		if h[at] == ':' { // the CLI's own "key: value" form, trimmed as it trims
			key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		}
		if sub.passes(key, value) {
			out = append(out, key+"="+value)
		}
	}
	return out
}

// passes tells whether a key and value reach Telepresence whole, and
// says why not when they cannot.
func (d decoder) passes(key, value string) bool {
	switch {
	case key == "":
		d.fail("an entry has no name", "write NAME=VALUE")
	case strings.ContainsAny(key, ":\r\n"):
		d.fail(fmt.Sprintf("the name %q cannot reach Telepresence: its CLI splits an entry at the first ':'", key), "use a name without ':'")
	case strings.TrimSpace(key) != key || strings.TrimSpace(value) != value:
		d.fail(fmt.Sprintf("%q=%q: spaces around the name or the value, which Telepresence's CLI trims, cannot reach it", key, value),
			"remove the leading and trailing spaces")
	case strings.Contains(value, "\r"):
		d.fail(fmt.Sprintf("the value of %q has a carriage return, which Telepresence's CLI reads as a newline", key), "remove it")
	default:
		return true
	}
	return false
}

// pathList refuses paths the CLI would change: a carriage return (read as a
// newline).
func (d decoder) pathList(paths []string) []string {
	for i, p := range paths {
		if strings.Contains(p, "\r") {
			d.child(strconv.Itoa(i)).fail(fmt.Sprintf("%q has a carriage return, which Telepresence's CLI reads as a newline", p), "remove it")
		}
	}
	return paths
}
