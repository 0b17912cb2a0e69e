package lifecycle

import (
	"errors"
	"strings"
	"testing"

	"github.com/telepresenceio/docker-telepresence/telepresence"
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

// A leftover attachment of the same name, made outside any project of ours
// (an earlier `telepresence compose up -d`, or by hand), is taken over:
// ended, said so, and made anew from the file.
func TestALeftoverAttachmentIsTakenOver(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.tp.connect("")
	f.tp.active["api"] = true // made outside the project
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if !hasStep(f.j, "tp leave api") || !strings.Contains(f.stderr.String(), "Intercept api Taking over") {
		t.Errorf("steps %v\nstderr %s", f.j.all(), f.stderr.String())
	}
	if !f.tp.active["api"] || !f.tp.active["echo-server"] {
		t.Errorf("active %v", f.tp.active)
	}
}

// One the daemon does not hold (another user's, which Telepresence
// refuses alike) is not taken over: the refusal stands, with its hint.
func TestAnotherUsersAttachmentIsNotTakenOver(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.tp.failIntercept["api"] = &telepresence.CommandError{Args: []string{"intercept", "api"}, Err: telepresence.ErrFailed,
		Message: `Intercept with name "api" already exists`}
	err := f.up(t.Context(), true)
	if err == nil || !strings.Contains(err.Error(), "already exists") || !strings.Contains(err.Error(), "another project or user has") {
		t.Fatalf("err = %v", err)
	}
	if hasStep(f.j, "tp leave api") || strings.Contains(f.stderr.String(), "Taking over") {
		t.Errorf("took over another user's attachment: %v\n%s", f.j.all(), f.stderr.String())
	}
}

// One that another project of ours holds is never taken: up fails, naming
// the project, and undoes what it did.
func TestAnAttachmentOfAnotherProjectIsNotTakenOver(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	if err := f.up(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	f.loadAs(t, projectYAML, "other")
	f.j.reset()
	err := f.newRunner().Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached})
	if err == nil || !strings.Contains(err.Error(), `project "proj" of docker telepresence holds intercept`) || !strings.Contains(err.Error(), "docker telepresence -p proj down") {
		t.Fatalf("err = %v", err)
	}
	if hasStep(f.j, "tp leave") {
		t.Errorf("ended the other project's attachment: %v", f.j.all())
	}
	if vols := f.engine.Volumes["other"]; len(vols) != 0 {
		t.Errorf("the failed up left %v", vols)
	}
}
