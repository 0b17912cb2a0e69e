package plugin

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/compose/v5/cmd/display"
	"github.com/docker/compose/v5/pkg/api"
)

var buildVerb = verb{name: "build", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := api.BuildOptions{Pull: f.Bool("pull"), Push: f.Bool("push"), Quiet: f.Bool("quiet"), Args: types.NewMappingWithEquals(f.Strings("build-arg")),
		NoCache: f.Bool("no-cache"), Deps: f.Bool("with-dependencies"), Print: f.Bool("print"), Check: f.Bool("check"),
		Builder: f.String("builder"), SBOM: f.String("sbom"), Provenance: f.String("provenance"), Attestations: true}
	if m, ok := flagValue(f.lookup("memory")).(interface{ Value() int64 }); ok {
		o.Memory = m.Value()
	}
	if o.Builder == "" {
		o.Builder = os.Getenv("BUILDX_BUILDER")
	}
	if ssh := f.String("ssh"); ssh != "" {
		id, path, found := strings.Cut(ssh, "=")
		if !found && id != "default" {
			return nil, fmt.Errorf("invalid ssh key %q", ssh)
		}
		o.SSHs = []types.SSHKey{{ID: id, Path: path}}
	}
	progress := f.String("progress") // Compose's hidden build --progress, the root's --progress here
	for _, deprecated := range []string{"parallel", "compress", "force-rm", "no-rm"} {
		f.Bool(deprecated) // Compose's hidden, deprecated flags: no effect
	}
	return func(ctx context.Context, c *verbContext, services []string) error {
		if progress != "" {
			c.global.progress = progress
		}
		if o.Quiet {
			c.global.progress = display.ModeQuiet
		}
		backend, err := c.backend()
		if err != nil {
			return err
		}
		project, err := c.localProject(ctx, backend, services)
		if err != nil {
			return err
		}
		opts := o
		opts.Services, opts.Progress = services, buildProgress(progress)
		return backend.Build(ctx, project, opts)
	}, nil
}}

// buildProgress is how the build renders, as Compose passes it to bake:
// its JSON display raw, and an automatic terminal display probed on the
// build's own output.
func buildProgress(asked string) string {
	switch {
	case display.Mode == display.ModeJSON:
		return "rawjson"
	case display.Mode == display.ModeTTY && asked != display.ModeTTY:
		return display.ModeAuto
	}
	return display.Mode
}

// prefetchProgress is how the images `up` builds beside the attachments
// render: as buildProgress has it, but on a terminal, which the progress
// display holds then: there as plain lines, which the lifecycle keeps
// (Settings.CaptureBuild).
func prefetchProgress() string {
	if display.Mode == display.ModeTTY {
		return display.ModePlain
	}
	return buildProgress("")
}
