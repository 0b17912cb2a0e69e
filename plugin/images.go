package plugin

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/docker/compose/v5/cmd/formatter"
	"github.com/docker/compose/v5/pkg/api"
	"github.com/docker/go-units"
	"github.com/moby/moby/client/pkg/stringid"
)

// imagesOptions are the flags of `images`, as Compose's
// (cmd/compose/images.go).
type imagesOptions struct {
	format string
	quiet  bool
}

var imagesVerb = verb{name: "images", services: true, read: func(f *verbFlags) (verbRun, error) {
	o := imagesOptions{format: f.String("format"), quiet: f.Bool("quiet")}
	return o.run, nil
}}

// imageRow is a row of `images --format json`.
type imageRow struct {
	ID            string     `json:"ID"`
	ContainerName string     `json:"ContainerName"`
	Repository    string     `json:"Repository"`
	Tag           string     `json:"Tag"`
	Platform      string     `json:"Platform"`
	Size          int64      `json:"Size"`
	Created       *time.Time `json:"Created,omitempty"`
	LastTagTime   time.Time  `json:"LastTagTime,omitzero"`
}

// run lists the images the project's containers use, as `docker compose
// images` does.
func (o imagesOptions) run(ctx context.Context, c *verbContext, services []string) error {
	t, backend, err := c.target(ctx, services...)
	if err != nil {
		return err
	}
	images, err := backend.Images(ctx, t.name, api.ImagesOptions{Services: services})
	if err != nil {
		return err
	}
	out := c.dockerCli.Out()
	containers := slices.Sorted(maps.Keys(images))
	switch {
	case o.quiet:
		var ids []string
		for _, ctr := range containers {
			_, id, found := strings.Cut(images[ctr].ID, ":")
			if !found {
				id = images[ctr].ID
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
				fmt.Fprintln(out, id)
			}
		}
		return nil
	case o.format == "json":
		rows := make([]imageRow, 0, len(images))
		for _, ctr := range containers {
			img := images[ctr]
			rows = append(rows, imageRow{ID: img.ID, ContainerName: ctr, Repository: img.Repository, Tag: img.Tag,
				Platform: platforms.Format(img.Platform), Size: img.Size, Created: img.Created, LastTagTime: img.LastTagTime})
		}
		text, err := formatter.ToJSON(rows, "", "")
		if err == nil {
			fmt.Fprintln(out, text)
		}
		return err
	}
	return formatter.Print(images, o.format, out, func(w io.Writer) {
		for _, ctr := range containers {
			img := images[ctr]
			created := "N/A"
			if img.Created != nil {
				created = units.HumanDuration(time.Since(*img.Created)) + " ago"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ctr, orNone(img.Repository), orNone(img.Tag), platforms.Format(img.Platform),
				stringid.TruncateID(img.ID), units.HumanSizeWithPrecision(float64(img.Size), 3), created)
		}
	}, "CONTAINER", "REPOSITORY", "TAG", "PLATFORM", "IMAGE ID", "SIZE", "CREATED")
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
