package engine

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/moby/moby/client"
)

// fakeAPI is a Docker Engine API on net/http/httptest, for Docker's
// tests: each route ("GET /containers/x/json", without the version prefix)
// answers what a test gave it, and every request is recorded. The client
// talks API 1.41, what Engine 20.10 offers.
type fakeAPI struct {
	t      *testing.T
	mu     sync.Mutex
	routes map[string]http.HandlerFunc
	// calls are the requests in order: "METHOD /path?query body".
	calls []string
}

// newFakeAPI serves the fake and returns a Docker that talks to it.
func newFakeAPI(t *testing.T) (*fakeAPI, Docker) {
	t.Helper()
	f := &fakeAPI{t: t, routes: map[string]http.HandlerFunc{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	c, err := client.New(client.WithHost("tcp://"+srv.Listener.Addr().String()), client.WithHTTPClient(srv.Client()),
		client.WithAPIVersion("1.41"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return f, Docker{Client: c}
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	path, versioned := strings.CutPrefix(r.URL.Path, "/v1.41")
	body, _ := io.ReadAll(r.Body)
	call := r.Method + " " + path
	if q, _ := url.QueryUnescape(r.URL.RawQuery); q != "" {
		call += "?" + q
	}
	if len(body) > 0 {
		call += " " + strings.TrimSpace(string(body))
	}
	f.mu.Lock()
	f.calls = append(f.calls, call)
	h, ok := f.routes[r.Method+" "+path]
	f.mu.Unlock()
	switch {
	case !versioned:
		f.t.Errorf("request without the API version 1.41: %s", r.URL)
	case !ok:
		f.t.Errorf("unexpected request: %s", call)
		h = answer(http.StatusNotFound, `{"message":"page not found"}`)
	}
	h(w, r)
}

// on makes route answer status with a JSON body.
func (f *fakeAPI) on(route string, status int, body string) {
	f.handle(route, answer(status, body))
}

func (f *fakeAPI) handle(route string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[route] = h
}

func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// requests are the recorded calls.
func (f *fakeAPI) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// notFound is the Engine's answer for a missing object.
func notFound(what string) string { return `{"message":"No such ` + what + `"}` }
