package plugin

import (
	"context"
	"os"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/cli/cli"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/docker/compose/v5/pkg/compose"
)

// execOptions are the flags of `exec`, as Compose's (cmd/compose/exec.go).
type execOptions struct {
	api.RunOptions
	env []string
}

var execVerb = verb{name: "exec", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := execOptions{env: f.Strings("env"), RunOptions: api.RunOptions{Detach: f.Bool("detach"), Index: f.Int("index"),
		Privileged: f.Bool("privileged"), User: f.String("user"), Tty: !f.Bool("no-tty"), WorkingDir: f.String("workdir"),
		Interactive: f.Bool("interactive")}}
	f.Bool("tty") // Compose's hidden -t: a TTY is the default, -T turns it off
	return o.run, nil
}}

// run runs a command in a running container of a service, as `docker
// compose exec` does; a handler's has the pod's environment already. The
// command's exit status is the plugin's.
func (o execOptions) run(ctx context.Context, c *verbContext, args []string) error {
	t, backend, err := c.target(ctx, args[0])
	if err != nil {
		return err
	}
	opts := o.RunOptions
	opts.Service, opts.Command = args[0], args[1:]
	opts.Environment = compose.ToMobyEnv(types.NewMappingWithEquals(o.env).Resolve(t.lookupEnv))
	code, err := backend.Exec(ctx, t.name, opts)
	if code != 0 {
		status := ""
		if err != nil {
			status = err.Error()
		}
		return cli.StatusError{StatusCode: code, Status: status}
	}
	return err
}

// lookupEnv resolves a variable named without a value (-e KEY) as Compose
// does: from the project's environment (the shell's and the .env file's),
// or the shell's without compose files.
func (t target) lookupEnv(key string) (string, bool) {
	if t.local != nil {
		v, ok := t.local.Environment[key]
		return v, ok
	}
	return os.LookupEnv(key)
}
