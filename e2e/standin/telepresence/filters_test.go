package main

import (
	"slices"
	"strings"
	"testing"
)

// The stand-in reads the filter flags as the real CLI reads them (pflag's
// StringSlice, then parseKeyValue): an unquoted comma cuts a value, a
// header splits at its first ':', both sides are trimmed; quoted, a value
// arrives whole.
func TestFilterFlagsAsTheCLIReadsThem(t *testing.T) {
	tests := []struct {
		flag, value string
		want        []string
		err         string
	}{
		{"http-header", `x-dev=alice:1,2`, nil, "invalid format '2'"},
		{"http-header", `"x-dev:alice:1,2"`, []string{"x-dev=alice:1,2"}, ""},
		{"http-header", `x-dev=alice`, []string{"x-dev=alice"}, ""},
		{"http-header", ` x-dev : alice `, []string{"x-dev=alice"}, ""},
		{"metadata", `url=http://x/a,b`, nil, "invalid format 'b'"},
		{"metadata", `"url:http://x/a,b"`, []string{"url=http://x/a,b"}, ""},
		{"http-path-regex", `^/v[0-9]{1,2}/`, []string{"^/v[0-9]{1", "2}/"}, ""},
		{"http-path-regex", `"^/v[0-9]{1,2}/"`, []string{"^/v[0-9]{1,2}/"}, ""},
		{"http-path-equal", `a"b`, nil, `bare " in non-quoted-field`},
	}
	for _, tc := range tests {
		f := &flags{values: map[string][]string{tc.flag: {tc.value}}}
		fl, err := filterFlags(f)
		got := slices.Concat(fl.headers, fl.equal, fl.regex, fl.metadata)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("--%s %s: err = %v, want %q", tc.flag, tc.value, err, tc.err)
		case tc.err == "" && (err != nil || !slices.Equal(got, tc.want)):
			t.Errorf("--%s %s: %q, %v; want %q", tc.flag, tc.value, got, err, tc.want)
		}
	}
}
