package main

import (
	"fmt"
	"strconv"
	"strings"
)

// flags is the result of parsing a command line: repeatable valued flags,
// boolean flags and positional arguments.
type flags struct {
	values map[string][]string
	bools  map[string]bool
	args   []string
}

// parseFlags accepts "--name value" and "--name=value" for the flags in
// valued, "--name" and "--name=bool" for the flags in boolean. Anything else
// that starts with "-" is an error: the stand-in should notice when the
// plugin passes a flag that the contract does not know.
func parseFlags(in []string, valued, boolean []string) (*flags, error) {
	f := &flags{values: map[string][]string{}, bools: map[string]bool{}}
	isValued := toSet(valued)
	isBool := toSet(boolean)
	for i := 0; i < len(in); i++ {
		a := in[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			f.args = append(f.args, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case isValued[name]:
			if !hasVal {
				if i+1 >= len(in) || strings.HasPrefix(in[i+1], "--") {
					return nil, fmt.Errorf("flag needs an argument: --%s", name)
				}
				i++
				val = in[i]
			}
			f.values[name] = append(f.values[name], val)
		case isBool[name]:
			b := true
			if hasVal {
				var err error
				if b, err = strconv.ParseBool(val); err != nil {
					return nil, fmt.Errorf("invalid value %q for --%s", val, name)
				}
			}
			f.bools[name] = b
		default:
			return nil, fmt.Errorf("unknown flag: %s", a)
		}
	}
	return f, nil
}

// last returns the last value of a valued flag, or "".
func (f *flags) last(name string) string {
	v := f.values[name]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

func toSet(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
