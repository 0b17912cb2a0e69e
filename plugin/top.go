package plugin

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/docker/compose/v5/pkg/api"
)

var topVerb = verb{name: "top", services: true, read: func(*verbFlags) (verbRun, error) { return runTop, nil }}

// runTop shows the processes of the project's containers, one table for
// all, as `docker compose top` does: SERVICE and # first, CMD last.
func runTop(ctx context.Context, c *verbContext, services []string) error {
	t, backend, err := c.target(ctx, services...)
	if err != nil {
		return err
	}
	containers, err := backend.Top(ctx, t.name, services)
	if err != nil || len(containers) == 0 {
		return err
	}
	slices.SortFunc(containers, func(a, b api.ContainerProcSummary) int { return strings.Compare(a.Name, b.Name) })
	columns := []string{"SERVICE", "#"}
	for _, ctr := range containers {
		for _, title := range ctr.Titles {
			if !slices.Contains(columns, title) {
				columns = append(columns, title)
			}
		}
	}
	if i := slices.Index(columns, "CMD"); i >= 0 {
		columns = append(slices.Delete(columns, i, i+1), "CMD")
	}
	w := tabwriter.NewWriter(c.dockerCli.Out(), 4, 1, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(columns, "\t"))
	for _, ctr := range containers {
		for _, proc := range ctr.Processes {
			cell := map[string]string{"SERVICE": ctr.Service, "#": ctr.Replica}
			for i, title := range ctr.Titles {
				if i < len(proc) {
					cell[title] = proc[i]
				}
			}
			row := make([]string, len(columns))
			for i, col := range columns {
				if row[i] = cell[col]; row[i] == "" {
					row[i] = "-"
				}
			}
			fmt.Fprintln(w, strings.Join(row, "\t"))
		}
	}
	return w.Flush()
}
