package telepresence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// DefaultTimeout bounds every telepresence command unless configured.
const DefaultTimeout = 2 * time.Minute

// CLI is the Client that runs the telepresence binary.
type CLI struct {
	// Binary is the program to run; "telepresence" (from PATH) when empty.
	Binary string
	// Timeout bounds each command; DefaultTimeout when zero.
	Timeout time.Duration
}

var _ Client = (*CLI)(nil)

func (c *CLI) binary() string {
	if c.Binary == "" {
		return "telepresence"
	}
	return c.Binary
}

// run executes one telepresence command, bounded by the timeout, in its own
// process group so that a Ctrl-C meant for the plugin does not kill it
// half-way: the plugin decides what to undo.
func (c *CLI) run(ctx context.Context, args ...string) (stdout []byte, err error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.binary(), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 5 * time.Second
	detach(cmd)
	err = cmd.Run()
	switch {
	case err == nil:
		return out.Bytes(), nil
	case errors.Is(err, exec.ErrNotFound) || isNotExist(err):
		return nil, fmt.Errorf("%w: %q not found (install Telepresence 2.20 or newer from https://telepresence.io/docs/install, or name the binary with --telepresence or DOCKER_TELEPRESENCE_BINARY)",
			ErrNotInstalled, c.binary())
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, &CommandError{Args: args, Err: ErrTimeout,
			Message: fmt.Sprintf("no answer after %s (raise the limit with --telepresence-timeout)", timeout)}
	case ctx.Err() != nil:
		return nil, &CommandError{Args: args, Err: ctx.Err()}
	}
	return out.Bytes(), &CommandError{Args: args, Err: ErrFailed, Message: failureMessage(out.Bytes(), errOut.Bytes())}
}

// failureMessage prefers the JSON "err" of --output json, then stderr.
func failureMessage(stdout, stderr []byte) string {
	var wrapped struct {
		Err string `json:"err"`
	}
	if json.Unmarshal(stdout, &wrapped) == nil && wrapped.Err != "" {
		return wrapped.Err
	}
	if json.Unmarshal(stderr, &wrapped) == nil && wrapped.Err != "" {
		return wrapped.Err
	}
	if msg := strings.TrimSpace(string(stderr)); msg != "" {
		return msg
	}
	// JSON on stdout without an "err" may be an intercept's answer, which
	// holds the pod's environment: never quote it.
	if json.Valid(stdout) {
		return fmt.Sprintf("it failed without a message (%d bytes of JSON output not shown)", len(stdout))
	}
	return truncate(stdout)
}

// unwrapJSON accepts both the bare object and the {"cmd":..,"stdout":..,"err":..}
// envelope that some Telepresence versions print with --output json.
func unwrapJSON(out []byte) (json.RawMessage, error) {
	var env struct {
		Cmd    string          `json:"cmd"`
		Stdout json.RawMessage `json:"stdout"`
		Err    string          `json:"err"`
	}
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, err
	}
	if env.Err != "" {
		return nil, errors.New(env.Err)
	}
	if env.Cmd != "" && len(env.Stdout) > 0 {
		return env.Stdout, nil
	}
	return out, nil
}

type daemonJSON struct {
	Running          bool     `json:"running"`
	InDocker         bool     `json:"in_docker"`
	Name             string   `json:"name"`
	DaemonPort       int      `json:"daemon_port"`
	ContainerNetwork string   `json:"container_network"`
	ExposedPorts     []string `json:"exposedPorts"`
	Status           string   `json:"status"`
	Context          string   `json:"kubernetes_context"`
	Namespace        string   `json:"namespace"`
}

