package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// release is the Telepresence release the stand-in emulates. Every
// behaviour that changed between releases asks it, by minor version, so any
// 2.x.y works (docs/telepresence-contract.md#release-table).
type release struct {
	text                string // "2.27.3"
	major, minor, patch int
}

func parseRelease(s string) (release, error) {
	if s == "" {
		s = fixture.Release220 // the zero fixture (fixture.go)
	}
	parts := strings.Split(strings.TrimPrefix(s, "v"), ".")
	if len(parts) != 3 {
		return release{}, fmt.Errorf("bad release %q in %s: want 2.X.Y", s, fixture.FixtureFile)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil {
			return release{}, fmt.Errorf("bad release %q in %s: %w", s, fixture.FixtureFile, err)
		}
		n[i] = v
	}
	if n[0] != 2 {
		return release{}, fmt.Errorf("bad release %q in %s: only 2.x is emulated", s, fixture.FixtureFile)
	}
	return release{text: strings.TrimPrefix(s, "v"), major: n[0], minor: n[1], patch: n[2]}, nil
}

func (r release) atLeast(minor, patch int) bool {
	return r.minor > minor || r.minor == minor && r.patch >= patch
}

// teleroute: 2.23 replaced the shared network namespace with the Teleroute
// network plugin (pkg/client/docker/teleroute/network.go).
func (r release) teleroute() bool { return r.minor >= 23 }

// mountPolicies: intercept's mount.mounts is a path -> policy map from 2.22
// (mount policies, pkg/client/cli/mount/info.go); a list before.
func (r release) mountPolicies() bool { return r.minor >= 22 }

// policyTypo: before 2.23.4 the policy was spelled "RemoteReadonly"
// (pkg/types/mountpolicy.go, fixed in 2.23.4).
func (r release) policyTypo() bool { return !r.atLeast(23, 4) }

// addressName: --address takes a name from 2.23; before, an IP only
// (pkg/client/cli/intercept/state.go).
func (r release) addressName() bool { return r.minor >= 23 }

// reroute: connect takes --reroute-local and --reroute-remote from 2.24
// (pkg/client/cli/daemon/request.go, CHANGELOG.yml 2.24.0); before, cobra
// refuses them as unknown flags.
func (r release) reroute() bool { return r.minor >= 24 }

// httpFilters: intercept and wiretap take --http-header,
// --http-path-equal, --http-path-prefix, --http-path-regex and (intercept)
// --metadata from 2.25 (pkg/client/cli/intercept/command.go; the 2.24 CLI
// reference lacks them, 2.25's has them).
func (r release) httpFilters() bool { return r.minor >= 25 }

// ingest: `telepresence ingest` exists from 2.21 (CHANGELOG 2.21.0;
// pkg/client/cli/ingest/command.go), as do intercept --container ("Intercepts
// targeting a specific container") and leave -c (pkg/client/cli/cmd/leave.go).
func (r release) ingest() bool { return r.minor >= 21 }

// attachNamespace: intercept, replace and wiretap take --namespace from
// 2.28 (CHANGELOG 2.28.0); ingest, leave and detach from 2.29 (release
// notes 2.29.0, "Ingest workloads in mapped namespaces").
func (r release) attachNamespace() bool { return r.minor >= 28 }
func (r release) ingestNamespace() bool { return r.minor >= 29 }

// nodeAgent: --node-agent on intercept, wiretap and ingest from 2.30
// (release notes 2.30.0, "Node-hosted traffic-agent").
func (r release) nodeAgent() bool { return r.minor >= 30 }

// statusKinds: status lists ingests, intercepts, replacements and wiretaps
// apart, each left out when empty (pkg/client/cli/cmd/status.go
// UserDaemonStatus at v2.27.4; the 2.27 sample has one intercept, and so
// only "intercepts").
func (r release) statusKinds() bool { return r.minor >= 27 }

// tunnelTransport: status has tunnel_transport, and the shape of
// status-2.31-teleroute.json.
func (r release) tunnelTransport() bool { return r.minor >= 31 }

// format: --format exists from 2.29; --output is then deprecated
// (pkg/client/cli/output/output.go).
func (r release) format() bool { return r.minor >= 29 }

// detach: 2.30 renamed leave to detach, leave stays as a hidden,
// deprecated alias (pkg/client/cli/cmd/detach.go).
func (r release) detach() bool { return r.minor >= 30 }

// notFoundMessage is what leave/detach say when they find nothing to end:
// 2.20 `Intercept named %q not found` (pkg/client/cli/cmd/leave.go at
// v2.20.2); 2.21 and 2.22 `Intercept or ingest named %q not found` (the
// leave.go that added ingests, removeIngestOrIntercept); from 2.23 `Found
// no replace, intercept, or ingest named %q`, with ` with container %q`
// when -c was given (leave.go disengage; detach.go).
func (r release) notFoundMessage(name, container string) string {
	switch {
	case r.minor >= 23 && container != "":
		return fmt.Sprintf("Found no replace, intercept, or ingest named %q with container %q", name, container)
	case r.minor >= 23:
		return fmt.Sprintf("Found no replace, intercept, or ingest named %q", name)
	case r.ingest():
		return fmt.Sprintf("Intercept or ingest named %q not found", name)
	}
	return fmt.Sprintf("Intercept named %q not found", name)
}

// policy spells a mount policy as this release prints it.
func (r release) policy(p string) string {
	if p == "RemoteReadOnly" && r.policyTypo() {
		return "RemoteReadonly"
	}
	return p
}
