package vocab

import "testing"

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]Version{
		"v2.20.2": {2, 20, 2}, "2.27.3": {2, 27, 3}, "2.30.0-rc.1": {2, 30, 0}, "v2.25": {2, 25, 0},
	} {
		if got, ok := ParseVersion(in); !ok || got != want {
			t.Errorf("ParseVersion(%q) = %v, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "two", "2", "v2.x.1"} {
		if _, ok := ParseVersion(bad); ok {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
}
