package transform

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Kubernetes names (RFC 1123): a workload's name is a subdomain (labels
// joined by dots, at most 253 characters); a namespace's or a service's is
// a single label (at most 63). Explicit names are checked where they are
// read; names defaulted from a compose service are checked by
// checkDefaultedNames, with a hint to set them.

// dnsName checks a workload name; empty values were already reported.
func (d decoder) dnsName(s string) {
	if s != "" && !isDNSName(s, 253) {
		d.fail(fmt.Sprintf("%q is not a valid Kubernetes name", s), "use lowercase letters, digits, '-' and '.'")
	}
}

// dnsLabel checks a namespace or service name, what says which.
func (d decoder) dnsLabel(s, what string) {
	if s != "" && !isDNSLabel(s) {
		d.fail(fmt.Sprintf("%q is not a valid Kubernetes name (%s)", s, what), "use at most 63 lowercase letters, digits and '-', with no dots")
	}
}

// isDNSLabel tells an RFC 1123 label: 1 to 63 lowercase letters, digits
// and '-', starting and ending with a letter or digit.
func isDNSLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// isDNSName tells an RFC 1123 subdomain of at most maxLen characters.
func isDNSName(s string, maxLen int) bool {
	return s != "" && len(s) <= maxLen && !slices.ContainsFunc(strings.Split(s, "."), func(l string) bool { return !isDNSLabel(l) })
}

// checkDefaultedNames checks the names taken from a compose service: the
// workload of a handler and the mapping name of a remote service.
func checkDefaultedNames(in *Intent, errs *Errors) {
	for _, name := range in.Handlers() {
		si := in.Services[name]
		// Explicit names were checked where they were read.
		if si.Attach.Workload != "" || isDNSName(si.workload(name), 253) {
			continue
		}
		e := &IntentError{Service: name, Key: si.workloadKey(),
			Problem: fmt.Sprintf("the workload defaults to the service name %q, which is not a valid Kubernetes name", name),
			Hint:    "set " + si.workloadKey() + " to the name of the workload to attach to"}
		if si.Source == "--handler" {
			e.Source, e.Key, e.Hint = si.Source, "", fmt.Sprintf("name the workload: --handler %s=WORKLOAD", name)
		}
		*errs = append(*errs, e)
	}
	for _, name := range in.ServicesWith(Remote) {
		si := in.Services[name]
		if si.Mapping.empty() || si.Mapping.Name != "" || isDNSLabel(name) {
			continue
		}
		*errs = append(*errs, &IntentError{Service: name, Key: ExtensionKey + ".mapping.name",
			Problem: fmt.Sprintf("the cluster service name defaults to the service name %q, which is not a valid Kubernetes name", name),
			Hint:    "set x-telepresence.mapping.name to the name of the service in the cluster"})
	}
}

// checkConnections checks that each service names a declared connection,
// and, when there are several, that each service that uses one names it.
func checkConnections(in *Intent, errs *Errors) {
	var names []string
	for _, c := range in.Connections {
		names = append(names, c.Name)
	}
	for _, name := range slices.Sorted(maps.Keys(in.Services)) {
		si := in.Services[name]
		key := si.Block
		if key == "" {
			key = ExtensionKey
		}
		key += ".connection"
		switch {
		case si.Connection == "" && len(names) > 1:
			*errs = append(*errs, &IntentError{Service: name, Key: key,
				Problem: fmt.Sprintf("the project declares %d connections and the service names none", len(names)),
				Hint:    "name one of " + strings.Join(names, ", ")})
		case si.Connection != "" && !slices.Contains(names, si.Connection):
			*errs = append(*errs, &IntentError{Service: name, Key: key,
				Problem: fmt.Sprintf("no connection is named %q", si.Connection),
				Hint:    "name one of the connections declared at the top level, or remove connection"})
		}
	}
}
