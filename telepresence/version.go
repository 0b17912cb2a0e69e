package telepresence

import (
	"bufio"
	"regexp"
	"strings"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// Contract is the command line of one Telepresence release, talking to one
// daemon. Its zero value is the oldest supported release (2.20) with a
// single daemon.
type Contract struct {
	// Version is the release; zero when unknown (taken as the oldest).
	Version vocab.Version
	// Use names the daemon (--use) when several run.
	Use string
}

func (c Contract) has(f vocab.Feature) bool { return c.Version.Has(f) }

// jsonFlags ask for JSON output: --format json where it exists, so that
// the deprecation note of --output stays away from the user.
func (c Contract) jsonFlags() []string {
	if c.has(vocab.FormatFlag) {
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
	if c.has(vocab.DetachCommand) {
		return "detach"
	}
	return "leave"
}

// ParseClientVersion reads the client's release from `telepresence version`,
// whose first line is "OSS Client : v2.27.3" (the label varies: "Client",
// "OSS Client", "Enterprise Client").
func ParseClientVersion(out []byte) (vocab.Version, bool) {
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		label, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.Contains(strings.ToLower(label), "client") {
			continue
		}
		return vocab.ParseVersion(value)
	}
	return vocab.Version{}, false
}
