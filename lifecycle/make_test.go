package lifecycle

import (
	"errors"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// A cluster that allows no global intercept refuses with the
// traffic-manager's own words; the hint says to declare filters, with the
// keys of the service's block, or to use a wiretap. Other refusals get no
// such hint.
func TestGlobalInterceptsTurnedOffHintsAtFilters(t *testing.T) {
	req := transform.AttachRequest{Kind: vocab.KindIntercept, Service: "api", Block: "x-telepresence.intercept"}
	refused := errors.New("telepresence intercept: exit status 1: telepresence intercept: error: rpc error: code = Unknown desc = " +
		"global TCP/UDP intercepts and replaces are disabled. Use --http-header or --http-path-* flags for HTTP intercepts")
	hint := refusalHint(refused, req)
	for _, want := range []string{"intercept.allowGlobalIntercepts=false", "x-telepresence.intercept.httpFilters", "x-telepresence.intercept.httpPaths", "wiretap"} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint %q lacks %q", hint, want)
		}
	}
	if hint := refusalHint(errors.New("telepresence intercept: error: no such workload"), req); hint != "" {
		t.Errorf("another refusal got the hint %q", hint)
	}
}
