// Command telemount is a stand-in for the Telemount Docker volume plugin,
// used by the e2e tests of docker-telepresence. It is a legacy (unmanaged)
// volume plugin: the engine discovers it through its socket in
// /run/docker/plugins and talks the VolumeDriver JSON-over-HTTP protocol.
//
// Instead of mounting a remote directory over SFTP it materialises the
// driver options as files, so a test can `cat /mnt/dir` in a container and
// see which options the plugin gave the volume. Create refuses what the real
// driver refuses (parseOptions, checkMode), with its texts. State lives on
// disk (--root) so that a restarted stand-in still knows the volumes the
// engine has.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

const contentType = "application/vnd.docker.plugins.v1.2+json"

// volume is what is remembered per volume, in memory and in <root>/<name>.json.
type volume struct {
	Name string            `json:"Name"`
	Opts map[string]string `json:"Opts"`
}

type driver struct {
	root    string
	mu      sync.Mutex
	volumes map[string]volume
}

// request is the union of the request bodies the engine sends.
type request struct {
	Name string            `json:"Name"`
	Opts map[string]string `json:"Opts"`
	ID   string            `json:"ID"`
}

func main() {
	socket := flag.String("socket", "/run/docker/plugins/tpe2e-telemount.sock", "unix socket to serve on")
	root := flag.String("root", "", "directory for volume state and data (required)")
	flag.Parse()
	if *root == "" {
		log.Fatal("--root is required")
	}
	d := &driver{root: *root, volumes: map[string]volume{}}
	if err := d.load(); err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(*socket), 0o755); err != nil {
		log.Fatal(err)
	}
	_ = os.Remove(*socket) // left over by a killed predecessor
	lis, err := net.Listen("unix", *socket)
	if err != nil {
		log.Fatal(err)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		// Without the socket the engine stops considering the plugin present.
		_ = os.Remove(*socket)
		os.Exit(0)
	}()
	log.Printf("telemount stand-in serving on %s, root %s", *socket, *root)
	log.Fatal(http.Serve(lis, d.mux()))
}

func (d *driver) mux() *http.ServeMux {
	m := http.NewServeMux()
	handle := func(path string, fn func(request) (any, error)) {
		m.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			var req request
			_ = json.NewDecoder(r.Body).Decode(&req) // some calls have no body
			d.mu.Lock()
			resp, err := fn(req)
			d.mu.Unlock()
			log.Printf("%s %+v -> %+v %v", path, req, resp, err)
			w.Header().Set("Content-Type", contentType)
			if err != nil {
				resp = map[string]string{"Err": err.Error()}
			}
			_ = json.NewEncoder(w).Encode(resp)
		})
	}
	handle("/Plugin.Activate", func(request) (any, error) {
		return map[string][]string{"Implements": {"VolumeDriver"}}, nil
	})
	handle("/VolumeDriver.Create", d.create)
	handle("/VolumeDriver.Remove", d.remove)
	handle("/VolumeDriver.Mount", d.mount)
	handle("/VolumeDriver.Unmount", func(req request) (any, error) {
		_, err := d.get(req.Name)
		return map[string]string{}, err
	})
	handle("/VolumeDriver.Path", func(req request) (any, error) {
		if _, err := d.get(req.Name); err != nil {
			return nil, err
		}
		return map[string]string{"Mountpoint": d.dataDir(req.Name)}, nil
	})
	handle("/VolumeDriver.Get", func(req request) (any, error) {
		if _, err := d.get(req.Name); err != nil {
			return nil, err
		}
		return map[string]any{"Volume": d.info(req.Name)}, nil
	})
	handle("/VolumeDriver.List", func(request) (any, error) {
		list := []map[string]string{}
		for name := range d.volumes {
			list = append(list, d.info(name))
		}
		return map[string]any{"Volumes": list}, nil
	})
	handle("/VolumeDriver.Capabilities", func(request) (any, error) {
		return map[string]any{"Capabilities": map[string]string{"Scope": "local"}}, nil
	})
	return m
}

