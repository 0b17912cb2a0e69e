package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// apilog runs a command with DOCKER_HOST pointed at a logging proxy in front
// of the engine, and prints which API calls it made: how many of each and
// how long they took in all. It explains an `up -d` difference in terms of
// engine work, which a wall-clock figure alone cannot. Calls are grouped by
// client (User-Agent), so the stand-in's own docker CLI calls stand apart.
func apilog(args []string) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errors.New("usage: apilog -- CMD [ARG...]")
	}
	upstream := "/var/run/docker.sock"
	if h, ok := strings.CutPrefix(os.Getenv("DOCKER_HOST"), "unix://"); ok {
		upstream = h
	} else if os.Getenv("DOCKER_HOST") != "" {
		return errors.New("apilog: DOCKER_HOST must be a unix socket")
	}
	dir, err := os.MkdirTemp("", "tpbench-api-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	sock := filepath.Join(dir, "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		return err
	}
	calls := &tallies{byKey: map[string]*tally{}}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme, r.Out.URL.Host = "http", "docker"
		},
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", upstream)
		}},
		FlushInterval: -1, // attach and events stream
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		proxy.ServeHTTP(w, r)
		calls.add(fmt.Sprintf("%-28s %-6s %s", client(r.UserAgent()), r.Method, route(r.URL.Path)), time.Since(start))
	})}
	go func() { _ = srv.Serve(l) }()

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+sock)
	out, runErr := cmd.CombinedOutput()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	if runErr != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), runErr, tail(string(out), 40))
	}
	for _, k := range slices.Sorted(maps.Keys(calls.byKey)) {
		fmt.Printf("%4d  %9.1f ms  %s\n", calls.byKey[k].n, float64(calls.byKey[k].total.Microseconds())/1000, k)
	}
	return nil
}

// tallies count the API calls by kind, and the time they took.
type tallies struct {
	mu    sync.Mutex
	byKey map[string]*tally
}

type tally struct {
	n     int
	total time.Duration
}

func (c *tallies) add(key string, took time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.byKey[key]
	if t == nil {
		t = &tally{}
		c.byKey[key] = t
	}
	t.n++
	t.total += took
}

var (
	apiVersion = regexp.MustCompile(`^/v[0-9.]+`)
	// Object names and IDs in a path become X, so calls group by kind.
	objectRef = regexp.MustCompile(`^/(containers|networks|volumes|images|plugins|exec)/([^/]+)`)
)

func route(path string) string {
	path = apiVersion.ReplaceAllString(path, "")
	if m := objectRef.FindStringSubmatch(path); len(m) == 3 && !isListVerb(m[2]) {
		path = "/" + m[1] + "/X" + path[len(m[0]):]
	}
	return path
}

func isListVerb(s string) bool {
	switch s {
	case "json", "create", "prune":
		return true
	}
	return false
}

// client shortens a User-Agent to its product.
func client(ua string) string {
	name, _, _ := strings.Cut(ua, " ")
	if name == "" {
		return "?"
	}
	return name
}
