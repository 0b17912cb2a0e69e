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

// AtLeast tells whether v is major.minor or newer.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || v.Major == major && v.Minor >= minor
}

func (v Version) String() string {
	if v.IsZero() {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// Releases where the CLI contract changed (docs/telepresence-contract.md).
var (
	// Teleroute: 2.23 replaced the shared network namespace of docker mode
	// with the Teleroute network plugin.
	Teleroute = Version{2, 23, 0}
	// HTTPHeaders: `intercept --http-header` exists from 2.25.
	HTTPHeaders = Version{2, 25, 0}
	// FormatFlag: --format json exists from 2.29, where --output is
	// deprecated with a note on stderr (pkg/client/cli/output/output.go).
	FormatFlag = Version{2, 29, 0}
	// Detach: 2.30 renamed leave to detach and kept leave as a hidden,
	// deprecated alias (pkg/client/cli/cmd/detach.go).
	Detach = Version{2, 30, 0}
)

// Releases that added a command or a flag of the attachments
// (docs/telepresence-contract.md#release-table).
var (
	// Ingest: `telepresence ingest` exists from 2.21, as does --container.
	Ingest = Version{2, 21, 0}
	// Replace: `telepresence replace` exists from 2.22, and --port may be
	// repeated from 2.22.
	Replace = Version{2, 22, 0}
	// Wiretap: `telepresence wiretap` exists from 2.23.
	Wiretap = Version{2, 23, 0}
	// Reroute: `connect --reroute-local/--reroute-remote` exist from 2.24.
	Reroute = Version{2, 24, 0}
)
