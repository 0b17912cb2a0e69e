package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// stopwatch runs one command and prints its wall time in milliseconds. With
// -running, the clock stops only once the compose project has COUNT running
// containers: `up -d` normally returns when they are, and then the check,
// which is not timed, only confirms it.
func stopwatch(args []string) error {
	fs := flag.NewFlagSet("stopwatch", flag.ContinueOnError)
	running := fs.String("running", "", "PROJECT=COUNT: also wait until the project has COUNT running containers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cmdline := fs.Args()
	if len(cmdline) == 0 {
		return errors.New("stopwatch: no command")
	}
	var project string
	var want int
	if *running != "" {
		p, c, ok := strings.Cut(*running, "=")
		n, err := strconv.Atoi(c)
		if !ok || err != nil {
			return fmt.Errorf("-running %q: want PROJECT=COUNT", *running)
		}
		project, want = p, n
	}
	// Output is discarded (the terminal would be part of the measure) but
	// kept for the error message when the command fails.
	var out bytes.Buffer
	cmd := exec.Command(cmdline[0], cmdline[1:]...)
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(cmdline, " "), err, tail(out.String(), 40))
	}
	if project != "" {
		for deadline := time.Now().Add(time.Minute); ; {
			n, err := runningContainers(project)
			if err != nil {
				return err
			}
			if n == want {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("project %s: %d containers running after a minute, want %d", project, n, want)
			}
			// Not all running yet: from here on the wait counts.
			time.Sleep(20 * time.Millisecond)
			elapsed = time.Since(start)
		}
	}
	total := float64(elapsed.Microseconds()) / 1000
	fmt.Printf("%.3f\n", total)
	return nil
}

func runningContainers(project string) (int, error) {
	out, err := exec.Command("docker", "ps", "-q", "--filter", "status=running",
		"--filter", "label=com.docker.compose.project="+project).Output()
	if err != nil {
		return 0, fmt.Errorf("docker ps: %w", err)
	}
	return len(strings.Fields(string(out))), nil
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}
