package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/telepresenceio/docker-telepresence/e2e/standin/fixture"
)

// interceptFlags are the flags of `telepresence intercept` in the emulated
// release: --http-header only from 2.25 (pkg/client/cli/intercept/command.go).
func interceptFlags(r release) flagSpec {
	spec := flagSpec{
		valued:   []string{"port", "address", "service", "workload"},
		boolean:  []string{"detailed-output"},
		optional: []string{"mount"},
	}
	if r.httpHeader() {
		spec.valued = append(spec.valued, "http-header")
	}
	return spec
}

// intercept creates an intercept from the fixture and prints it like
// `intercept --detailed-output` (pkg/client/cli/intercept/info.go).
func intercept(e *env, f *flags) (any, error) {
	if len(f.args) != 1 {
		return nil, fmt.Errorf("accepts 1 arg(s), received %d", len(f.args))
	}
	name := f.args[0]
	ai := fixture.ActiveIntercept{
		ID: uuid() + ":" + name, Workload: f.last("workload"), Port: f.last("port"),
		Address: f.last("address"), Service: f.last("service"),
		Headers: splitList(f.values["http-header"]), Mount: f.last("mount"),
	}
	if ai.Workload == "" {
		ai.Workload = name
	}
	if err := validate(e.rel, ai); err != nil {
		return nil, err
	}
	mount := mountEnabled(ai.Mount)
	fx := e.fx.Intercepts[name]

	s, unlock, err := openState(e)
	if err != nil {
		return nil, err
	}
	defer func() { unlock() }()
	c, err := selectOne(s, f.last("use"))
	if err != nil {
		return nil, err
	}
	if fx.Fail != "" {
		return nil, errors.New(fx.Fail)
	}
	if _, ok := c.Intercepts[name]; ok {
		return nil, fmt.Errorf("Intercept with name %q already exists", name)
	}
	if fx.DelayMS > 0 {
		// The lock is not held while the intercept is being made.
		unlock()
		unlock = func() {}
		if err := createDelayed(c.Name, name, ai, fx.DelayMS); err != nil {
			return nil, err
		}
	} else {
		c.Intercepts[name] = ai
		if err := saveState(e.dir, s); err != nil {
			return nil, err
		}
	}
	e.printf("Using Deployment %s\n   Intercept name    : %s\n   State             : ACTIVE\n   Destination       : %s\n",
		ai.Workload, name, destination(ai))
	return e.interceptInfo(name, ai, fx, mount, f.bools["detailed-output"]), nil
}

// validate checks the flags as the CLI of the emulated release does.
func validate(r release, ai fixture.ActiveIntercept) error {
	if ai.Port != "" {
		local, svc, hasSvc := strings.Cut(ai.Port, ":")
		if n, err := strconv.Atoi(local); err != nil || n <= 0 || n > 65535 || hasSvc && svc == "" {
			return fmt.Errorf("port numbers must be a valid, positive int, you gave: %q", ai.Port)
		}
	}
	// Before 2.23, --address had to be an IP (pkg/client/cli/intercept/state.go).
	if ai.Address != "" && !r.addressName() && net.ParseIP(ai.Address) == nil {
		return fmt.Errorf("--address %s is not a valid IP address", ai.Address)
	}
	for _, h := range ai.Headers {
		if !strings.Contains(h, "=") && !strings.Contains(h, ":") {
			return fmt.Errorf("invalid --http-header %q: want KEY=VALUE or \"KEY: VALUE\"", h)
		}
	}
	return nil
}

// interceptInfo builds the output from intercept-2.20.json (mounts as a
// list) or, from 2.22, intercept-2.27.json (mounts as a path -> policy map).
// Without --detailed-output, the CLI prints text instead (the JSON modes
// then wrap it), as pkg/client/cli/intercept/state.go does.
func (e *env) interceptInfo(name string, ai fixture.ActiveIntercept, fx fixture.Intercept, mount, detailed bool) any {
	if !detailed {
		return nil
	}
	file := sampleInterceptList
	if e.rel.mountPolicies() {
		file = sampleInterceptPolicies
	}
	s := loadSample(file).set("id", ai.ID).set("name", name).set("disposition", "ACTIVE")
	// The pod's environment, then what the CLI sets.
	env := map[string]any{"TELEPRESENCE_CONTAINER": name}
	if len(fx.Mounts) > 0 {
		env["TELEPRESENCE_MOUNTS"] = strings.Join(fx.Mounts, ":")
	}
	for k, v := range fx.Environment {
		env[k] = v
	}
	localDir := ""
	if mount {
		localDir = "/tmp/telfs-" + strings.SplitN(ai.ID, "-", 2)[0]
	}
	env["TELEPRESENCE_INTERCEPT_ID"], env["TELEPRESENCE_ROOT"] = ai.ID, localDir
	s.set("environment", env)
	if !mount {
		delete(s, "mount") // omitempty
		return s
	}
	port := fx.MountPort
	if port == 0 {
		port = 34439
	}
	m := s.obj("mount")
	m.set("local_dir", localDir).set("remote_dir", fmt.Sprintf("/tel_app_mounts/%v", env["TELEPRESENCE_CONTAINER"])).
		set("port", port)
	switch {
	case len(fx.Mounts) == 0:
		delete(m, "mounts") // omitempty (pkg/client/cli/mount/info.go)
	case !e.rel.mountPolicies():
		m.set("mounts", strList(fx.Mounts))
	default:
		policies := map[string]any{}
		for _, p := range fx.Mounts {
			pol := fx.Policies[p]
			if pol == "" {
				pol = "Remote"
			}
			policies[p] = e.rel.policy(pol)
		}
		m.set("mounts", policies)
	}
	return s
}

// mountEnabled reads --mount like telepresence: a boolean, or a mount
// point (enabled); ":ro" may follow.
func mountEnabled(v string) bool {
	b, err := strconv.ParseBool(strings.TrimSuffix(v, ":ro"))
	return v == "" || err != nil || b // err: a path, where to mount
}

// destination is where the intercepted traffic goes: --address (default
// 127.0.0.1) and the local port (default 8080).
func destination(ai fixture.ActiveIntercept) string {
	addr := ai.Address
	if addr == "" {
		addr = "127.0.0.1"
	}
	port, _, _ := strings.Cut(ai.Port, ":")
	if port == "" {
		port = "8080"
	}
	return net.JoinHostPort(addr, port)
}

func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
