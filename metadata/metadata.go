// Package metadata holds what the Docker CLI needs to know about the plugin:
// its name, version and the metadata answered to `docker-cli-plugin-metadata`.
package metadata

import (
	"runtime"
	"runtime/debug"

	climeta "github.com/docker/cli/cli-plugins/metadata"
)

// Version is set at link time from `git describe`
// (-ldflags "-X github.com/telepresenceio/docker-telepresence/metadata.Version=...").
var Version = "dev"

const (
	// PluginName is the name of the plugin command: `docker telepresence`.
	PluginName = "telepresence"
	// Vendor is shown by `docker info` next to the plugin.
	Vendor = "Telepresence"
	// URL is where users read more about the plugin.
	URL = "https://github.com/telepresenceio/docker-telepresence"
	// ShortDescription is shown by `docker --help`.
	ShortDescription = "Run Compose services as Telepresence intercept handlers"
)

// Metadata returns the plugin metadata for the Docker CLI. It does no work
// beyond building a struct, so the metadata command stays as fast as possible.
func Metadata() climeta.Metadata {
	return climeta.Metadata{
		SchemaVersion:    "0.1.0",
		Vendor:           Vendor,
		Version:          Version,
		ShortDescription: ShortDescription,
		URL:              URL,
	}
}

// ComposeModule is the module of the Compose the plugin embeds.
const ComposeModule = "github.com/docker/compose/v5"

// ComposeVersion is the version of the Compose the plugin embeds, as the
// build recorded it ("unknown" when it did not).
func ComposeVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path == ComposeModule {
			if dep.Replace != nil {
				return dep.Replace.Version
			}
			return dep.Version
		}
	}
	return "unknown"
}

// Platform is the OS and architecture the plugin was built for, as Go
// names them: darwin/arm64, windows/amd64.
func Platform() string { return runtime.GOOS + "/" + runtime.GOARCH }
