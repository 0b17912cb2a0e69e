package plugin

import (
	"strings"
	"testing"
	"time"

	"github.com/docker/compose/v5/pkg/api"
	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/telepresenceio/docker-telepresence/lifecycle"
)

// The flags of up, watch and create reach the lifecycle as Compose's own
// commands read them (cmd/compose/up.go, watch.go, create.go), or are
// refused together as Compose refuses them.
func TestUpOptions(t *testing.T) {
	five := 5 * time.Second
	base := lifecycle.UpOptions{Mode: lifecycle.Attached, Recreate: api.RecreateDiverged}
	with := func(change func(*lifecycle.UpOptions)) lifecycle.UpOptions {
		o := base
		change(&o)
		return o
	}
	tests := []struct {
		name    string
		command lifecycle.Mode // the command: up (Attached), watch or create
		args    []string
		want    lifecycle.UpOptions
		wantErr string
	}{
		{name: "up", want: base},
		{name: "up -d", args: []string{"-d"}, want: with(func(o *lifecycle.UpOptions) { o.Mode = lifecycle.Detached })},
		{name: "up --wait", args: []string{"--wait", "--wait-timeout", "10"},
			want: with(func(o *lifecycle.UpOptions) { o.Mode, o.Wait, o.WaitTimeout = lifecycle.Detached, true, 10*time.Second })},
		{name: "up --no-start", args: []string{"--no-start"}, want: with(func(o *lifecycle.UpOptions) { o.Mode = lifecycle.Create })},
		{name: "up --build", args: []string{"--build"}, want: with(func(o *lifecycle.UpOptions) { o.Build = lifecycle.BuildAlways })},
		{name: "up --no-build", args: []string{"--no-build"}, want: with(func(o *lifecycle.UpOptions) { o.Build = lifecycle.BuildNever })},
		{name: "up --force-recreate", args: []string{"--force-recreate"}, want: with(func(o *lifecycle.UpOptions) { o.Recreate = api.RecreateForce })},
		{name: "up --no-recreate", args: []string{"--no-recreate"},
			want: with(func(o *lifecycle.UpOptions) {
				o.Recreate, o.RecreateDependencies = api.RecreateNever, api.RecreateNever
			})},
		{name: "up --always-recreate-deps", args: []string{"--always-recreate-deps"},
			want: with(func(o *lifecycle.UpOptions) { o.RecreateDependencies = api.RecreateForce })},
		{name: "up -V", args: []string{"-V"}, want: with(func(o *lifecycle.UpOptions) { o.RenewAnonVolumes = true })},
		{name: "up -t 5", args: []string{"-t", "5"}, want: with(func(o *lifecycle.UpOptions) { o.Timeout = &five })},
		{name: "up --quiet-pull --quiet-build", args: []string{"--quiet-pull", "--quiet-build"},
			want: with(func(o *lifecycle.UpOptions) { o.QuietPull, o.QuietBuild = true, true })},
		{name: "up --no-deps --remove-orphans", args: []string{"--no-deps", "--remove-orphans"},
			want: with(func(o *lifecycle.UpOptions) { o.NoDeps, o.RemoveOrphans = true, true })},
		{name: "up --abort-on-container-exit", args: []string{"--abort-on-container-exit"},
			want: with(func(o *lifecycle.UpOptions) { o.OnExit = api.CascadeStop })},
		{name: "up --abort-on-container-failure", args: []string{"--abort-on-container-failure"},
			want: with(func(o *lifecycle.UpOptions) { o.OnExit = api.CascadeFail })},
		{name: "up --exit-code-from", args: []string{"--exit-code-from", "web"},
			want: with(func(o *lifecycle.UpOptions) { o.OnExit, o.ExitCodeFrom = api.CascadeStop, "web" })},
		{name: "up --attach --no-attach", args: []string{"--attach", "web", "--no-attach", "db"},
			want: with(func(o *lifecycle.UpOptions) {
				o.Attach = lifecycle.AttachOptions{Only: []string{"web"}, Not: []string{"db"}}
			})},
		{name: "up --attach-dependencies", args: []string{"--attach-dependencies"},
			want: with(func(o *lifecycle.UpOptions) { o.Attach.Dependencies = true })},
		{name: "up --watch", args: []string{"--watch"}, want: with(func(o *lifecycle.UpOptions) { o.Watch = true })},
		{name: "up --no-watch", args: []string{"--no-watch"}, want: with(func(o *lifecycle.UpOptions) { o.NoWatch = true })},
		{name: "watch", command: lifecycle.Watch, want: with(func(o *lifecycle.UpOptions) { o.Mode = lifecycle.Watch })},
		{name: "watch --prune=false --no-up --quiet", command: lifecycle.Watch, args: []string{"--prune=false", "--no-up", "--quiet"},
			want: with(func(o *lifecycle.UpOptions) {
				o.Mode, o.NoPrune, o.NoUp, o.QuietBuild = lifecycle.Watch, true, true, true
			})},
		{name: "watch --no-build", command: lifecycle.Watch, args: []string{"--no-build"},
			want: with(func(o *lifecycle.UpOptions) { o.Mode, o.Build = lifecycle.Watch, lifecycle.BuildNever })},
		{name: "create", command: lifecycle.Create, args: []string{"--force-recreate"},
			want: with(func(o *lifecycle.UpOptions) { o.Mode, o.Recreate = lifecycle.Create, api.RecreateForce })},

		{name: "-d with --abort-on-container-exit", args: []string{"-d", "--abort-on-container-exit"}, wantErr: "-d, --wait and --abort-on-container-exit"},
		{name: "both aborts", args: []string{"--abort-on-container-exit", "--abort-on-container-failure"}, wantErr: "are incompatible"},
		{name: "--build with --no-build", args: []string{"--build", "--no-build"}, wantErr: "--build and --no-build are incompatible"},
		{name: "--watch with -d", args: []string{"--watch", "-d"}, wantErr: "--watch is incompatible with -d"},
		{name: "--watch with --no-watch", args: []string{"--watch", "--no-watch"}, wantErr: "--watch and --no-watch are incompatible"},
		{name: "--no-start with -d", args: []string{"--no-start", "-d"}, wantErr: "--no-start is incompatible"},
		{name: "--always-recreate-deps with --no-recreate", args: []string{"--always-recreate-deps", "--no-recreate"}, wantErr: "are incompatible"},
		{name: "--attach with --attach-dependencies", args: []string{"--attach", "web", "--attach-dependencies"}, wantErr: "are incompatible"},
		{name: "--pull bad", args: []string{"--pull", "sometimes"}, wantErr: "invalid pull policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := &upOptions{globalOptions: &globalOptions{}}
			f := pflag.NewFlagSet(tt.name, pflag.ContinueOnError)
			switch tt.command {
			case lifecycle.Watch:
				opts.addWatchFlags(f)
			case lifecycle.Create:
				opts.addCreateFlags(f)
			default:
				opts.addUpFlags(f)
			}
			if err := f.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := opts.validate(tt.command)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := opts.options(nil, nil, nil, opts.mode(tt.command))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}
