package main

import (
	"testing"
)

// The stand-in refuses what the real driver's Create refuses, with its
// texts (telepresenceio/docker-volume-telemount v0.3.2 pkg/sftp/driver.go).
func TestCreateRefusesWhatTheRealDriverRefuses(t *testing.T) {
	ok := map[string]string{"container": "echo", "dir": "/etc/podinfo", "host": "172.17.0.2", "port": "34439"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for key, val := range ok {
			m[key] = val
		}
		if v == "\x00" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name string
		opts map[string]string
		want string
	}{
		{"all options", with("ro", "true"), ""},
		{"host defaults to localhost", with("host", "\x00"), ""},
		{"ro as any boolean", with("ro", "0"), ""},
		{"unknown option", with("readonly", "true"), `illegal option "readonly"`},
		{"no container", with("container", "\x00"), `missing required option "container"`},
		{"empty container", with("container", ""), `missing required option "container"`},
		{"no port", with("port", "\x00"), `missing required option "port"`},
		{"port 0", with("port", "0"), `missing required option "port"`},
		{"port too big", with("port", "65536"), "port must be an unsigned integer between 1 and 65535"},
		{"port not a number", with("port", "http"), "port must be an unsigned integer between 1 and 65535"},
		{"negative port", with("port", "-1"), "port must be an unsigned integer between 1 and 65535"},
		{"ro not a boolean", with("ro", "yes"), "ro must be a boolean"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &driver{root: t.TempDir(), volumes: map[string]volume{}}
			_, err := d.create(request{Name: "v", Opts: tc.opts})
			if got := errText(err); got != tc.want {
				t.Errorf("create: %q, want %q", got, tc.want)
			}
		})
	}
}

// Volumes on one host:port share one sshfs connection, and so one
// read-only flag: asking for the other mode fails, naming host:port as
// net.JoinHostPort writes it; once the volumes of a mode are gone, the
// other mode may be asked for.
func TestCreateKeepsOneModePerHostAndPort(t *testing.T) {
	d := &driver{root: t.TempDir(), volumes: map[string]volume{}}
	create := func(name, host, port, ro string) string {
		opts := map[string]string{"container": "c", "host": host, "port": port}
		if ro != "" {
			opts["ro"] = ro
		}
		_, err := d.create(request{Name: name, Opts: opts})
		return errText(err)
	}
	steps := []struct{ name, host, port, ro, want string }{
		{"rw-0", "172.17.0.2", "34439", "", ""},
		{"rw-1", "172.17.0.2", "34439", "false", ""},
		{"ro-0", "172.17.0.2", "34439", "true", "read-only access requested writeable 172.17.0.2:34439"},
		{"ro-1", "172.17.0.2", "4000", "true", ""},  // another port: another connection
		{"ro-2", "172.17.0.3", "34439", "true", ""}, // another host too
		{"rw-2", "172.17.0.2", "4000", "", "writable access requested for read-only 172.17.0.2:4000"},
		{"ro-3", "fd00::2", "4000", "1", ""}, // IPv6
		{"rw-3", "fd00::2", "04000", "", "writable access requested for read-only [fd00::2]:4000"},
	}
	for _, s := range steps {
		if got := create(s.name, s.host, s.port, s.ro); got != s.want {
			t.Errorf("create %s (%s:%s ro=%q): %q, want %q", s.name, s.host, s.port, s.ro, got, s.want)
		}
	}
	for _, name := range []string{"rw-0", "rw-1"} {
		if _, err := d.remove(request{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	if got := create("ro-0", "172.17.0.2", "34439", "true"); got != "" {
		t.Errorf("read-only after the writable volumes went: %q", got)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
