package records

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine"
	"github.com/telepresenceio/docker-telepresence/lifecycle/engine/enginetest"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// Records of every release are read into one shape: a record of the first
// releases (one port, no kind) is an intercept with a list of ports, one
// this release cannot read is kept as unread, and a container or volume
// without a kind label is an intercept's.
func TestFindReadsTheRecordsOfEveryRelease(t *testing.T) {
	eng := enginetest.New(nil)
	project := map[string]string{"com.docker.compose.project": "proj"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range []map[string]string{project, extra} {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	eng.Volumes["proj"] = []engine.Volume{
		{Name: "proj_telepresence-replace-billing", Labels: with(map[string]string{labels.Attachment: "billing", labels.Kind: "replace", labels.Service: "billing",
			labels.Request: `{"kind":"replace","daemon":"shop","workload":"billing","mount":true}`})},
		{Name: "proj_telepresence-intercept-echo", Labels: with(map[string]string{labels.Attachment: "echo", labels.Service: "echo",
			labels.Request: `{"daemon":"default","workload":"echo-server","port":"8088:http","mount":false}`})},
		{Name: "proj_telepresence-intercept-odd", Labels: with(map[string]string{labels.Attachment: "odd", labels.Service: "odd", labels.Request: "not json"})},
		{Name: "proj_telepresence-dns", Labels: with(map[string]string{labels.DNSMappings: `{"daemon":"shop","mappings":[{"Name":"db","AliasFor":"postgres.shop"}],"remote":["db"]}`})},
		{Name: "proj_worker-0", Labels: with(map[string]string{labels.Telemount: "true", labels.Attachment: "worker"})},
	}
	eng.Containers["proj"] = []engine.Container{{Name: "proj-worker-1", Project: "proj", Service: "worker", Labels: map[string]string{labels.Attachment: "worker"}}}
	s, err := Find(t.Context(), eng, "proj")
	if err != nil {
		t.Fatal(err)
	}
	want := []Attachment{
		{Name: "billing", Service: "billing", Request: Request{Kind: vocab.KindReplace, Connection: "shop", Workload: "billing", Mount: true}},
		{Name: "echo", Service: "echo", Request: Request{Kind: vocab.KindIntercept, Connection: "default", Workload: "echo-server", Ports: []string{"8088:http"}}},
		{Name: "odd", Service: "odd", Request: Request{Kind: vocab.KindIntercept}, Unread: true},
	}
	if diff := cmp.Diff(want, s.Attachments); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
	refs := []vocab.AttachmentRef{{Kind: vocab.KindReplace, Name: "billing"}, {Kind: vocab.KindIntercept, Name: "echo"},
		{Kind: vocab.KindIntercept, Name: "odd"}, {Kind: vocab.KindIntercept, Name: "worker"}}
	if diff := cmp.Diff(refs, s.Refs()); diff != "" {
		t.Errorf("refs (-want +got):\n%s", diff)
	}
	dns := []*DNS{{Connection: "shop", Mappings: []vocab.DNSMapping{{Name: "db", AliasFor: "postgres.shop"}}, Remote: []string{"db"}, Volume: "proj_telepresence-dns"}}
	if diff := cmp.Diff(dns, s.DNS); diff != "" {
		t.Errorf("dns (-want +got):\n%s", diff)
	}
	if got := VolumeName("proj", vocab.AttachmentRef{Kind: vocab.KindReplace, Name: "billing/app:x"}); got != "proj_telepresence-replace-billing.app.x" {
		t.Errorf("VolumeName = %s", got)
	}
}
