// Command benchtool is the helper of scripts/bench.sh: it writes the
// generated compose projects, times one command at a time, and turns the
// samples into medians and ratios. bench.sh keeps the flow; this keeps the
// arithmetic and the clock out of bash, where forking `date` for each
// timestamp would cost more than some of the commands being measured.
//
//	benchtool gen large N DIR              compose.yaml + compose.telepresence.yaml
//	benchtool gen up DIR IMAGE PORT PLAINPORT   ... + compose.plain.yaml
//	benchtool stopwatch [-running PROJECT=COUNT] -- CMD [ARG...]
//	benchtool stats FILE                   median min max n (ms) of one sample per line
//	benchtool ratio A B                    A/B with two decimals
//	benchtool gobench FILE                 medians of `go test -bench` output
//	benchtool apilog -- CMD [ARG...]       the Docker API calls CMD makes, counted
//	benchtool delayproxy -to ADDR -delay D  a registry proxy that waits D before each request
//	benchtool freeport                     a free loopback TCP port
package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/telepresenceio/docker-telepresence/scripts/benchproject"
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: benchtool gen|stopwatch|stats|ratio|gobench ARGS"))
	}
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "gen":
		err = gen(args)
	case "stopwatch":
		err = stopwatch(args)
	case "stats":
		err = stats(args)
	case "ratio":
		err = ratio(args)
	case "gobench":
		err = gobench(args)
	case "apilog":
		err = apilog(args)
	case "delayproxy":
		err = delayproxy(args)
	case "freeport":
		err = freeport()
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchtool:", err)
	os.Exit(1)
}

func gen(args []string) error {
	write := func(dir string, files map[string][]byte) error {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	switch {
	case len(args) == 3 && args[0] == "large":
		n, err := strconv.Atoi(args[1])
		if err != nil {
			return err
		}
		f := benchproject.Large(n)
		return write(args[2], map[string][]byte{"compose.yaml": f.Compose, "compose.telepresence.yaml": f.Intent})
	case len(args) == 6 && args[0] == "up":
		port, err1 := strconv.Atoi(args[3])
		plain, err2 := strconv.Atoi(args[4])
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		f := benchproject.Up(20, args[2], port, plain, args[5])
		return write(args[1], map[string][]byte{
			"compose.yaml": f.Compose, "compose.telepresence.yaml": f.Intent, "compose.plain.yaml": f.Plain,
		})
	}
	return errors.New("usage: gen large N DIR | gen up DIR IMAGE PORT PLAINPORT NETWORK (netns: telepresence; Teleroute: the daemon's network)")
}

// summary is the median, min and max of samples.
type summary struct {
	median, min, max float64
	n                int
}

func summarize(samples []float64) summary {
	s := slices.Clone(samples)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return summary{}
	}
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return summary{median: med, min: s[0], max: s[n-1], n: n}
}

func readSamples(path string) ([]float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []float64
	for _, f := range strings.Fields(string(data)) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no samples", path)
	}
	return out, nil
}

func stats(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: stats FILE")
	}
	samples, err := readSamples(args[0])
	if err != nil {
		return err
	}
	s := summarize(samples)
	fmt.Printf("%.1f %.1f %.1f %d\n", s.median, s.min, s.max, s.n)
	return nil
}

func ratio(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: ratio A B")
	}
	a, err1 := strconv.ParseFloat(args[0], 64)
	b, err2 := strconv.ParseFloat(args[1], 64)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	if b == 0 {
		return errors.New("ratio: division by zero")
	}
	fmt.Printf("%.2f\n", a/b)
	return nil
}

// gobench reads `go test -bench -count N` output and prints, per benchmark,
// the median of each metric over the N runs:
// NAME ns/op B/op allocs/op (ns/op min, ns/op max).
func gobench(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: gobench FILE")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	type metrics struct{ ns, bytes, allocs []float64 }
	byName := map[string]*metrics{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		// Drop the -GOMAXPROCS suffix so runs on any machine read the same.
		name := fields[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i]
		}
		m := byName[name]
		if m == nil {
			m = &metrics{}
			byName[name] = m
			order = append(order, name)
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			switch fields[i+1] {
			case "ns/op":
				m.ns = append(m.ns, v)
			case "B/op":
				m.bytes = append(m.bytes, v)
			case "allocs/op":
				m.allocs = append(m.allocs, v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	for _, name := range order {
		m := byName[name]
		ns := summarize(m.ns)
		fmt.Printf("%s %.0f %.0f %.0f %.0f %.0f %d\n", name, ns.median, summarize(m.bytes).median,
			summarize(m.allocs).median, ns.min, ns.max, ns.n)
	}
	return nil
}
