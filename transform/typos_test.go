package transform

import (
	"slices"
	"testing"
)

// A mistyped extension name, at the top level or on a service, is pointed
// out with the one it likely stands for; other extensions are left alone.
func TestExtensionTypos(t *testing.T) {
	project := load(t, `
x-tel: {namespace: dev}
x-common: &common {restart: always}
services:
  api: {image: api, x-telepresense: {behavior: remote}}
  web: {image: web, x-Tele: {type: connect}, x-test: 1, x-telepresence: {cluster: true}}
  db: {image: db, x-tele: {type: proxy}}
`)
	want := []Typo{{Key: "x-tel", Suggest: "x-tele"}, {Service: "api", Key: "x-telepresense", Suggest: "x-telepresence"},
		{Service: "web", Key: "x-Tele", Suggest: "x-tele"}}
	if got := ExtensionTypos(project); !slices.Equal(got, want) {
		t.Errorf("typos %+v, want %+v", got, want)
	}
}

func TestClosest(t *testing.T) {
	for _, tc := range []struct{ word, want string }{
		{"x-telepresnce", "x-telepresence"}, {"x-TELE", "x-tele"}, {"x-test", ""}, {"x-tools", ""}, {"x-telepresence-extra", ""},
	} {
		if got := closest(tc.word, []string{ExtensionKey, TeleKey}); got != tc.want {
			t.Errorf("closest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}
