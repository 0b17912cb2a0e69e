package harness

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// A real image registry on loopback (Debian's docker-registry, the
// distribution registry 2.8), for the tests that pull: the engine trusts a
// registry on 127.0.0.0/8 over plain HTTP. It holds RegistryImage, the
// suite's busybox pushed there.

// registryBinary is where Debian's docker-registry package installs it.
const registryBinary = "docker-registry"

// registry is the running registry, once started.
var registry struct {
	addr string
	cmd  *exec.Cmd
	// done is closed once the registry has exited.
	done chan struct{}
}

// RegistryImage is BusyboxImage as the registry serves it; "" when the
// suite runs without a registry (Options.Registry unset).
func RegistryImage() string {
	if registry.addr == "" {
		return ""
	}
	return registry.addr + "/tpe2e/busybox:1"
}

// startRegistry starts the registry on a loopback port no one uses, with
// its storage in the suite's directory, and pushes the busybox image to
// it. The port is found free, then given to the registry: another process
// may take it between the two, so a registry that exits at once is
// started again on another port.
func startRegistry() (stop func(), err error) {
	bin, err := exec.LookPath(registryBinary)
	if err != nil {
		return func() {}, fmt.Errorf("the tests that pull need a registry: %w (hint: apt-get install docker-registry)", err)
	}
	for attempt := 0; attempt < 3; attempt++ {
		if err = runRegistry(bin, attempt); err == nil {
			break
		}
	}
	if err != nil {
		return func() {}, err
	}
	stop = func() {
		_ = registry.cmd.Process.Kill()
		<-registry.done
		if _, err := Docker("image", "inspect", RegistryImage()); err == nil {
			_, _ = Docker("rmi", RegistryImage())
		}
	}
	if _, err := Docker("tag", BusyboxImage, RegistryImage()); err != nil {
		return stop, err
	}
	if _, err := Docker("push", RegistryImage()); err != nil {
		return stop, fmt.Errorf("pushing to the registry: %w", err)
	}
	return stop, nil
}

// runRegistry starts the registry, and waits until it answers or exits.
func runRegistry(bin string, attempt int) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	_ = l.Close()
	dir := filepath.Join(suite.dir, "registry-"+strconv.Itoa(attempt))
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return err
	}
	config := fmt.Sprintf("version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: %s}, delete: {enabled: true}}\nhttp: {addr: %q}\n",
		filepath.Join(dir, "data"), addr)
	configFile := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o644); err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		return err
	}
	defer func() { _ = logFile.Close() }()
	cmd := exec.Command(bin, "serve", configFile)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	exited, done := make(chan error, 1), make(chan struct{})
	go func() {
		exited <- cmd.Wait()
		close(done)
	}()
	// Wait for as long as the registry runs: a loaded machine may take its
	// time, and a registry that exits is the failure, not a deadline.
	for {
		select {
		case <-done:
			err := <-exited
			log, _ := os.ReadFile(logFile.Name())
			return fmt.Errorf("docker-registry exited before it answered: %w\n%s", err, log)
		default:
		}
		if rsp, err := http.Get("http://" + addr + "/v2/"); err == nil {
			_ = rsp.Body.Close()
			if rsp.StatusCode == http.StatusOK {
				registry.addr, registry.cmd, registry.done = addr, cmd, done
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}
