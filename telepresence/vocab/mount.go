package vocab

import "strings"

// MountPolicy says how a pod volume reaches the handler (intercept
// mount.mounts as a map, 2.22+; Telepresence's pkg/types/mountpolicy.go).
type MountPolicy string

// Mount policies. A release that lists paths without policies (2.20, 2.21)
// mounts them all: PolicyRemote.
const (
	PolicyRemote         MountPolicy = "Remote"
	PolicyRemoteReadOnly MountPolicy = "RemoteReadOnly"
	PolicyLocal          MountPolicy = "Local"
	PolicyIgnore         MountPolicy = "Ignore"
)

// ParsePolicy reads a policy without regard to case, as Telepresence reads
// them (pkg/types/mountpolicy.go): 2.22 prints RemoteReadonly.
func ParsePolicy(s string) (MountPolicy, bool) {
	for _, p := range []MountPolicy{PolicyRemote, PolicyRemoteReadOnly, PolicyLocal, PolicyIgnore} {
		if strings.EqualFold(string(p), s) {
			return p, true
		}
	}
	return "", false
}

// Mounted tells whether a pod volume is mounted through Telemount: Remote
// and RemoteReadOnly are; Local and Ignore are not.
func (p MountPolicy) Mounted() bool { return p == PolicyRemote || p == PolicyRemoteReadOnly }

// ReadOnly tells a volume mounted read-only.
func (p MountPolicy) ReadOnly() bool { return p == PolicyRemoteReadOnly }

// Mount is one volume of the attached pod.
type Mount struct {
	Path   string
	Policy MountPolicy
}
