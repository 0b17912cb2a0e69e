package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// createInterceptCmd is the hidden subcommand that makes a slow intercept
// (fixture Intercept.DelayMS). Like the real daemon, which creates the
// intercept apart from the CLI, it runs in a session of its own: a signal
// to the CLI's process group does not reach it, and a CLI killed with
// SIGKILL leaves it to finish. An interrupted CLI cancels it (SIGTERM).
const createInterceptCmd = "standin-create-intercept"

// createDelayed starts the creator process and waits for it. On SIGINT or
// SIGTERM it stops the creator, waits for it, and fails.
func createDelayed(conn, name string, ai fixture.ActiveIntercept, delayMS int) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	spec, err := json.Marshal(ai)
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	cmd := exec.Command(exe, createInterceptCmd, conn, name, strconv.Itoa(delayMS), string(spec))
	cmd.ExtraFiles = []*os.File{w} // fd 3: the creator's error message
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	_ = w.Close()
	if err != nil {
		return err
	}
	msg := make(chan string, 1)
	go func() { b, _ := io.ReadAll(r); msg <- string(b) }()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	select {
	case err = <-done:
	case sig := <-sigs:
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err = <-done; err != nil {
			<-msg
			return fmt.Errorf("intercept %s canceled: %v", name, sig)
		}
	}
	if m := <-msg; err != nil && m != "" {
		return errors.New(m)
	}
	return err
}

// createInterceptChild is the creator process: it sleeps, then records the
// intercept on its daemon, unless SIGTERM came first. It records its steps
// in creators.jsonl (fixture.CreatorEvent) for the tests to wait on.
func createInterceptChild(dir string, args []string) int {
	res := os.NewFile(3, "result")
	fail := func(format string, a ...any) int {
		fmt.Fprintf(res, format, a...)
		return 1
	}
	if len(args) != 4 {
		return fail("%s: want CONNECTION NAME DELAY_MS INTERCEPT_JSON", createInterceptCmd)
	}
	conn, name := args[0], args[1]
	delay, err := strconv.Atoi(args[2])
	var ai fixture.ActiveIntercept
	if err == nil {
		err = json.Unmarshal([]byte(args[3]), &ai)
	}
	if err != nil {
		return fail("%s: %v", createInterceptCmd, err)
	}
	record := func(event string) {
		_ = appendJSONLine(filepath.Join(dir, fixture.CreatorsFile),
			fixture.CreatorEvent{Intercept: name, Event: event, PID: os.Getpid()})
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	record(fixture.CreatorWaiting)
	select {
	case <-time.After(time.Duration(delay) * time.Millisecond):
	case <-sigs:
		record(fixture.CreatorCanceled)
		return fail("intercept %s canceled", name)
	}
	// From here on the intercept is made; later signals are ignored.
	if msg := makeIntercept(dir, conn, name, ai); msg != "" {
		record(fixture.CreatorFailed)
		return fail("%s", msg)
	}
	record(fixture.CreatorMade)
	return 0
}

// makeIntercept records the intercept on its daemon; it returns why not.
func makeIntercept(dir, conn, name string, ai fixture.ActiveIntercept) string {
	unlock, err := lock(dir)
	if err != nil {
		return err.Error()
	}
	defer unlock()
	s, err := loadState(dir)
	if err != nil {
		return err.Error()
	}
	c := s.Connections[conn]
	if c == nil {
		return fmt.Sprintf("the daemon %s is gone", conn)
	}
	if _, ok := c.Intercepts[name]; ok {
		return fmt.Sprintf("Intercept with name %q already exists", name)
	}
	c.Intercepts[name] = ai
	if err := saveState(dir, s); err != nil {
		return err.Error()
	}
	return ""
}
