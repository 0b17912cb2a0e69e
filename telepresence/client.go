// Package telepresence drives the Telepresence CLI (in docker mode) through
// its JSON output, and its containerized daemon through one gRPC call. The
// command lines follow the release that runs (Contract); the shapes it reads
// are described in docs/telepresence-contract.md, with samples in
// internal/samples.
package telepresence

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// Client is what the plugin needs from Telepresence. Tests use a fake.
type Client interface {
	// Status reports the containerized daemons. None running is not an
	// error: Status.Running() is false.
	Status(ctx context.Context) (*Status, error)
	// ClientVersion is the release of the installed CLI (`telepresence version`).
	ClientVersion(ctx context.Context) (vocab.Version, error)
	// Connect starts a containerized daemon (telepresence connect --docker).
	Connect(ctx context.Context, opts ConnectOptions) error
	// Attach makes one attachment (intercept, replace, wiretap or ingest)
	// and returns what the pod gives its handler.
	Attach(ctx context.Context, opts AttachOptions) (*vocab.Attachment, error)
	// Detach ends an attachment. Ending one that does not exist returns an
	// error wrapping ErrNotFound.
	Detach(ctx context.Context, c Contract, opts vocab.AttachmentRef) error
	// Quit stops the daemon (telepresence quit).
	Quit(ctx context.Context, c Contract) error
	// SetDNSMappings replaces the daemon's DNS mappings; addr is the host
	// address of its gRPC port.
	SetDNSMappings(ctx context.Context, addr string, mappings []vocab.DNSMapping) error
}

// Sentinel errors, wrapped by the errors of Client implementations.
var (
	// ErrNotInstalled means the telepresence binary was not found.
	ErrNotInstalled = errors.New("telepresence is not installed")
	// ErrSeveralDaemons means several daemons run and none is the project's.
	ErrSeveralDaemons = errors.New("several Telepresence daemons run")
	// ErrFailed means a telepresence command failed.
	ErrFailed = errors.New("telepresence command failed")
	// ErrTimeout means a telepresence command did not finish in time.
	ErrTimeout = errors.New("telepresence command timed out")
	// ErrBadOutput means telepresence printed something we cannot read.
	ErrBadOutput = errors.New("unexpected telepresence output")
	// ErrNotFound means the attachment to end does not exist.
	ErrNotFound = errors.New("attachment not found")
)

// ConnectOptions are the flags of `telepresence connect --docker`.
type ConnectOptions struct {
	// Name names the connection (connect --name): the daemon is tp-<Name>.
	Name             string
	Context          string
	Namespace        string
	ManagerNamespace string
	MappedNamespaces []string
	// Expose are the ports the daemon container publishes ([IP:]HOST:PORT):
	// the handlers' in the netns model, and a proxied service's published
	// ports.
	Expose []string
	// AlsoProxy and NeverProxy are subnets to route, or not, to the cluster.
	AlsoProxy, NeverProxy []string
	// RerouteLocal (<local port>:<host>:<port>) and RerouteRemote
	// (<host>:<port>:<new port>) redirect ports of the daemon and of
	// cluster services (2.24+).
	RerouteLocal  []string
	RerouteRemote []string
}

// Args is the command line of the connect.
func (o ConnectOptions) Args() []string {
	args := []string{"connect", "--docker"}
	add := func(flag, value string) {
		if value != "" {
			args = append(args, flag, value)
		}
	}
	add("--name", o.Name)
	add("--context", o.Context)
	add("--namespace", o.Namespace)
	add("--manager-namespace", o.ManagerNamespace)
	add("--mapped-namespaces", strings.Join(o.MappedNamespaces, ","))
	add("--also-proxy", strings.Join(o.AlsoProxy, ","))
	add("--never-proxy", strings.Join(o.NeverProxy, ","))
	for _, e := range o.Expose {
		args = append(args, "--expose", e)
	}
	for _, r := range o.RerouteLocal {
		args = append(args, "--reroute-local", r)
	}
	for _, r := range o.RerouteRemote {
		args = append(args, "--reroute-remote", r)
	}
	return args
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

// AlreadyExists tells an intercept refused because one of that name exists:
// `Intercept with name "NAME" already exists` in every release
// (internal/samples/errors.txt).
func AlreadyExists(err error) bool {
	var ce *CommandError
	return errors.As(err, &ce) && errors.Is(err, ErrFailed) && strings.Contains(strings.ToLower(ce.Message), "already exists")
}
