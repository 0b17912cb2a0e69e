package transform

import (
	"slices"
	"testing"
)

// Filter values reach Telepresence whole (the client quotes them), so any
// value is taken; what the CLI's parser would change, whatever the
// quoting, is refused naming the key.
func TestFilterValues(t *testing.T) {
	project := load(t, `
services:
  api:
    image: api
    ports: ["80"]
    x-tele:
      type: intercept
      httpFilters: {x-dev: "alice:1,2", x-team: "a=b"}
      httpPathRegexps: ["^/v[0-9]{1,2}/"]
      metadata: {url: "http://x/a,b"}
  web:
    image: web
    ports: ["80"]
    x-telepresence:
      behavior: interceptHandler
      intercept: {httpHeaders: ["x-dev=alice:1,2", "x-who: bob "]}
`)
	in := mustIntent(t, project, Flags{})
	api, web := in.Services["api"].Attach, in.Services["web"].Attach
	if !slices.Equal(api.HTTP.Headers, []string{"x-dev=alice:1,2", "x-team=a=b"}) || api.HTTP.PathRegexps[0] != "^/v[0-9]{1,2}/" ||
		api.Metadata["url"] != "http://x/a,b" {
		t.Errorf("x-tele filters: %+v, metadata %v", api.HTTP, api.Metadata)
	}
	if !slices.Equal(web.HTTP.Headers, []string{"x-dev=alice:1,2", "x-who=bob"}) {
		t.Errorf("x-telepresence headers: %v", web.HTTP.Headers)
	}
	for _, tc := range []struct{ yaml, key string }{
		{`{x-tele: {type: intercept, httpFilters: {x-dev: " alice"}}}`, "x-tele.httpFilters.x-dev"},
		{`{x-tele: {type: intercept, httpFilters: {"a:b": c}}}`, "x-tele.httpFilters.a:b"},
		{`{x-tele: {type: intercept, metadata: {owner: "me "}}}`, "x-tele.metadata.owner"},
		{`{x-tele: {type: intercept, httpPaths: ["/a\rb"]}}`, "x-tele.httpPaths.0"},
		{`{x-telepresence: {behavior: interceptHandler, intercept: {httpHeaders: ["alice"]}}}`, "x-telepresence.intercept.httpHeaders.0"},
	} {
		bad := load(t, `{services: {api: {image: api, ports: ["80"], `+tc.yaml[1:len(tc.yaml)-1]+`}}}`)
		_, err := ParseIntent(bad, Flags{})
		assertErrorContains(t, err, tc.key, "hint")
	}
}
