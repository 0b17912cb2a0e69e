package telepresence

import (
	"bufio"
	"fmt"
	"regexp"
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

// Contract is the command line of one Telepresence release, talking to one
// daemon. Its zero value is the oldest supported release (2.20) with a
// single daemon.
type Contract struct {
	// Version is the release; zero when unknown (taken as the oldest).
	Version Version
	// Use names the daemon (--use) when several run.
	Use string
}

func (c Contract) atLeast(v Version) bool { return c.Version.AtLeast(v.Major, v.Minor) }

// jsonFlags ask for JSON output: --format json where it exists, so that
// the deprecation note of --output stays away from the user.
func (c Contract) jsonFlags() []string {
	if c.atLeast(FormatFlag) {
		return []string{"--format", "json"}
	}
	return []string{"--output", "json"}
}

// useFlags select the daemon when several run. --use is a regular
// expression matched unanchored against the daemons' names
// (pkg/client/cli/daemon/request.go and info.go): the name is quoted and
// anchored, so that kind-default-cn does not also match kind-kind-default-cn.
func (c Contract) useFlags() []string {
	if c.Use == "" {
		return nil
	}
	return []string{"--use", "^" + regexp.QuoteMeta(c.Use) + "$"}
}

// leaveCommand ends an intercept: `detach` on the 2.30 line, where `leave`
// is a deprecated alias, `leave` before.
func (c Contract) leaveCommand() string {
	if c.atLeast(Detach) {
		return "detach"
	}
	return "leave"
}

// SupportsHTTPHeaders tells whether `intercept --http-header` exists.
func (c Contract) SupportsHTTPHeaders() bool { return c.atLeast(HTTPHeaders) }

// ParseClientVersion reads the client's release from `telepresence version`,
// whose first line is "OSS Client : v2.27.3" (the label varies: "Client",
// "OSS Client", "Enterprise Client").
func ParseClientVersion(out []byte) (Version, bool) {
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		label, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.Contains(strings.ToLower(label), "client") {
			continue
		}
		return ParseVersion(value)
	}
	return Version{}, false
}
