package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// Test-only commands; they are not part of Telepresence.

// standinSend is "cluster traffic" for an intercept: `standin-send NAME
// [PATH]` GETs PATH from inside the daemon container at the intercept's
// destination (--address, default 127.0.0.1, which in the netns model is
// the handler sharing the daemon's namespace; from 2.23 a name is resolved
// by the daemon, pkg/client/userd/trafficmgr/intercept.go Resolve) and
// prints the body.
func standinSend(e *env, f *flags) (any, error) {
	if len(f.args) < 1 || len(f.args) > 2 {
		return nil, errors.New("usage: standin-send NAME [PATH]")
	}
	name, path := f.args[0], "/"
	if len(f.args) == 2 {
		path = "/" + strings.TrimPrefix(f.args[1], "/")
	}
	s, unlock, err := openState(e)
	if err != nil {
		return nil, err
	}
	c, err := findIntercept(s, f.last("use"), name)
	unlock()
	if err != nil {
		return nil, err
	}
	u := "http://" + destination(c.Intercepts[name]) + path
	body, err := dockerRaw("exec", containerName(c.Name), "/usr/local/bin/telepresence", "standin-http-get", u)
	if err != nil {
		return nil, err
	}
	e.printf("%s", body)
	return nil, nil
}

// standinVanish makes an intercept disappear in the cluster, without the
// plugin's help (as when its pod is deleted).
func standinVanish(e *env, f *flags) (any, error) {
	if len(f.args) != 1 {
		return nil, errors.New("usage: standin-vanish NAME")
	}
	s, unlock, err := openState(e)
	if err != nil {
		return nil, err
	}
	defer unlock()
	c, err := findIntercept(s, f.last("use"), f.args[0])
	if err != nil {
		return nil, err
	}
	delete(c.Intercepts, f.args[0])
	return nil, saveState(e.dir, s)
}

// httpGet runs in the daemon container: one HTTP/1.0 GET; prints the body,
// fails unless the status is 2xx.
func httpGet(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: standin-http-get URL")
	}
	u, err := url.Parse(args[0])
	if err != nil {
		return err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", u.RequestURI(), u.Host); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(os.Stdout, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return nil
}

// clusterService runs in the stand-in cluster service container: HTTP on
// port 80 answering fixture.ClusterReply.
func clusterService([]string) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sigs; os.Exit(0) }()
	return http.ListenAndServe(":80", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, fixture.ClusterReply)
	}))
}
