package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// Hidden commands that run in containers of the daemon image, where there
// is no state directory.

// httpRequest is one request standin-http makes, and httpResult its answer.
type httpRequest struct {
	Addr    string            `json:"addr"`
	Method  string            `json:"method"`
	URI     string            `json:"uri"`
	Headers map[string]string `json:"headers,omitempty"`
	// WaitMS retries failed dials this long (a cluster pod that starts).
	WaitMS int `json:"wait_ms,omitempty"`
}

type httpResult struct {
	Status int    `json:"status,omitempty"`
	Body   string `json:"body,omitempty"`
	Error  string `json:"error,omitempty"`
}

// httpMany runs in the daemon container, which is where the daemon dials
// attachments and pods: `standin-http JSON` makes the requests of the JSON
// list one after the other and prints the list of their results.
func httpMany(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: standin-http JSON")
	}
	var reqs []httpRequest
	if err := json.Unmarshal([]byte(args[0]), &reqs); err != nil {
		return err
	}
	results := make([]httpResult, len(reqs))
	for i, r := range reqs {
		status, body, err := httpDo(r)
		results[i] = httpResult{Status: status, Body: body}
		if err != nil {
			results[i].Error = err.Error()
		}
	}
	return json.NewEncoder(os.Stdout).Encode(results)
}

// httpDo makes one HTTP/1.0 request (busybox httpd, which handlers run,
// speaks it) and returns the status and body.
func httpDo(r httpRequest) (int, string, error) {
	deadline := time.Now().Add(time.Duration(r.WaitMS) * time.Millisecond)
	conn, err := net.DialTimeout("tcp", r.Addr, 5*time.Second)
	for err != nil && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		conn, err = net.DialTimeout("tcp", r.Addr, 5*time.Second)
	}
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.0\r\nHost: %s\r\n", r.Method, r.URI, r.Addr)
	for k, v := range r.Headers {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		return 0, "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// echoServer runs in a cluster pod's container (and in handlers tests
// run): `standin-echo --reply TEXT --listen PORT...` answers every request
// on every port with fixture.EchoBody, and logs on stdout
// "standin-echo listening on :PORT" once it listens, then each request.
func echoServer(args []string) error {
	f, err := parseFlags(args, flagSpec{valued: []string{"reply", "listen"}})
	if err != nil {
		return err
	}
	if len(f.values["listen"]) == 0 {
		return errors.New("usage: standin-echo --reply TEXT --listen PORT [--listen PORT]")
	}
	errs := make(chan error, len(f.values["listen"]))
	for _, p := range f.values["listen"] {
		port, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("bad --listen %q", p)
		}
		l, err := net.Listen("tcp", ":"+p)
		if err != nil {
			return err
		}
		fmt.Printf("standin-echo listening on :%d\n", port)
		go func() { errs <- http.Serve(l, echoHandler(f.last("reply"), port)) }()
	}
	exitOnSignal()
	return <-errs
}

func echoHandler(reply string, port int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers := map[string]string{}
		for k, v := range r.Header {
			headers[k] = strings.Join(v, ",")
		}
		fmt.Printf("%d %s %s %v\n", port, r.Method, r.RequestURI, headers)
		_, _ = io.WriteString(w, fixture.EchoBody(reply, r.Method, r.RequestURI, port, headers))
	})
}

// clusterService runs in the stand-in cluster service container of a
// daemon: `standin-cluster-service --name DAEMON [--listen PORT]...` serves
// HTTP on port 80 and each PORT, answering fixture.ClusterAnswer, and takes
// its daemon's remote reroutes on clusterControlPort (forward.go).
func clusterService(args []string) error {
	f, err := parseFlags(args, flagSpec{valued: []string{"name", "listen"}})
	if err != nil {
		return err
	}
	ports := append([]string{strconv.Itoa(fixture.ClusterHTTP.Port)}, f.values["listen"]...)
	errs := make(chan error, len(ports)+1)
	for _, p := range ports {
		port, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("bad --listen %q", p)
		}
		l, err := net.Listen("tcp", ":"+p)
		if err != nil {
			return err
		}
		answer := fixture.ClusterAnswer(f.last("name"), port)
		go func() {
			errs <- http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, answer) }))
		}()
	}
	control, err := net.Listen("tcp", fmt.Sprintf(":%d", clusterControlPort))
	if err != nil {
		return err
	}
	go func() { errs <- http.Serve(control, &clusterReroutes{to: map[string]string{}}) }()
	exitOnSignal()
	return <-errs
}

// exitOnSignal makes PID 1 of a container stop on SIGTERM and SIGINT.
func exitOnSignal() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sigs; os.Exit(0) }()
}
