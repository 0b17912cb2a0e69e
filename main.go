// Command docker-telepresence is a Docker CLI plugin: `docker telepresence`
// runs a compose project with some services intercepting Kubernetes
// workloads through Telepresence.
package main

import (
	"github.com/telepresenceio/docker-telepresence/metadata"
	"github.com/telepresenceio/docker-telepresence/plugin"
)

func main() {
	plugin.Run(metadata.Metadata())
}
