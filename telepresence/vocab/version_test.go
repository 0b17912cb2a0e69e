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

func TestFeaturesAndModels(t *testing.T) {
	tests := []struct {
		v       Version
		feature Feature
		has     bool
		model   Model
	}{
		{Version{}, Teleroute, false, ModelNetns}, // an unknown release has no feature
		{Version{2, 22, 4}, Teleroute, false, ModelNetns},
		{Version{2, 23, 0}, Teleroute, true, ModelTeleroute},
		{Version{2, 24, 9}, HTTPFilters, false, ModelTeleroute},
		{Version{2, 25, 0}, HTTPFilters, true, ModelTeleroute},
		{Version{3, 0, 0}, DetachCommand, true, ModelTeleroute},
	}
	for _, tt := range tests {
		if got := tt.v.Has(tt.feature); got != tt.has {
			t.Errorf("%s.Has(%s) = %v", tt.v, tt.feature, got)
		}
		if got := ModelFor(tt.v); got != tt.model {
			t.Errorf("ModelFor(%s) = %s, want %s", tt.v, got, tt.model)
		}
	}
	if Reroute.String() != "2.24" || Reroute.Release() != (Version{2, 24, 0}) {
		t.Errorf("Reroute is %s (%s)", Reroute, Reroute.Release())
	}
}
