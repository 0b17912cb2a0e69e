package vocab

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a Telepresence release, such as 2.27.3. The zero Version means
// the release did not say (older daemons print no version in status).
type Version struct {
	Major, Minor, Patch int
}

// ParseVersion reads "v2.27.3", "2.27.3" or "2.30.0-rc.1" (the suffix is
// ignored).
func ParseVersion(s string) (Version, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	s, _, _ = strings.Cut(s, "-")
	s, _, _ = strings.Cut(s, "+")
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return Version{}, false
		}
		n[i] = v
	}
	return Version{n[0], n[1], n[2]}, true
}

// IsZero tells an unknown version.
func (v Version) IsZero() bool { return v == Version{} }

func (v Version) String() string {
	if v.IsZero() {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// A Feature is a part of the CLI's contract that a release added, named by
// what it is; its value is the release that added it
// (docs/telepresence-contract.md#release-table).
type Feature struct{ major, minor int }

// The features the plugin depends on.
var (
	// IngestCommand: `telepresence ingest` exists from 2.21, as does
	// --container.
	IngestCommand = Feature{2, 21}
	// ReplaceCommand: `telepresence replace` exists from 2.22, and --port
	// may be repeated from 2.22.
	ReplaceCommand = Feature{2, 22}
	// Teleroute: 2.23 replaced the shared network namespace of docker mode
	// with the Teleroute network plugin.
	Teleroute = Feature{2, 23}
	// WiretapCommand: `telepresence wiretap` exists from 2.23.
	WiretapCommand = Feature{2, 23}
	// Reroute: `connect --reroute-local/--reroute-remote` exist from 2.24.
	Reroute = Feature{2, 24}
	// LeaveIngestContainer: `leave --container` names the container of an
	// ingest from 2.24.
	LeaveIngestContainer = Feature{2, 24}
	// HTTPFilters: `intercept --http-header`, --http-path-* and --metadata
	// exist from 2.25.
	HTTPFilters = Feature{2, 25}
	// StatusListsEveryKind: status lists ingests, intercepts, replacements
	// and wiretaps apart, each left out when empty
	// (pkg/client/cli/cmd/status.go UserDaemonStatus at v2.27.4).
	StatusListsEveryKind = Feature{2, 27}
	// FormatFlag: --format json exists from 2.29, where --output is
	// deprecated with a note on stderr (pkg/client/cli/output/output.go).
	FormatFlag = Feature{2, 29}
	// DetachCommand: 2.30 renamed leave to detach and kept leave as a
	// hidden, deprecated alias (pkg/client/cli/cmd/detach.go).
	DetachCommand = Feature{2, 30}
)

// Has tells whether the release v has the feature. An unknown release has
// none.
func (v Version) Has(f Feature) bool {
	return v.Major > f.major || v.Major == f.major && v.Minor >= f.minor
}

// Release is the first release that has the feature.
func (f Feature) Release() Version { return Version{f.major, f.minor, 0} }

// String names the release line that added the feature, such as 2.24.
func (f Feature) String() string { return fmt.Sprintf("%d.%d", f.major, f.minor) }

// ModelFor is the network model of a release's docker mode: netns before
// 2.23, Teleroute since.
func ModelFor(v Version) Model {
	if v.Has(Teleroute) {
		return ModelTeleroute
	}
	return ModelNetns
}
