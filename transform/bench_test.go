package transform

import (
	"fmt"
	"sync"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/scripts/benchproject"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
)

// benchSizes are the project sizes (number of services) of the scaling
// benchmarks. BENCHMARKS.md states the targets: 1,000 services under 20 ms
// and 50 MB, and 5,000 services at most 6 times the cost of 1,000.
var benchSizes = []int{10, 100, 1000, 5000}

// benchProjects caches the loaded projects: loading 5,000 services with
// compose-go takes seconds, and the benchmark function runs several times
// (once per b.N guess), so each size is loaded once per process.
var benchProjects sync.Map // int -> *benchInput

type benchInput struct {
	once    sync.Once
	project *types.Project
	rt      Runtime
	err     error
}

// loadBench returns the generated project of n services, loaded the way
// Compose loads it (two files merged, normalised, consistency checked), and
// the runtime `up` would pass once the intercepts exist. Loading is not part
// of what is measured.
func loadBench(b *testing.B, n int) (*types.Project, Runtime) {
	b.Helper()
	v, _ := benchProjects.LoadOrStore(n, &benchInput{})
	in := v.(*benchInput)
	in.once.Do(func() {
		files := benchproject.Large(n)
		in.project, in.err = loader.LoadWithContext(b.Context(), types.ConfigDetails{
			WorkingDir: "/bench",
			ConfigFiles: []types.ConfigFile{
				{Filename: "/bench/compose.yaml", Content: files.Compose},
				{Filename: "/bench/compose.telepresence.yaml", Content: files.Intent},
			},
			Environment: types.Mapping{},
		})
		if in.err != nil {
			return
		}
		in.rt = benchRuntime(in.project)
	})
	if in.err != nil {
		b.Fatalf("loading the generated %d-service project: %v", n, in.err)
	}
	if got := len(in.project.Services); got != n {
		b.Fatalf("the generated project has %d services, want %d", got, n)
	}
	return in.project, in.rt
}

// benchRuntime pretends every handler's intercept returned a pod environment
// and one volume, so Apply does all of its work (environment merge,
// Telemount volumes) for the handlers that mount.
func benchRuntime(p *types.Project) Runtime {
	rt := Runtime{Model: vocab.ModelNetns, Daemons: map[string]DaemonRuntime{"": {Container: "tp-bench", IP: "172.20.0.2"}}, VolumeDriver: "telemount", Attachments: map[string]Intercept{}}
	in, err := ParseIntent(p, Flags{})
	if err != nil {
		return rt
	}
	for _, name := range in.ServicesWith(InterceptHandler) {
		rt.Attachments[name] = Intercept{
			Name: "wl-" + name,
			Environment: map[string]string{
				"TELEPRESENCE_CONTAINER": "wl-" + name, "DB_HOST": "psql", "LOG_LEVEL": "debug",
				"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443",
			},
			MountPort: 34439,
			Mounts:    paths("/var/run/secrets/kubernetes.io"),
		}
	}
	return rt
}

// transformOnce is what `config` and `up` do with a loaded project: parse the
// intent, plan, and apply.
func transformOnce(b *testing.B, p *types.Project, rt Runtime) *Result {
	in, err := ParseIntent(p, Flags{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := NewPlan(p, in); err != nil {
		b.Fatal(err)
	}
	res, err := Apply(p, in, rt)
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// BenchmarkTransform measures ParseIntent + NewPlan + Apply together, per
// project size. ns/service makes linear growth visible at a glance.
func BenchmarkTransform(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			p, rt := loadBench(b, n)
			// One untimed run checks that the generated project exercises
			// every path: handlers, remote services and their DNS mappings.
			if res := transformOnce(b, p, rt); len(res.Project.Services) != n-n/5 || (n >= 20 && len(telemountKeys(res.Project)) == 0) {
				b.Fatalf("unexpected result: %d services, %d volumes", len(res.Project.Services), len(telemountKeys(res.Project)))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				transformOnce(b, p, rt)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/service")
		})
	}
}

// BenchmarkStages measures each step alone, to tell which one grows.
func BenchmarkStages(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("ParseIntent/services=%d", n), func(b *testing.B) {
			p, _ := loadBench(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := ParseIntent(p, Flags{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("NewPlan/services=%d", n), func(b *testing.B) {
			p, _ := loadBench(b, n)
			in, err := ParseIntent(p, Flags{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := NewPlan(p, in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Apply/services=%d", n), func(b *testing.B) {
			p, rt := loadBench(b, n)
			in, err := ParseIntent(p, Flags{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := Apply(p, in, rt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
