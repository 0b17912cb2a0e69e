package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// delayproxy serves an HTTP reverse proxy to a registry that waits before
// each request it forwards, as a registry over a slow link answers: the
// bench's pulls then take seconds, as a real one's do. It prints the
// address it listens on, then serves until it is signaled.
//
//	benchtool delayproxy -to HOST:PORT -delay DURATION
func delayproxy(args []string) error {
	fs := flag.NewFlagSet("delayproxy", flag.ContinueOnError)
	to := fs.String("to", "", "the registry's host:port")
	delay := fs.Duration("delay", 500*time.Millisecond, "the wait before each request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("delayproxy: -to is required")
	}
	target, err := url.Parse("http://" + *to)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(l.Addr().String())
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := &http.Server{ReadHeaderTimeout: time.Minute, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(*delay)
		proxy.ServeHTTP(w, r)
	})}
	go func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
		<-ch
		_ = srv.Close()
	}()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// freeport prints a loopback TCP port that no one listens on now.
func freeport() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer func() { _ = l.Close() }()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	fmt.Println(port)
	return nil
}
