// Command docker-telepresence is a Docker CLI plugin: `docker telepresence`
// runs a compose project with some services intercepting Kubernetes
// workloads through Telepresence.
package main

import (
	"github.com/docker/cli/cli-plugins/plugin"

	"github.com/telepresenceio/docker-telepresence/metadata"
	tpplugin "github.com/telepresenceio/docker-telepresence/plugin"
)

func main() {
	plugin.Run(tpplugin.RootCommand, metadata.Metadata())
}
