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

// flagSpec names the flags a command accepts. optional flags take a value
// only as --name=value; a bare --name means "true" (pflag's NoOptDefVal, as
// telepresence declares --mount). short maps a one-letter shorthand to its
// long name.
type flagSpec struct {
	valued, boolean, optional []string
	short                     map[string]string
}

// with adds flags to a copy of the spec.
func (s flagSpec) with(valued, boolean []string, short map[string]string) flagSpec {
	s.valued = append(append([]string{}, s.valued...), valued...)
	s.boolean = append(append([]string{}, s.boolean...), boolean...)
	m := map[string]string{}
	for k, v := range s.short {
		m[k] = v
	}
	for k, v := range short {
		m[k] = v
	}
	s.short = m
	return s
}

// parseFlags accepts "--name value" and "--name=value" for valued flags,
// "--name" and "--name=bool" for boolean ones. Anything else that starts
// with "-" is an error, worded like cobra's, so a plugin that passes a flag
// the emulated release does not know fails as it would with the real one.
func parseFlags(in []string, spec flagSpec) (*flags, error) {
	f := &flags{values: map[string][]string{}, bools: map[string]bool{}}
	isValued, isBool, isOptional := toSet(spec.valued), toSet(spec.boolean), toSet(spec.optional)
	for i := 0; i < len(in); i++ {
		a := in[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			f.args = append(f.args, a)
			continue
		}
		if a == "--" {
			f.args = append(f.args, in[i+1:]...)
			break
		}
		name, val, hasVal, err := spec.split(a)
		if err != nil {
			return nil, err
		}
		switch {
		case isValued[name]:
			if !hasVal {
				if i+1 >= len(in) {
					return nil, fmt.Errorf("flag needs an argument: --%s", name)
				}
				i++
				val = in[i]
			}
			f.values[name] = append(f.values[name], val)
		case isOptional[name]:
			if !hasVal {
				val = "true"
			}
			f.values[name] = append(f.values[name], val)
		case isBool[name]:
			b := true
			if hasVal {
				var err error
				if b, err = strconv.ParseBool(val); err != nil {
					return nil, fmt.Errorf("invalid argument %q for \"--%s\" flag: %w", val, name, err)
				}
			}
			f.bools[name] = b
		default:
			return nil, fmt.Errorf("unknown flag: --%s", name)
		}
	}
	return f, nil
}

// split reads "--name[=value]", or a shorthand: "-x", "-x=value" or
// "-xvalue" (pflag's).
func (s flagSpec) split(a string) (name, val string, hasVal bool, err error) {
	name, val, hasVal = strings.Cut(strings.TrimLeft(a, "-"), "=")
	if strings.HasPrefix(a, "--") {
		return name, val, hasVal, nil
	}
	long, ok := s.short[name[:1]]
	if !ok {
		return "", "", false, fmt.Errorf("unknown shorthand flag: %q in %s", rune(name[0]), a)
	}
	if rest := name[1:]; rest != "" && !hasVal {
		val, hasVal = rest, true
	}
	return long, val, hasVal, nil
}

// last returns the last value of a valued flag, or "".
func (f *flags) last(name string) string {
	v := f.values[name]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// has reports whether a valued flag was given.
func (f *flags) has(name string) bool { return len(f.values[name]) > 0 }

func toSet(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// splitList splits a comma-separated flag value (pflag's StringSlice).
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
