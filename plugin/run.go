package plugin

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/format"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/cli/cli"
	"github.com/docker/compose/v5/cmd/display"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/mattn/go-shellwords"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// runOptions are the flags of `run`, as Compose's (cmd/compose/run.go).
type runOptions struct {
	api.RunOptions
	env, envFiles, labels, volumes, publish []string
	servicePorts, quiet, noTty, build       bool
	pull                                    string
	quietBuild                              bool
	// ttyChosen tells -t, -T or -i given: else the TTY follows stdin.
	ttyChosen bool
}

var runVerb = verb{name: "run", services: true, read: readRunOptions}

func readRunOptions(f *verbFlags) (verbRun, error) {
	o := runOptions{env: f.Strings("env"), envFiles: f.Strings("env-from-file"), labels: f.Strings("label"), volumes: f.Strings("volume"),
		publish: f.Strings("publish"), servicePorts: f.Bool("service-ports"), quiet: f.Bool("quiet"), noTty: f.Bool("no-tty"),
		build: f.Bool("build"), pull: f.String("pull"), quietBuild: f.Bool("quiet-build"),
		RunOptions: api.RunOptions{Detach: f.Bool("detach"), AutoRemove: f.Bool("rm"), Name: f.String("name"), User: f.String("user"),
			WorkingDir: f.String("workdir"), CapAdd: f.Strings("cap-add"), CapDrop: f.Strings("cap-drop"), NoDeps: f.Bool("no-deps"),
			UseNetworkAliases: f.Bool("use-aliases"), Interactive: f.Bool("interactive"),
			CreateOptions: api.CreateOptions{RemoveOrphans: f.Bool("remove-orphans"), QuietPull: f.Bool("quiet-pull")}}}
	tty := f.Bool("tty")
	switch {
	case len(o.publish) > 0 && o.servicePorts:
		return nil, errors.New("--service-ports and --publish are incompatible")
	case f.Changed("tty") && f.Changed("no-tty"):
		return nil, errors.New("--tty and --no-tty can't be used together")
	case f.Changed("tty"):
		o.noTty = !tty
	}
	o.ttyChosen = f.Changed("tty") || f.Changed("no-tty") || f.Changed("interactive")
	if f.Changed("entrypoint") {
		cmd, err := shellwords.Parse(f.String("entrypoint"))
		if err != nil {
			return nil, err
		}
		o.Entrypoint = cmd
	}
	o.Labels = types.Labels{}
	for _, l := range o.labels {
		key, value, ok := strings.Cut(l, "=")
		if !ok {
			return nil, errors.New("label must be set as KEY=VALUE")
		}
		o.Labels[key] = value
	}
	return o.run, nil
}

// run runs a one-off container of a service in the project as `up` ran it
// (lifecycle.RunOneOff); its exit status is the plugin's, as Compose's.
// Compose forwards every signal to the one-off while it runs.
func (o runOptions) run(ctx context.Context, c *verbContext, args []string) error {
	if o.quiet {
		c.global.progress = display.ModeQuiet
	}
	if !o.ttyChosen && !c.dockerCli.In().IsTerminal() {
		o.noTty = true // run from a script with stdin piped: no terminal to give the container
	}
	backend, err := c.backend()
	if err != nil {
		return err
	}
	project, intent, err := c.global.loadIntent(ctx, backend, transform.Flags{}, nil, "run", args[0])
	if err != nil {
		return err
	}
	opts := o.RunOptions
	opts.Service, opts.Command, opts.Tty = args[0], args[1:], !o.noTty
	if opts.Environment, err = o.environment(project); err != nil {
		return err
	}
	build := &api.BuildOptions{Quiet: o.quietBuild}
	opts.Build = build
	code, err := newRunner(c.dockerCli, c.global, backend).RunOneOff(ctx, lifecycle.OneOffOptions{Project: project, Intent: intent, Run: opts, Service: o.service})
	if code != 0 {
		status := ""
		if err != nil {
			status = err.Error()
		}
		return cli.StatusError{StatusCode: code, Status: status}
	}
	return locateIntentErrors(err, project)
}

// service is the service as its one-off runs it: its ports only with
// --service-ports, else those --publish gives; --volume's volumes too; and
// a pull policy from --pull or --build.
func (o runOptions) service(svc types.ServiceConfig) (types.ServiceConfig, error) {
	svc.Tty, svc.StdinOpen = !o.noTty, o.Interactive
	if !o.servicePorts {
		svc.Ports = nil
		for _, p := range o.publish {
			ports, err := types.ParsePortConfig(p)
			if err != nil {
				return svc, err
			}
			svc.Ports = append(svc.Ports, ports...)
		}
	}
	for _, v := range o.volumes {
		volume, err := format.ParseVolume(v)
		if err != nil {
			return svc, err
		}
		svc.Volumes = append(svc.Volumes, volume)
	}
	switch {
	case o.build:
		svc.PullPolicy = types.PullPolicyBuild
	case o.pull != "" && o.pull != "policy":
		svc.PullPolicy = o.pull
	}
	return svc, nil
}

// environment is the one-off's environment from -e (a KEY alone takes the
// project's value) and --env-from-file, the flags winning over the files.
func (o runOptions) environment(project *types.Project) ([]string, error) {
	env := types.NewMappingWithEquals(o.env).Resolve(project.Environment.Resolve).ToMapping()
	for _, file := range o.envFiles {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		vars, err := dotenv.ParseWithLookup(f, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		_ = f.Close()
		if err != nil {
			return nil, err
		}
		for k, v := range vars {
			if _, set := env[k]; !set {
				env[k] = v
			}
		}
	}
	return env.Values(), nil
}
