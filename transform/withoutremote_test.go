package transform

import "testing"

// The project the commands without a daemon work on keeps its services as
// written, loses the remote ones and what only they used, and rewires what
// depended on them, as Apply does.
func TestWithoutRemote(t *testing.T) {
	project := load(t, `
services:
  web:
    image: web
    links: [db:database, cache]
    depends_on:
      db: {condition: service_healthy}
    x-telepresence: {behavior: interceptHandler}
  db:
    image: db
    volumes: [data:/var/lib/db]
    depends_on: [cache]
    x-telepresence: {behavior: remote}
  cache:
    image: cache
volumes:
  data: {}
`)
	got, err := WithoutRemote(project, mustIntent(t, project, Flags{}))
	if err != nil {
		t.Fatal(err)
	}
	assertSameProject(t, got, `
services:
  web:
    image: web
    links: [cache]
    depends_on:
      cache: {condition: service_started, required: true, restart: true}
    x-telepresence: {behavior: interceptHandler}
  cache:
    image: cache
`)
	if _, ok := project.Services["db"]; !ok {
		t.Error("the input lost its remote service")
	}
}
