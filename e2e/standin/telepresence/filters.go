package main

import (
	"encoding/csv"
	"fmt"
	"strings"
)

// The HTTP filter and metadata flags as the real CLI reads them
// (pkg/client/cli/intercept/command.go, 2.25 to 2.31): each is a pflag
// StringSlice, which reads every occurrence as one CSV record
// (string_slice.go readAsCSV: encoding/csv with its defaults, the first
// record only), and a header or metadata entry is split at its first ':',
// else its first '=', both sides trimmed (parseKeyValue).

// csvValues are the values of a StringSlice flag: each occurrence read as
// one CSV record. A record csv cannot read fails as pflag fails it.
func csvValues(flag string, occurrences []string) ([]string, error) {
	var out []string
	for _, v := range occurrences {
		if v == "" {
			continue
		}
		fields, err := csv.NewReader(strings.NewReader(v)).Read()
		if err != nil {
			return nil, fmt.Errorf("invalid argument %q for %q flag: %w", v, "--"+flag, err)
		}
		out = append(out, fields...)
	}
	return out, nil
}

// parseKeyValue is the CLI's: the first ':' splits, else the first '=';
// both sides trimmed; an empty key fails.
func parseKeyValue(kv string) (key, value string, err error) {
	for _, sep := range []string{":", "="} {
		if k, v, ok := strings.Cut(kv, sep); ok {
			if k = strings.TrimSpace(k); k != "" {
				return k, strings.TrimSpace(v), nil
			}
		}
	}
	return "", "", fmt.Errorf("invalid format '%s': must be key=value or key: value", kv)
}

// filters are the HTTP filters and metadata of an intercept or wiretap,
// headers and metadata as KEY=VALUE, the key and value as the CLI parsed
// them.
type filters struct {
	headers, equal, prefix, regex, metadata []string
}

// filterFlags reads the filters and metadata of an intercept or wiretap.
func filterFlags(f *flags) (filters, error) {
	var out filters
	var err error
	read := func(flag string) []string {
		if err != nil {
			return nil
		}
		var vals []string
		vals, err = csvValues(flag, f.values[flag])
		return vals
	}
	out.headers, out.equal, out.prefix, out.regex, out.metadata = read("http-header"), read("http-path-equal"), read("http-path-prefix"), read("http-path-regex"), read("metadata")
	for _, list := range [][]string{out.headers, out.metadata} {
		for i, kv := range list {
			if err != nil {
				break
			}
			var k, v string
			if k, v, err = parseKeyValue(kv); err == nil {
				list[i] = k + "=" + v
			}
		}
	}
	return out, err
}
