package telepresence

import (
	"regexp"
	"slices"
	"testing"
)

// --use is a regular expression that Telepresence matches unanchored
// against every daemon name and refuses when more than one matches
// (pkg/client/cli/daemon/info.go): the plugin's --use must match the one
// daemon it names, also when that name is part of another's or holds
// characters that mean something in an expression.
func TestUseNamesExactlyOneDaemon(t *testing.T) {
	daemons := []string{"kind-default-cn", "kind-kind-default-cn", "kind.default-cn", "a+b"}
	for _, name := range daemons {
		args := Contract{Use: name}.useFlags()
		if len(args) != 2 || args[0] != "--use" {
			t.Fatalf("useFlags for %q: %q", name, args)
		}
		re, err := regexp.Compile(args[1]) // as pkg/client/cli/daemon/request.go does
		if err != nil {
			t.Fatalf("--use %q: %v", args[1], err)
		}
		var matched []string
		for _, d := range daemons {
			if re.MatchString(d) {
				matched = append(matched, d)
			}
		}
		if !slices.Equal(matched, []string{name}) {
			t.Errorf("--use %q matches %q, want only %q", args[1], matched, name)
		}
	}
	if args := (Contract{}).useFlags(); args != nil {
		t.Errorf("useFlags without a daemon name: %q", args)
	}
}
