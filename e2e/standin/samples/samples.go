// Package samples holds what the telepresence CLI prints, per release, as
// shared/telepresence/ has it (read from Telepresence's own sources; values
// are illustrative, field names, nesting and types are the contract). The
// stand-in telepresence builds its output from these shapes, and the
// plugin's unit tests parse every one of them, so that neither side can
// drift from what Telepresence prints.
package samples

import "embed"

// FS holds the samples: status-*.json, intercept-*.json, errors.txt,
// version.txt.
//
//go:embed *.json *.txt
var FS embed.FS