// Status runs `telepresence status --output json`.
func (c *CLI) Status(ctx context.Context) (*Status, error) {
	args := []string{"status", "--output", "json"}
	out, err := c.run(ctx, args...)
	if err != nil {
		return nil, err
	}
	bad := func(err error) error {
		return &CommandError{Args: args, Err: ErrBadOutput,
			Message: fmt.Sprintf("cannot read its JSON output (%v): %q; is this Telepresence 2.20 or newer?", err, truncate(out))}
	}
	raw, err := unwrapJSON(out)
	if err != nil {
		return nil, bad(err)
	}
	var st struct {
		Daemon     *daemonJSON `json:"daemon"`
		UserDaemon *daemonJSON `json:"user_daemon"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, bad(err)
	}
	switch {
	case st.Daemon != nil && st.Daemon.Running && !st.Daemon.InDocker && st.Daemon.ContainerNetwork == "":
		return nil, notDocker(args)
	case st.Daemon != nil:
		d := st.Daemon
		return &Status{Running: d.Running, InDocker: d.InDocker, Name: d.Name, DaemonPort: d.DaemonPort,
			ContainerNetwork: d.ContainerNetwork, ExposedPorts: d.ExposedPorts, Namespace: d.Namespace,
			Context: d.Context, Status: d.Status}, nil
	case st.UserDaemon != nil && st.UserDaemon.Running:
		return nil, notDocker(args)
	}
	return &Status{Status: "Not running"}, nil
}

func notDocker(args []string) error {
	return &CommandError{Args: args, Err: ErrNotDocker,
		Message: "the Telepresence daemon runs on this host, not in a container; run `telepresence quit` and let docker telepresence connect it with `telepresence connect --docker`"}
}

// Connect runs `telepresence connect --docker ...`.
func (c *CLI) Connect(ctx context.Context, opts ConnectOptions) error {
	_, err := c.run(ctx, opts.Args()...)
	return err
}

type interceptJSON struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Disposition string            `json:"disposition"`
	Message     string            `json:"message"`
	Environment map[string]string `json:"environment"`
	Mount       *struct {
		Port   int             `json:"port"`
		Mounts json.RawMessage `json:"mounts"`
	} `json:"mount"`
}

// Intercept runs `telepresence intercept ... --detailed-output --output json`.
func (c *CLI) Intercept(ctx context.Context, opts InterceptOptions) (*Intercept, error) {
	args := opts.Args()
	out, err := c.run(ctx, args...)
	if err != nil {
		return nil, err
	}
	return parseIntercept(args, out)
}

func parseIntercept(args []string, out []byte) (*Intercept, error) {
	// The output holds the pod's environment: never quote it in an error.
	bad := func(err error) error {
		return &CommandError{Args: args, Err: ErrBadOutput,
			Message: fmt.Sprintf("cannot read its JSON output (%v; %d bytes, not shown as they may hold the pod's environment)", err, len(out))}
	}
	raw, err := unwrapJSON(out)
	if err != nil {
		return nil, bad(err)
	}
	var ij interceptJSON
	if err := json.Unmarshal(raw, &ij); err != nil {
		return nil, bad(err)
	}
	if ij.Disposition != "" && ij.Disposition != "ACTIVE" {
		msg := ij.Disposition
		if ij.Message != "" {
			msg += ": " + ij.Message
		}
		return nil, &CommandError{Args: args, Err: ErrFailed, Message: msg}
	}
	ic := &Intercept{ID: ij.ID, Name: ij.Name, Disposition: ij.Disposition, Message: ij.Message, Environment: ij.Environment}
	if ic.Name == "" {
		ic.Name = args[1]
	}
	if ij.Mount != nil {
		ic.MountPort = ij.Mount.Port
		if ic.Mounts, err = parseMounts(ij.Mount.Mounts); err != nil {
			return nil, bad(err)
		}
	}
	return ic, nil
}

// parseMounts reads mount.mounts: a list of paths in older Telepresence
// versions, a map of path to policy in newer ones.
func parseMounts(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var byPath map[string]json.RawMessage
	if err := json.Unmarshal(raw, &byPath); err != nil {
		return nil, fmt.Errorf("mount.mounts is neither a list nor a map of paths")
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths, nil
}

// Quit runs `telepresence quit`, which stops the daemon.
func (c *CLI) Quit(ctx context.Context) error {
	_, err := c.run(ctx, "quit")
	return err
}

// Leave runs `telepresence leave NAME`.
func (c *CLI) Leave(ctx context.Context, name string) error {
	_, err := c.run(ctx, "leave", name)
	var ce *CommandError
	if errors.As(err, &ce) && errors.Is(err, ErrFailed) && strings.Contains(strings.ToLower(ce.Message), "not found") {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

func truncate(b []byte) string {
	const max = 200
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
