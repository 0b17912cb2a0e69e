// Package telepresence drives the Telepresence CLI (in docker mode) through
// its JSON output, and its containerized daemon through one gRPC call.
package telepresence

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Client is what the plugin needs from Telepresence. Tests use a fake.
type Client interface {
	// Status reports the daemon. A daemon that is not connected is not an
	// error: Status.Running is false.
	Status(ctx context.Context) (*Status, error)
	// Connect starts the containerized daemon (telepresence connect --docker).
	Connect(ctx context.Context, opts ConnectOptions) error
	// Intercept creates one intercept and returns what the pod exposes.
	Intercept(ctx context.Context, opts InterceptOptions) (*Intercept, error)
	// Leave removes an intercept. Leaving one that does not exist returns an
	// error wrapping ErrNotFound.
	Leave(ctx context.Context, name string) error
	// Quit stops the daemon (telepresence quit).
	Quit(ctx context.Context) error
	// SetDNSMappings makes names resolve to cluster services inside the
	// daemon's network.
	SetDNSMappings(ctx context.Context, daemonPort int, mappings []DNSMapping) error
}

// Sentinel errors, wrapped by the errors of Client implementations.
var (
	// ErrNotInstalled means the telepresence binary was not found.
	ErrNotInstalled = errors.New("telepresence is not installed")
	// ErrNotDocker means the daemon runs on the host, not in a container.
	ErrNotDocker = errors.New("telepresence is connected without --docker")
	// ErrFailed means a telepresence command failed.
	ErrFailed = errors.New("telepresence command failed")
	// ErrTimeout means a telepresence command did not finish in time.
	ErrTimeout = errors.New("telepresence command timed out")
	// ErrBadOutput means telepresence printed something we cannot read.
	ErrBadOutput = errors.New("unexpected telepresence output")
	// ErrNotFound means the intercept to leave does not exist.
	ErrNotFound = errors.New("intercept not found")
)

// Status is the state of the Telepresence daemon.
type Status struct {
	Running bool
	// InDocker is true for a containerized daemon (connect --docker).
	InDocker bool
	// Name is the connection name; the daemon container is tp-<name>.
	Name string
	// DaemonPort is the host port of the daemon's gRPC API.
	DaemonPort int
	// ContainerNetwork is "container:<daemon container>".
	ContainerNetwork string
	ExposedPorts     []string
	Namespace        string
	Context          string
	Status           string
}

// DaemonContainer is the name of the daemon container.
func (s *Status) DaemonContainer() string {
	if c, ok := strings.CutPrefix(s.ContainerNetwork, "container:"); ok && c != "" {
		return c
	}
	return "tp-" + s.Name
}

// ConnectOptions are the flags of `telepresence connect --docker`.
type ConnectOptions struct {
	Context          string
	Namespace        string
	ManagerNamespace string
	MappedNamespaces []string
	// Expose are the ports the daemon container publishes ([IP:]HOST:PORT).
	Expose []string
}

// Args is the command line of the connect.
func (o ConnectOptions) Args() []string {
	args := []string{"connect", "--docker"}
	add := func(flag, value string) {
		if value != "" {
			args = append(args, flag, value)
		}
	}
	add("--context", o.Context)
	add("--namespace", o.Namespace)
	add("--manager-namespace", o.ManagerNamespace)
	add("--mapped-namespaces", strings.Join(o.MappedNamespaces, ","))
	for _, e := range o.Expose {
		args = append(args, "--expose", e)
	}
	return args
}

// InterceptOptions are the flags of `telepresence intercept`.
type InterceptOptions struct {
	Workload    string
	Port        string
	Service     string
	HTTPHeaders []string
	Mount       bool
}

// Args is the command line of the intercept.
func (o InterceptOptions) Args() []string {
	args := []string{"intercept", o.Workload, "--port", o.Port}
	if o.Service != "" {
		args = append(args, "--service", o.Service)
	}
	for _, h := range o.HTTPHeaders {
		args = append(args, "--http-header", h)
	}
	if !o.Mount {
		args = append(args, "--mount=false")
	}
	return append(args, "--detailed-output", "--output", "json")
}

// Intercept is what an intercept gives the handler.
type Intercept struct {
	ID          string
	Name        string
	Disposition string
	Message     string
	Environment map[string]string
	// MountPort is where the Telemount driver reaches the pod's volumes.
	MountPort int
	// Mounts are the paths of the pod's volumes.
	Mounts []string
}

// DNSMapping makes Name resolve to AliasFor in the daemon's network.
type DNSMapping struct {
	Name     string
	AliasFor string
}

// CommandError is a failed telepresence command with what it said.
type CommandError struct {
	Args    []string
	Message string
	Err     error
}

func (e *CommandError) Error() string {
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		msg = e.Err.Error()
	}
	// The command and its first argument say enough; the rest is flags.
	cmd := e.Args[:min(2, len(e.Args))]
	if len(cmd) == 2 && strings.HasPrefix(cmd[1], "-") {
		cmd = cmd[:1]
	}
	return fmt.Sprintf("telepresence %s: %s", strings.Join(cmd, " "), msg)
}

func (e *CommandError) Unwrap() error { return e.Err }
