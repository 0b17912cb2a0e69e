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
			return release{}, fmt.Errorf("bad release %q in %s: %v", s, fixture.FixtureFile, err)
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

// httpHeader: intercept --http-header exists from 2.25
// (pkg/client/cli/intercept/command.go).
func (r release) httpHeader() bool { return r.minor >= 25 }

// format: --format exists from 2.29; --output is then deprecated
// (pkg/client/cli/output/output.go).
func (r release) format() bool { return r.minor >= 29 }

// detach: 2.30 renamed leave to detach, leave stays as a hidden,
// deprecated alias (pkg/client/cli/cmd/detach.go).
func (r release) detach() bool { return r.minor >= 30 }

// notFoundMessage is what leave/detach say about a missing intercept: 2.20
// pkg/client/cli/cmd/leave.go removeIntercept, 2.23+ disengage/detach.
func (r release) notFoundMessage(name string) string {
	if r.minor >= 23 {
		return fmt.Sprintf("Found no replace, intercept, or ingest named %q", name)
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
