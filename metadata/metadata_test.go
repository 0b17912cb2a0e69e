package metadata

import "testing"

// The Docker CLI only accepts a plugin whose metadata has schema 0.1.0 and
// shows Vendor, Version and ShortDescription in `docker info`.
func TestMetadata(t *testing.T) {
	old := Version
	t.Cleanup(func() { Version = old })
	Version = "v1.2.3-4-gabcdef" // as set by -ldflags from git describe
	m := Metadata()
	if m.SchemaVersion != "0.1.0" || m.Version != Version || m.Vendor == "" || m.ShortDescription == "" || m.URL == "" {
		t.Errorf("metadata = %+v", m)
	}
}
