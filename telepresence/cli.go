package telepresence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// DefaultTimeout bounds every telepresence command unless configured.
const DefaultTimeout = 2 * time.Minute

// InterruptGrace is how long a command has to end after SIGINT before it
// is killed.
const InterruptGrace = 10 * time.Second

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

func (c *CLI) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// run executes one telepresence command, bounded by the timeout, in its own
// process group. When ctx ends or the timeout passes it is interrupted with
// SIGINT, and killed only if it has not ended InterruptGrace later.
func (c *CLI) run(ctx context.Context, args ...string) (stdout []byte, err error) {
	return c.exec(ctx, true, args...)
}

// read executes a telepresence command that only reads (status, version)
// as run does, but kills it at once when ctx ends or the timeout passes:
// it leaves nothing half-done, and a command that gave up on it need not
// wait for it.
func (c *CLI) read(ctx context.Context, args ...string) (stdout []byte, err error) {
	return c.exec(ctx, false, args...)
}

func (c *CLI) exec(ctx context.Context, interrupt bool, args ...string) (stdout []byte, err error) {
	timeout := c.timeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.binary(), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	ownProcessGroup(cmd, interrupt)
	cmd.WaitDelay = InterruptGrace
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

// failureMessage prefers the JSON error of a failed command: "err" in the
// envelope of --output json (internal/samples/intercept-error.json),
// "error" with --format json (pkg/client/cli/output/output.go); then stderr.
func failureMessage(stdout, stderr []byte) string {
	var wrapped struct {
		Err   string `json:"err"`
		Error string `json:"error"`
	}
	for _, out := range [][]byte{stdout, stderr} {
		wrapped.Err, wrapped.Error = "", ""
		if json.Unmarshal(out, &wrapped) != nil {
			continue
		}
		if wrapped.Err != "" {
			return wrapped.Err
		}
		if wrapped.Error != "" {
			return wrapped.Error
		}
	}
	if msg := strings.TrimSpace(string(stderr)); msg != "" {
		return withoutCommandPrefix(msg)
	}
	// JSON on stdout without an "err" may be an intercept's answer, which
	// holds the pod's environment: never quote it.
	if json.Valid(stdout) {
		return fmt.Sprintf("it failed without a message (%d bytes of JSON output not shown)", len(stdout))
	}
	return truncate(stdout)
}

// unwrapJSON accepts both the bare object and the {"cmd","stdout","err"}
// envelope that some releases print with JSON output.
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

// Status runs `telepresence status --output json`. Before status has
// answered the release is unknown, and --output json is what every release
// takes (the 2.30 line notes its deprecation on stderr).
func (c *CLI) Status(ctx context.Context) (*Status, error) {
	args := []string{"status", "--output", "json"}
	out, err := c.read(ctx, args...)
	if err != nil {
		return nil, err
	}
	st, err := parseStatus(out)
	if err != nil {
		return nil, &CommandError{Args: args, Err: ErrBadOutput,
			Message: fmt.Sprintf("cannot read its JSON output (%v): %q; is this Telepresence 2.20 or newer?", err, truncate(out))}
	}
	return st, nil
}

// ClientVersion runs `telepresence version` and reads the client's line.
func (c *CLI) ClientVersion(ctx context.Context) (vocab.Version, error) {
	args := []string{"version"}
	out, err := c.read(ctx, args...)
	if err != nil {
		return vocab.Version{}, err
	}
	v, ok := ParseClientVersion(out)
	if !ok {
		return vocab.Version{}, &CommandError{Args: args, Err: ErrBadOutput,
			Message: fmt.Sprintf("no client version in %q", truncate(out))}
	}
	return v, nil
}

// Connect runs `telepresence connect --docker ...`.
func (c *CLI) Connect(ctx context.Context, opts ConnectOptions) error {
	_, err := c.run(ctx, opts.Args()...)
	return err
}

// Attach runs the command of an attachment (intercept, replace, wiretap
// or ingest) with JSON output, and reads what it gives the handler.
func (c *CLI) Attach(ctx context.Context, opts AttachOptions) (*vocab.Attachment, error) {
	args := opts.Args()
	out, err := c.run(ctx, args...)
	if err != nil {
		return nil, err
	}
	return parseAttachment(opts.Kind, args, out)
}

// Quit runs `telepresence quit`, which stops the daemon.
func (c *CLI) Quit(ctx context.Context, contract Contract) error {
	_, err := c.run(ctx, append([]string{"quit"}, contract.useFlags()...)...)
	return err
}

// Detach ends an attachment: `telepresence leave NAME` (`detach NAME` on
// the 2.30 line); an ingest is named by its workload, with --container
// where the release has it (2.24+). The error for a missing attachment
// differs by release: `Intercept named "X"
// not found` in 2.20, `Intercept or ingest named "X" not found` in 2.21
// and 2.22, `Found no replace, intercept, or ingest named "X"` since.
func (c *CLI) Detach(ctx context.Context, contract Contract, opts vocab.AttachmentRef) error {
	args := []string{contract.leaveCommand(), opts.Name}
	if opts.Kind == vocab.KindIngest && opts.Container != "" && contract.has(vocab.LeaveIngestContainer) {
		args = append(args, "--container", opts.Container)
	}
	_, err := c.run(ctx, append(args, contract.useFlags()...)...)
	var ce *CommandError
	if errors.As(err, &ce) && errors.Is(err, ErrFailed) && missingAttachment(ce.Message) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// missingAttachment tells the texts a missing attachment gets: the CLI's `Intercept named "X" not found` (2.20), `Intercept or ingest named
// "X" not found` (2.21, 2.22: pkg/client/cli/cmd/leave.go
// removeIngestOrIntercept), the daemon's `found no intercept named X`, and
// `Found no replace, intercept, or ingest named "X"` (2.23 and newer); not
// any "not found" (a context, a daemon...).
func missingAttachment(msg string) bool {
	msg = strings.ToLower(msg)
	return (strings.Contains(msg, "intercept named") || strings.Contains(msg, "intercept or ingest named")) &&
		strings.Contains(msg, "not found") ||
		strings.Contains(msg, "found no intercept named") ||
		strings.Contains(msg, "found no replace, intercept, or ingest named")
}

func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist)
}

func truncate(b []byte) string {
	const limit = 200
	s := strings.TrimSpace(string(b))
	if len(s) > limit {
		return s[:limit] + "..."
	}
	return s
}

// commandPrefix is what the CLI puts before an error it prints
// (`telepresence connect: error: `, cmd/telepresence's Main): CommandError
// names the command already.
var commandPrefix = regexp.MustCompile(`^telepresence [a-z-]+: error: `)

func withoutCommandPrefix(msg string) string {
	return commandPrefix.ReplaceAllString(msg, "")
}