func (d *driver) create(req request) (any, error) {
	if err := checkName(req.Name); err != nil {
		return nil, err
	}
	m, err := parseOptions(req.Opts)
	if err != nil {
		return nil, err
	}
	if err := d.checkMode(m); err != nil {
		return nil, err
	}
	v := volume{Name: req.Name, Opts: req.Opts}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(d.root, req.Name+".json"), data, 0o644); err != nil {
		return nil, err
	}
	d.volumes[req.Name] = v
	return map[string]string{}, nil
}

// remoteMount is what the real driver keys its sshfs connections by: the
// volumes of one host:port share one connection, so one read-only flag.
type remoteMount struct {
	key      string // net.JoinHostPort(host, port)
	readOnly bool
}

// parseOptions applies the rules of the real driver's Create
// (telepresenceio/docker-volume-telemount v0.3.2, pkg/sftp/driver.go), with
// its error texts: only container, dir, host, port and ro; container and
// port required; port 1-65535; ro a boolean; host defaults to localhost.
// The real driver meets the options in map order; the stand-in in sorted
// order, so that a test sees one error for a set of options.
func parseOptions(opts map[string]string) (remoteMount, error) {
	var container, host string
	var port uint64
	var m remoteMount
	for _, key := range slices.Sorted(maps.Keys(opts)) {
		val := opts[key]
		var err error
		switch key {
		case "container":
			container = val
		case "dir":
		case "host":
			host = val
		case "port":
			if port, err = strconv.ParseUint(val, 10, 16); err != nil {
				return m, errors.New("port must be an unsigned integer between 1 and 65535")
			}
		case "ro":
			if m.readOnly, err = strconv.ParseBool(val); err != nil {
				return m, errors.New("ro must be a boolean")
			}
		default:
			return m, fmt.Errorf("illegal option %q", key)
		}
	}
	if container == "" {
		return m, errors.New(`missing required option "container"`)
	}
	if host == "" {
		host = "localhost"
	}
	if port == 0 {
		return m, errors.New(`missing required option "port"`)
	}
	m.key = net.JoinHostPort(host, strconv.FormatUint(port, 10))
	return m, nil
}

// checkMode refuses a volume whose host:port an existing volume mounts in
// the other mode, as the real driver's getRemoteMount does.
func (d *driver) checkMode(m remoteMount) error {
	for _, v := range d.volumes {
		other, err := parseOptions(v.Opts)
		if err != nil || other.key != m.key || other.readOnly == m.readOnly {
			continue
		}
		if other.readOnly {
			return fmt.Errorf("writable access requested for read-only %s", m.key)
		}
		// Sic: the real driver's text.
		return fmt.Errorf("read-only access requested writeable %s", m.key)
	}
	return nil
}

func (d *driver) remove(req request) (any, error) {
	if _, err := d.get(req.Name); err != nil {
		return nil, err
	}
	delete(d.volumes, req.Name)
	if err := os.RemoveAll(filepath.Join(d.root, req.Name)); err != nil {
		return nil, err
	}
	return map[string]string{}, os.Remove(filepath.Join(d.root, req.Name+".json"))
}

// mount writes one file per driver option (plus a marker file) into the
// volume's data directory and hands that directory to the engine.
func (d *driver) mount(req request) (any, error) {
	v, err := d.get(req.Name)
	if err != nil {
		return nil, err
	}
	dir := d.dataDir(req.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	files := map[string]string{"telemount": "standin"}
	for k, val := range v.Opts {
		files[k] = val
	}
	for k, val := range files {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(val), 0o644); err != nil {
			return nil, err
		}
	}
	return map[string]string{"Mountpoint": dir}, nil
}

func (d *driver) get(name string) (volume, error) {
	v, ok := d.volumes[name]
	if !ok {
		return v, fmt.Errorf("volume %q not found", name)
	}
	return v, nil
}

func (d *driver) info(name string) map[string]string {
	return map[string]string{"Name": name, "Mountpoint": d.dataDir(name)}
}

func (d *driver) dataDir(name string) string { return filepath.Join(d.root, name, "data") }

// load reads the volumes a previous run of the stand-in created.
func (d *driver) load() error {
	if err := os.MkdirAll(d.root, 0o755); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(d.root, "*.json"))
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var v volume
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		d.volumes[v.Name] = v
	}
	return nil
}

// checkName keeps names usable as single file names under root.
func checkName(name string) error {
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return errors.New("invalid name " + fmt.Sprintf("%q", name))
	}
	return nil
}
