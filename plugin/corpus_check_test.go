package plugin

import (
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/telepresenceio/docker-telepresence/internal/labels"
	"github.com/telepresenceio/docker-telepresence/telepresence/vocab"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// checkRules checks the rewrite rules of docs/network-models.md on a
// transformed corpus project.
func checkRules(t *testing.T, orig, out *types.Project, model vocab.Model, handler, remote string) {
	t.Helper()
	checkRemote(t, out, model, remote)
	checkPodEnvironment(t, out.Services[handler], model)
	if model == vocab.ModelNetns {
		checkNetns(t, out, handler)
		return
	}
	checkTeleroute(t, orig, out, handler, remote)
}

// checkRemote: the remote service does not run, and nothing depends on it.
func checkRemote(t *testing.T, out *types.Project, model vocab.Model, remote string) {
	t.Helper()
	if remote == "" {
		return
	}
	if _, ok := out.Services[remote]; ok {
		t.Errorf("%s: the remote service %s runs", model, remote)
	}
	for name, svc := range out.Services {
		if _, ok := svc.DependsOn[remote]; ok {
			t.Errorf("%s: %s still depends on the remote %s", model, name, remote)
		}
	}
}

// checkPodEnvironment: the handler has the pod's environment and its
// Remote volume, not the Local one.
func checkPodEnvironment(t *testing.T, h types.ServiceConfig, model vocab.Model) {
	t.Helper()
	if v := h.Environment["POD_ONLY"]; v == nil || *v != "from the pod" {
		t.Errorf("%s: the handler lacks the pod's environment: %v", model, v)
	}
	var pod, local bool
	for _, v := range h.Volumes {
		pod = pod || v.Target == "/var/run/secrets/pod" && v.Source == "app-0"
		local = local || v.Target == "/cache" && v.Source == "app-1"
	}
	if !pod || local {
		t.Errorf("%s: handler volumes %v: want the Remote pod volume, not the Local one", model, h.Volumes)
	}
}

// checkNetns: the handler shares the daemon's namespace and keeps no
// network settings of its own; the default network is the daemon's.
func checkNetns(t *testing.T, out *types.Project, handler string) {
	t.Helper()
	h := out.Services[handler]
	if h.NetworkMode != "container:c0ffee" || len(h.Networks)+len(h.Ports)+len(h.Expose)+len(h.DNS) > 0 || h.Hostname != "" || len(h.ExtraHosts) > 0 {
		t.Errorf("netns: handler network_mode %q, networks %v, ports %v, dns %v", h.NetworkMode, h.Networks, h.Ports, h.DNS)
	}
	if n, ok := out.Networks["default"]; ok && (n.Name != transform.DefaultNetwork || !bool(n.External)) {
		t.Errorf("netns: default network %+v", n)
	}
}

// checkTeleroute: the handler keeps its own network settings and joins
// the Teleroute network with the daemon's DNS; the project's networks
// stay clear of the cluster; dependents of the remote service join too.
func checkTeleroute(t *testing.T, orig, out *types.Project, handler, remote string) {
	t.Helper()
	h := out.Services[handler]
	tr := h.Networks[transform.TelerouteNetwork]
	if h.NetworkMode != "" || tr == nil || !slices.Equal(tr.Aliases, []string{transform.InterceptAddress(orig.Name, handler)}) ||
		len(h.DNS) == 0 || h.DNS[0] != "172.30.0.9" || !slices.Contains(h.DNSSearch, transform.SearchDomain) {
		t.Errorf("teleroute: handler network_mode %q, networks %v, dns %v, dns_search %v", h.NetworkMode, h.Networks, h.DNS, h.DNSSearch)
	}
	if !reflect.DeepEqual(h.Ports, orig.Services[handler].Ports) {
		t.Errorf("teleroute: the handler's ports changed: %v", h.Ports)
	}
	if n := out.Networks[transform.TelerouteNetwork]; n.Name != "corpus-cn" || !bool(n.External) {
		t.Errorf("teleroute: the Teleroute network is %+v", n)
	}
	routed := netip.MustParsePrefix("10.96.0.0/12")
	for key, n := range out.Networks {
		if bool(n.External) || n.Driver != "" && n.Driver != "bridge" || len(orig.Networks[key].Ipam.Config) > 0 {
			continue
		}
		if len(n.Ipam.Config) != 1 || !netip.MustParsePrefix(n.Ipam.Config[0].Subnet).IsValid() || routed.Overlaps(netip.MustParsePrefix(n.Ipam.Config[0].Subnet)) {
			t.Errorf("teleroute: network %s has no subnet clear of the cluster: %+v", key, n.Ipam)
		}
	}
	for _, name := range transform.ClusterServices(orig, mustIntentOf(t, orig, handler, remote)) {
		if _, ok := out.Services[name].Networks[transform.TelerouteNetwork]; !ok {
			t.Errorf("teleroute: %s depended on the remote service but is not on the Teleroute network", name)
		}
	}
}

func mustIntentOf(t *testing.T, p *types.Project, handler, remote string) *transform.Intent {
	t.Helper()
	flags := transform.Flags{Handlers: []string{handler + "=corpus-workload:8080"}}
	if remote != "" {
		flags.Remotes = []string{remote}
	}
	in, err := transform.ParseIntent(p, flags)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// Keys the transform may change, by role.
var (
	handlerKeys = []string{"environment", "volumes", "network_mode", "networks", "ports", "expose", "dns", "dns_search",
		"hostname", "extra_hosts", "links", "external_links", "mac_address", "depends_on"}
	localKeys = []string{"depends_on", "links", "networks", "network_mode", "dns", "dns_search"}
)

// checkNothingElse compares the printed projects: outside what the rules
// change, the transformed project is the plain one.
func checkNothingElse(t *testing.T, orig *types.Project, res *transform.Result, handler, remote string) {
	t.Helper()
	o, n := asMap(t, orig), asMap(t, res.Project)
	oServices, nServices := o["services"].(map[string]any), n["services"].(map[string]any)
	for name, nsvc := range nServices {
		osvc, ok := oServices[name].(map[string]any)
		if !ok {
			t.Errorf("service %s is new", name)
			continue
		}
		keys := localKeys
		if name == handler {
			keys = handlerKeys
		}
		if a, b := without(osvc, keys...), without(nsvc.(map[string]any), keys...); !reflect.DeepEqual(a, b) {
			t.Errorf("service %s differs beyond the rules:\nplain: %v\nnow:   %v", name, a, b)
		}
	}
	if len(nServices) != len(oServices)-len(slices.DeleteFunc([]string{remote}, func(s string) bool { return s == "" })) {
		t.Errorf("services %d, plain %d", len(nServices), len(oServices))
	}
	for key := range mergedKeys(o, n) {
		switch key {
		case "services":
		case "volumes":
			compareResources(t, key, o, n, remote, orig, telemountKeys(res.Project)...)
		case "networks":
			compareResources(t, key, o, n, remote, orig, "default", transform.TelerouteNetwork, transform.HandlersNetwork)
		case "secrets", "configs":
			compareResources(t, key, o, n, remote, orig)
		default:
			if !reflect.DeepEqual(o[key], n[key]) {
				t.Errorf("top-level %s differs: %v, now %v", key, o[key], n[key])
			}
		}
	}
}

// compareResources: every resource kept is the plain one (networks may
// gain a subnet), and every one dropped was the remote service's alone.
func compareResources(t *testing.T, kind string, o, n map[string]any, remote string, orig *types.Project, added ...string) {
	t.Helper()
	om, _ := o[kind].(map[string]any)
	nm, _ := n[kind].(map[string]any)
	for key, nv := range nm {
		if slices.Contains(added, key) {
			continue
		}
		ov, nvm := om[key], nv
		if kind == "networks" && ov != nil {
			if m, ok := ov.(map[string]any); ok && m["ipam"] == nil {
				nvm = without(nv.(map[string]any), "ipam")
			}
		}
		if !reflect.DeepEqual(ov, nvm) {
			t.Errorf("%s %s differs: %v, now %v", kind, key, ov, nv)
		}
	}
	for key := range om {
		if _, kept := nm[key]; !kept && (kind != "networks" || key != "default") && !onlyRemoteUses(orig, kind, key, remote) {
			t.Errorf("%s %s was dropped though not only the remote service used it", kind, key)
		}
	}
}

func onlyRemoteUses(p *types.Project, kind, key, remote string) bool {
	used := func(svc types.ServiceConfig) bool {
		switch kind {
		case "volumes":
			return slices.ContainsFunc(svc.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Source == key })
		case "networks":
			_, ok := svc.Networks[key]
			return ok
		case "secrets":
			return slices.ContainsFunc(svc.Secrets, func(s types.ServiceSecretConfig) bool { return s.Source == key })
		default:
			return slices.ContainsFunc(svc.Configs, func(c types.ServiceConfigObjConfig) bool { return c.Source == key })
		}
	}
	if remote == "" || !used(p.Services[remote]) {
		return false
	}
	for name, svc := range p.Services {
		if name != remote && used(svc) {
			return false
		}
	}
	return true
}

func without(m map[string]any, keys ...string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if !slices.Contains(keys, k) {
			out[k] = v
		}
	}
	return out
}

func mergedKeys(a, b map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// telemountKeys are the compose keys of the project's Telemount volumes.
func telemountKeys(p *types.Project) []string {
	var keys []string
	for key, v := range p.Volumes {
		if v.Labels[labels.Telemount] == "true" {
			keys = append(keys, key)
		}
	}
	return keys
}
