// Package samples holds what the telepresence CLI prints, per release, as
// the team's reference samples have it (read from Telepresence's own
// sources, docs/telepresence-contract.md; values
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
