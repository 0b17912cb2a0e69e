package transform

import (
	"fmt"
	"strconv"
	"strings"
)

// decoder reads untyped extension values (as the YAML loader produced them)
// into typed values, recording an IntentError for every mistake with the
// dotted key where it was found.
type decoder struct {
	source  string
	service string
	key     string
	errs    *Errors
}

func (d decoder) child(k string) decoder {
	if d.key != "" {
		k = d.key + "." + k
	}
	return decoder{source: d.source, service: d.service, key: k, errs: d.errs}
}

func (d decoder) fail(problem, hint string) {
	*d.errs = append(*d.errs, &IntentError{Source: d.source, Service: d.service, Key: d.key, Problem: problem, Hint: hint})
}

// unknown fails an unknown key, naming the valid ones, and the one it most
// likely stands for. valid lists them comma-separated, with a note in
// parentheses after them at most.
func (d decoder) unknown(valid string) {
	hint := "valid keys here are " + valid
	list, _, _ := strings.Cut(valid, " (")
	key := d.key[strings.LastIndexByte(d.key, '.')+1:]
	if s := closest(key, strings.Split(list, ", ")); s != "" {
		hint = fmt.Sprintf("did you mean %q? %s", s, hint)
	}
	d.fail("unknown key", hint)
}

func (d decoder) wrongType(want string, raw any) {
	d.fail(fmt.Sprintf("expected %s, got %s", want, describe(raw)), "")
}

func describe(raw any) string {
	switch v := raw.(type) {
	case nil:
		return "nothing (null)"
	case string:
		return fmt.Sprintf("string %q", v)
	case bool:
		return fmt.Sprintf("boolean %v", v)
	case int, int64, uint64, float64:
		return fmt.Sprintf("number %v", v)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	default:
		return fmt.Sprintf("%T", raw)
	}
}

func (d decoder) mapping(raw any) (map[string]any, bool) {
	m, ok := raw.(map[string]any)
	if !ok {
		d.wrongType("a mapping", raw)
	}
	return m, ok
}

// str reads a string that is not empty; "" after a mistake (reported).
func (d decoder) str(raw any) string {
	s, ok := raw.(string)
	if !ok {
		d.wrongType("a string", raw)
		return ""
	}
	if s == "" {
		d.fail("must not be empty", "remove the key to use the default")
	}
	return s
}

// listOf reads a list, each item with read, which reports its own
// mistakes (under the item's index) and says whether to keep the item.
func listOf[T any](d decoder, raw any, what string, read func(sub decoder, item any) (T, bool)) []T {
	list, ok := raw.([]any)
	if !ok {
		d.wrongType(what, raw)
		return nil
	}
	var out []T
	for i, item := range list {
		if v, ok := read(d.child(strconv.Itoa(i)), item); ok {
			out = append(out, v)
		}
	}
	return out
}

// strList reads a list of strings; nil after a mistake (reported).
func (d decoder) strList(raw any) []string {
	list, ok := raw.([]any)
	if !ok {
		d.wrongType("a list of strings", raw)
		return nil
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		s := d.child(strconv.Itoa(i)).str(item)
		if s == "" {
			return nil
		}
		out = append(out, s)
	}
	return out
}

func (d decoder) boolean(raw any) (bool, bool) {
	b, ok := raw.(bool)
	if !ok {
		d.wrongType("true or false", raw)
	}
	return b, ok
}

// port reads "<local port>[:<remote port name or number>][/TCP|/UDP]",
// written as a string or as a bare number.
func (d decoder) port(raw any) (string, bool) {
	var s string
	switch v := raw.(type) {
	case string:
		s = v
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case uint64:
		s = strconv.FormatUint(v, 10)
	default:
		d.wrongType(`"<local port>[:<remote port name or number>]"`, raw)
		return "", false
	}
	if err := checkInterceptPort(s); err != nil {
		d.fail(err.Error(), `use "<local port>[:<service port name or number>]", e.g. "8088:http"`)
		return "", false
	}
	return s, true
}

func checkInterceptPort(s string) error {
	s, proto, hasProto := strings.Cut(s, "/")
	if hasProto && !isProtocol(proto) {
		return fmt.Errorf("protocol %q is neither TCP nor UDP", proto)
	}
	local, svc, hasSvc := strings.Cut(s, ":")
	if n, err := strconv.Atoi(local); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("local port %q is not a number from 1 to 65535", local)
	}
	if !hasSvc {
		return nil
	}
	if n, err := strconv.Atoi(svc); err == nil {
		if n < 1 || n > 65535 {
			return fmt.Errorf("service port %d is not from 1 to 65535", n)
		}
		return nil
	}
	if len(svc) > 15 || !isDNSLabel(svc) {
		return fmt.Errorf("service port %q is neither a number nor a port name", svc)
	}
	return nil
}
