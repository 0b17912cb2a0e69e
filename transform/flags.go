package transform

import (
	"fmt"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// applyFlags lets --handler and --remote override what the files say.
func applyFlags(project *types.Project, flags Flags, in *Intent, errs *Errors) {
	seen := map[string]string{}
	claim := func(flag, service string) bool {
		if prev, dup := seen[service]; dup && prev != flag {
			*errs = append(*errs, &IntentError{Source: flag, Service: service,
				Problem: "also named by " + prev, Hint: "a service has one behavior: name it in one flag only"})
			return false
		}
		seen[service] = flag
		return checkFlagService(project, flag, service, errs)
	}
	for _, value := range flags.Handlers {
		name, workload, port, ok := parseHandlerFlag(value, errs)
		if !ok || !claim("--handler", name) {
			continue
		}
		si := in.Services[name]
		if si.Behavior != InterceptHandler {
			si = ServiceIntent{}
		}
		si.Behavior, si.Source, si.Mapping, si.Block = InterceptHandler, "--handler", Mapping{}, ""
		if workload != "" {
			si.Attach.Workload = workload
		}
		if port != "" {
			si.Attach.Ports = []string{port}
		}
		in.Services[name] = si
	}
	for _, value := range flags.Remotes {
		name, mapping, ok := parseRemoteFlag(value, errs)
		if !ok || !claim("--remote", name) {
			continue
		}
		si := in.Services[name]
		if si.Behavior != Remote || !mapping.empty() {
			si = ServiceIntent{Mapping: mapping}
		}
		si.Behavior, si.Source, si.Attach = Remote, "--remote", AttachSpec{}
		in.Services[name] = si
	}
}

func checkFlagService(project *types.Project, flag, service string, errs *Errors) bool {
	if _, ok := project.Services[service]; ok {
		return true
	}
	e := &IntentError{Source: flag, Service: service, Problem: "no such service in the project"}
	if disabled, ok := project.DisabledServices[service]; ok {
		e.Problem = "the service is not enabled"
		e.Hint = "enable it with --profile " + strings.Join(disabled.Profiles, " or --profile ")
	} else {
		e.Hint = "services are: " + strings.Join(project.ServiceNames(), ", ")
	}
	*errs = append(*errs, e)
	return false
}

// parseHandlerFlag parses SERVICE[=WORKLOAD][:PORT], where PORT is what
// x-telepresence.intercept.port takes: LOCAL[:SERVICEPORT]. `=` names the
// cluster side, as in --remote.
func parseHandlerFlag(value string, errs *Errors) (service, workload, port string, ok bool) {
	left, port, hasPort := strings.Cut(value, ":")
	service, workload, hasWorkload := strings.Cut(left, "=")
	d := decoder{source: "--handler", service: service, errs: errs}
	before := len(*errs)
	switch {
	case service == "":
		d.fail(fmt.Sprintf("%q has no service name", value), "use --handler SERVICE[=WORKLOAD][:PORT]")
		return "", "", "", false
	case hasWorkload && workload == "":
		d.fail(fmt.Sprintf("%q has an empty workload name", value), "use --handler SERVICE[=WORKLOAD][:PORT]")
	case hasWorkload:
		d.dnsName(workload)
	}
	if hasPort {
		if err := checkInterceptPort(port); err != nil {
			d.fail(err.Error(), `use --handler SERVICE[=WORKLOAD][:PORT], PORT being "<local port>[:<service port name or number>]", e.g. api:8080:http`)
		}
	}
	return service, workload, port, len(*errs) == before
}

// parseRemoteFlag parses SERVICE[=NAME[.NAMESPACE]].
func parseRemoteFlag(value string, errs *Errors) (string, Mapping, bool) {
	service, target, hasTarget := strings.Cut(value, "=")
	d := decoder{source: "--remote", service: service, errs: errs}
	before := len(*errs)
	if service == "" {
		d.fail(fmt.Sprintf("%q has no service name", value), "use --remote SERVICE[=NAME[.NAMESPACE]]")
		return "", Mapping{}, false
	}
	var m Mapping
	if hasTarget {
		m.Name, m.Namespace, _ = strings.Cut(target, ".")
		if m.Name == "" {
			d.fail(fmt.Sprintf("%q has an empty cluster service name", value), "use --remote SERVICE[=NAME[.NAMESPACE]]")
		}
		d.dnsLabel(m.Name, "a Kubernetes service name")
		d.dnsLabel(m.Namespace, "a Kubernetes namespace; --remote takes SERVICE[=NAME[.NAMESPACE]]")
	}
	return service, m, len(*errs) == before
}
