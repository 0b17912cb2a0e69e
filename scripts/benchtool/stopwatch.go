package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
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
	less := fs.String("less", "", "STEP=FILE: run the plugin with its trace on, and append to FILE the time without its step STEP")
	if err := fs.Parse(args); err != nil {
		return err
	}
	step, lessFile, _ := strings.Cut(*less, "=")
	if *less != "" && (step == "" || lessFile == "") {
		return fmt.Errorf("-less %q: want STEP=FILE", *less)
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
	if step != "" {
		cmd.Env = append(os.Environ(), "DOCKER_TELEPRESENCE_TRACE=1")
	}
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
	if step != "" {
		if err := appendLess(lessFile, total, out.String(), step); err != nil {
			return err
		}
	}
	fmt.Printf("%.3f\n", total)
	return nil
}

// appendLess appends to path the total less the time the traced step took.
func appendLess(path string, total float64, output, step string) error {
	took, err := tracedStep(output, step)
	if err != nil {
		return err
	}
	return appendSample(path, total-took)
}

// tracedStep is how long the step took, in ms, from the plugin's trace
// lines ("trace: STEP  at 12.3ms  took 4.5ms"); a step the run took more
// than once counts each time.
func tracedStep(output, step string) (float64, error) {
	var sum float64
	found := false
	for line := range strings.Lines(output) {
		rest, ok := strings.CutPrefix(line, "trace: "+step+" ")
		_, took, hasTook := strings.Cut(rest, " took ")
		if !ok || !hasTook {
			continue
		}
		ms, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(took), "ms"), 64)
		if err != nil {
			return 0, fmt.Errorf("trace line %q: %w", strings.TrimSpace(line), err)
		}
		sum, found = sum+ms, true
	}
	if !found {
		return 0, fmt.Errorf("the trace has no step %q:\n%s", step, tail(output, 40))
	}
	return sum, nil
}

func appendSample(path string, ms float64) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "%.3f\n", ms)
	return errors.Join(err, f.Close())
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
