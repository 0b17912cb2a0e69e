package transform

import (
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// A mistyped extension name is silently ignored by Compose, and the project
// then runs as if it declared nothing: the wrong namespace, or a service
// local that was meant to be remote. So names close to ours are pointed out
// (docs/attachments.md#declaring-an-attachment).

// Typo is an extension whose name is close to one the plugin reads.
type Typo struct {
	// Service is the service the extension is on; "" at the top level.
	Service string
	// Key is the extension as written, Suggest the one meant.
	Key, Suggest string
}

// ExtensionTypos are the extensions of the project, at the top level and
// on its services (disabled ones too), whose names are close to
// x-telepresence or x-tele but are neither, sorted by service.
func ExtensionTypos(project *types.Project) []Typo {
	var out []Typo
	check := func(service string, ext types.Extensions) {
		for _, key := range slices.Sorted(maps.Keys(ext)) {
			if s := closest(key, []string{ExtensionKey, TeleKey}); s != "" && s != key {
				out = append(out, Typo{Service: service, Key: key, Suggest: s})
			}
		}
	}
	check("", project.Extensions)
	for _, services := range []types.Services{project.Services, project.DisabledServices} {
		for _, name := range slices.Sorted(maps.Keys(services)) {
			check(name, services[name].Extensions)
		}
	}
	return out
}

// closest is the candidate a word most likely stands for: one that differs
// from it only in case, or in at most a quarter of its letters (one for a
// short word), "" when none is that close.
func closest(word string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		if strings.EqualFold(word, c) {
			return c
		}
		limit := max(1, len(c)/4)
		if d := editDistance(strings.ToLower(word), strings.ToLower(c)); d <= limit && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between two words.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
