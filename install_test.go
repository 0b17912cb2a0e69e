package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `make install` (and so `make example`) puts the plugin where the Docker
// CLI looks: $DOCKER_CONFIG/cli-plugins when DOCKER_CONFIG is set, else
// ~/.docker/cli-plugins. A stand-in plugin is installed (make -o build: no
// Go build), and the docker CLI, when there is one, runs it from there.
func TestMakeInstallGoesWhereDockerLooks(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	standin := filepath.Join(t.TempDir(), "docker-telepresence")
	script := `#!/bin/sh
if [ "$1" = docker-cli-plugin-metadata ]; then
  echo '{"SchemaVersion":"0.1.0","Vendor":"test","Version":"test"}'
else
  echo "stand-in plugin ran"
fi
`
	if err := os.WriteFile(standin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	install := func(env ...string) {
		t.Helper()
		cmd := exec.Command("make", "-o", "build", "install", "BIN="+standin)
		cmd.Env = append(cleanEnv("DOCKER_CONFIG", "HOME", "PLUGINDIR", "MAKEFLAGS"), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make install %v: %v\n%s", env, err, out)
		}
	}

	config, home := t.TempDir(), t.TempDir()
	install("DOCKER_CONFIG="+config, "HOME="+home)
	if _, err := os.Stat(filepath.Join(config, "cli-plugins", "docker-telepresence")); err != nil {
		t.Errorf("with DOCKER_CONFIG set: %v", err)
	}
	if _, err := os.Stat(filepath.Join(home, ".docker")); err == nil {
		t.Errorf("with DOCKER_CONFIG set, make install wrote into ~/.docker too")
	}
	install("HOME=" + home)
	if _, err := os.Stat(filepath.Join(home, ".docker", "cli-plugins", "docker-telepresence")); err != nil {
		t.Errorf("without DOCKER_CONFIG: %v", err)
	}

	if _, err := exec.LookPath("docker"); err != nil {
		return
	}
	cmd := exec.Command("docker", "telepresence")
	cmd.Env = append(cleanEnv("DOCKER_CONFIG"), "DOCKER_CONFIG="+config)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "stand-in plugin ran") {
		t.Errorf("docker does not find the plugin make installed: %v\n%s", err, out)
	}
}

// cleanEnv is the environment without keys.
func cleanEnv(keys ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, key := range keys {
			drop = drop || k == key
		}
		if !drop {
			env = append(env, kv)
		}
	}
	return env
}
