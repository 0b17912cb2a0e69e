// Command docker-telepresence is a Docker CLI plugin: `docker telepresence`
// runs a compose project with some services intercepting Kubernetes
// workloads through Telepresence.
package main

import (
	"os"
	"runtime/debug"

	"github.com/telepresenceio/docker-telepresence/metadata"
	"github.com/telepresenceio/docker-telepresence/plugin"
)

func main() {
	paceCollector()
	plugin.Run(metadata.Metadata())
}

// The collector's pace for a command that lives a fraction of a second
// (docs/failures.md#where-the-time-goes): loading a compose project
// allocates a few megabytes that it keeps only briefly, and Go's default
// (a cycle each time the heap doubles, from 4 MB) spends eight cycles on
// it. A cycle each time the heap grows fivefold, within a 64 MiB soft
// limit, spends one or two, and keeps the peak memory of a large project
// about where it was (BENCHMARKS.md).
const (
	gcPercent   = 400
	memoryLimit = 64 << 20
)

// paceCollector sets that pace, unless the user set GOGC or GOMEMLIMIT.
func paceCollector() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(memoryLimit)
}
