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

func intercept(e *env, f *flags) (any, error) { return attach(e, f, fixture.KindIntercept) }
func replace(e *env, f *flags) (any, error)   { return attach(e, f, fixture.KindReplace) }
func wiretap(e *env, f *flags) (any, error)   { return attach(e, f, fixture.KindWiretap) }

// attach makes an intercept, replace or wiretap, as the fixture's cluster
// allows, and prints it like `<command> --detailed-output` (the Info of
// pkg/client/cli/intercept/info.go); without --detailed-output the CLI
// prints text instead, which the JSON modes wrap
// (pkg/client/cli/intercept/state.go).
func attach(e *env, f *flags, kind string) (any, error) {
	if len(f.args) != 1 {
		return nil, fmt.Errorf("accepts 1 arg(s), received %d", len(f.args))
	}
	name, ai, err := e.attachRequest(f, kind)
	if err != nil {
		return nil, err
	}
	s, unlock, err := openState(e)
	if err != nil {
		return nil, err
	}
	held := true
	defer func() {
		if held {
			unlock()
		}
	}()
	c, err := selectOne(s, f.last("use"))
	if err != nil {
		return nil, err
	}
	fx := e.fx.Intercepts[name]
	if fx.Fail != "" {
		return nil, errors.New(fx.Fail)
	}
	t, err := resolve(e.fx, ai)
	if err != nil {
		return nil, err
	}
	if _, ok := c.Intercepts[name]; ok {
		return nil, fmt.Errorf("Intercept with name %q already exists", name) //nolint:staticcheck // Telepresence's words (samples/errors.txt)
	}
	if fx.DelayMS > 0 {
		// The lock is not held while the attachment is being made.
		unlock()
		held = false
		if err := createDelayed(c.Name, name, ai, fx.DelayMS); err != nil {
			return nil, err
		}
	} else {
		c.Intercepts[name] = ai
		if err := saveState(e.dir, s); err != nil {
			return nil, err
		}
	}
	e.printf("Using %s %s\n   Intercept name    : %s\n   State             : ACTIVE\n   Destination       : %s\n",
		t.w.KindName(), ai.Workload, name, destination(ai, t))
	if !f.bools["detailed-output"] {
		return nil, nil
	}
	return e.attachInfo(name, ai, t), nil
}

// resolve finds what an attachment takes in the cluster.
func resolve(fx fixture.Fixture, ai fixture.ActiveIntercept) (target, error) {
	if ai.KindOf() == fixture.KindReplace {
		return resolveReplace(fx, ai)
	}
	return resolveIntercept(fx, ai)
}

// attachRequest reads the command line of intercept, replace or wiretap
// and checks it as the emulated release's CLI does. A replace is named
// after its workload, WORKLOAD/CONTAINER with --container
// (pkg/client/cli/intercept/command.go).
func (e *env) attachRequest(f *flags, kind string) (string, fixture.ActiveIntercept, error) {
	name := f.args[0]
	fl, err := filterFlags(f)
	if err != nil {
		return "", fixture.ActiveIntercept{}, err
	}
	ai := fixture.ActiveIntercept{
		ID: uuid() + ":" + name, Kind: kind, Workload: f.last("workload"), Container: f.last("container"),
		Port: f.last("port"), Address: f.last("address"), Service: f.last("service"),
		Headers: fl.headers, PathEqual: fl.equal, PathPrefix: fl.prefix, PathRegex: fl.regex,
		Metadata: fl.metadata, ToPod: splitList(f.values["to-pod"]), Mount: f.last("mount"),
	}
	if ai.Workload == "" {
		ai.Workload = name
	}
	if kind == fixture.KindReplace {
		ai.Port, ai.Ports = "", splitList(f.values["port"])
		if ai.Container != "" {
			name += "/" + ai.Container
			ai.ID = strings.Replace(ai.ID, ":"+f.args[0], ":"+name, 1)
		}
	}
	if f.bools["replace"] {
		return "", ai, errors.New("the stand-in does not emulate intercept --replace (deprecated in 2.22): use the replace command")
	}
	if f.has("namespace") {
		if kind == fixture.KindIntercept && !e.rel.attachNamespace() {
			// Before 2.28 the flag is hidden and only says so
			// (pkg/client/cli/intercept/command.go at v2.20.2, flags.DeprecationIfChanged).
			e.printf("Flag --namespace has been deprecated, use telepresence connect to set the namespace\n")
		} else {
			ai.Namespace = f.last("namespace")
		}
	}
	return name, ai, validate(e.rel, ai)
}

// validate checks the flags as the CLI of the emulated release does.
func validate(r release, ai fixture.ActiveIntercept) error {
	ports := ai.Ports
	if ai.Port != "" {
		ports = []string{ai.Port}
	}
	for _, p := range ports {
		local, id, hasID := strings.Cut(p, ":")
		if n, err := strconv.Atoi(local); p != "all" && (err != nil || n <= 0 || n > 65535 || hasID && id == "") {
			return fmt.Errorf("port numbers must be a valid, positive int, you gave: %q", p)
		}
	}
	// Before 2.23, --address had to be an IP (pkg/client/cli/intercept/state.go).
	if ai.Address != "" && !r.addressName() && net.ParseIP(ai.Address) == nil {
		return fmt.Errorf("--address %s is not a valid IP address", ai.Address)
	}
	return nil
}

// mountEnabled reads --mount like telepresence: a boolean, or a mount
// point (enabled); ":ro" may follow.
func mountEnabled(v string) bool {
	b, err := strconv.ParseBool(strings.TrimSuffix(v, ":ro"))
	return v == "" || err != nil || b // err: a path, where to mount
}

// address is where an attachment's traffic goes: --address, default
// 127.0.0.1.
func address(ai fixture.ActiveIntercept) string {
	if ai.Address == "" {
		return "127.0.0.1"
	}
	return ai.Address
}

// destination is the address and first local port, as the CLI prints it.
func destination(ai fixture.ActiveIntercept, t target) string {
	port := 8080
	if len(t.ports) > 0 {
		port = t.ports[0].local
	}
	return net.JoinHostPort(address(ai), strconv.Itoa(port))
}

func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
