package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/compose/v5/pkg/api"

	"github.com/telepresenceio/docker-telepresence/telepresence"
	"github.com/telepresenceio/docker-telepresence/transform"
)

// What the Docker side records of a project, so that `down`, `status` and
// the next `up` find everything from a new process, even after a crash
// (docs/records-and-undo.md):
//   - a handler container carries transform.LabelIntercept,
//     LabelDaemonContainer, LabelPodEnv and, in the netns model,
//     LabelDaemonNetworks;
//   - a Telemount volume carries transform.LabelTelemount, LabelIntercept
//     and LabelMountIndex;
//   - each intercept has a record: a local volume created before the
//     intercept, labelled with the intercept, its service and the request
//     it was created with;
//   - the DNS mappings the project set have a record volume too.
//
// Records carry the compose project label, so `docker compose ls` and
// `down -v` see them as the project's.
const (
	labelService = "io.telepresence.compose.service"
	labelRequest = "io.telepresence.compose.request"
	labelDNS     = "io.telepresence.compose.dns-mappings"
)

func recordVolume(project, intercept string) string {
	return project + "_telepresence-intercept-" + intercept
}

func dnsVolume(project string) string { return project + "_telepresence-dns" }

// interceptRecord is the record of one intercept.
type interceptRecord struct {
	intercept string
	service   string
	// request is what the intercept was created with; unread is true when
	// the record holds none that this release reads (an older plugin
	// wrote it), which no request is the same as.
	request request
	unread  bool
}

// request is what an intercept is created with. Two requests that differ
// need two different intercepts.
type request struct {
	// Connection is the name of the daemon's connection (its container is
	// tp-<Connection>). The JSON key is the one earlier releases wrote.
	Connection string   `json:"daemon"`
	Workload   string   `json:"workload"`
	Port       string   `json:"port"`
	Address    string   `json:"address,omitempty"`
	Service    string   `json:"service,omitempty"`
	Headers    []string `json:"httpHeaders,omitempty"`
	Mount      bool     `json:"mount"`
}

func (q request) String() string {
	b, _ := json.Marshal(q)
	return string(b)
}

// readRequest reads the request label of a record.
func readRequest(label string) (request, bool) {
	var q request
	if json.Unmarshal([]byte(label), &q) != nil || q.Workload == "" {
		return request{}, false
	}
	return q, true
}

// same tells whether the intercept of a record serves q.
func (q request) same(rec interceptRecord) bool {
	return !rec.unread && reflect.DeepEqual(normal(rec.request), normal(q))
}

// normal is q with no headers as nil, so that JSON's [] and nil compare equal.
func normal(q request) request {
	if len(q.Headers) == 0 {
		q.Headers = nil
	}
	return q
}

// changes says how q differs from what the intercept of a record was
// created with.
func (q request) changes(rec interceptRecord) string {
	if rec.unread {
		return "it was created by an older docker telepresence"
	}
	old := rec.request
	var diffs []string
	add := func(what, was, is string) {
		if was != is {
			diffs = append(diffs, fmt.Sprintf("%s %q, now %q", what, was, is))
		}
	}
	add("connection", old.Connection, q.Connection)
	add("workload", old.Workload, q.Workload)
	add("port", old.Port, q.Port)
	add("address", old.Address, q.Address)
	add("service", old.Service, q.Service)
	add("httpHeaders", strings.Join(old.Headers, ","), strings.Join(q.Headers, ","))
	add("mount", strconv.FormatBool(old.Mount), strconv.FormatBool(q.Mount))
	return "it was created with " + strings.Join(diffs, ", ")
}

// dnsRecord is the record of a project's remote services and of the DNS
// mappings it set on a daemon for them.
type dnsRecord struct {
	// Connection names the daemon (JSON key as earlier releases wrote it).
	Connection string                    `json:"daemon"`
	Mappings   []telepresence.DNSMapping `json:"mappings"`
	Remote     []string                  `json:"remote,omitempty"`
}

// projectState is what belongs to a project on the Docker side.
type projectState struct {
	project    string
	containers []Container
	networks   []Network
	volumes    []Volume
	records    []interceptRecord
	dns        *dnsRecord
}

// find reads the project's state from the Docker side.
func (r *Runner) find(ctx context.Context, project string) (projectState, error) {
	s := projectState{project: project}
	var err error
	if s.containers, err = r.Engine.ProjectContainers(ctx, project); err != nil {
		return s, r.engineError(err)
	}
	if s.networks, err = r.Engine.ProjectNetworks(ctx, project); err != nil {
		return s, r.engineError(err)
	}
	if s.volumes, err = r.Engine.ProjectVolumes(ctx, project); err != nil {
		return s, r.engineError(err)
	}
	for _, v := range s.volumes {
		if _, tm := v.Labels[transform.LabelTelemount]; tm {
			continue
		}
		if name, ok := v.Labels[transform.LabelIntercept]; ok {
			q, read := readRequest(v.Labels[labelRequest])
			s.records = append(s.records, interceptRecord{intercept: name, service: v.Labels[labelService], request: q, unread: !read})
		}
		if raw, ok := v.Labels[labelDNS]; ok {
			var d dnsRecord
			if json.Unmarshal([]byte(raw), &d) == nil {
				s.dns = &d
			}
		}
	}
	return s, nil
}

// isRecord tells the volumes that record intercepts and DNS mappings.
func isRecord(v Volume) bool {
	_, tm := v.Labels[transform.LabelTelemount]
	_, ic := v.Labels[transform.LabelIntercept]
	_, dns := v.Labels[labelDNS]
	return !tm && (ic || dns)
}

// hasResources tells whether Compose has anything of the project to remove.
func (s projectState) hasResources() bool {
	return len(s.containers)+len(s.networks) > 0 || slices.ContainsFunc(s.volumes, func(v Volume) bool { return !isRecord(v) })
}

func (s projectState) empty() bool {
	return !s.hasResources() && len(s.intercepts()) == 0 && s.dns == nil
}

// intercepts are the names of the project's intercepts, from the records,
// the handler containers and the Telemount volumes.
func (s projectState) intercepts() []string {
	var names []string
	for _, rec := range s.records {
		names = append(names, rec.intercept)
	}
	for _, c := range s.containers {
		if name := c.Labels[transform.LabelIntercept]; name != "" {
			names = append(names, name)
		}
	}
	for _, v := range s.volumes {
		if name := v.Labels[transform.LabelIntercept]; name != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// daemonContainers are the daemon containers the project's handlers
// worked with.
func (s projectState) daemonContainers() []string {
	var names []string
	for _, c := range s.containers {
		if d := c.Labels[transform.LabelDaemonContainer]; d != "" && !slices.Contains(names, d) {
			names = append(names, d)
		}
	}
	return names
}

// daemonNetworks are the networks a daemon container joined for the
// project's handlers (netns model): the project's networks it is attached
// to, and the external ones its handlers' labels name.
func (s projectState) daemonNetworks(container string) []string {
	var names []string
	for _, n := range s.networks {
		if slices.Contains(n.Containers, container) {
			names = append(names, n.Name)
		}
	}
	for _, c := range s.containers {
		if c.Labels[transform.LabelDaemonContainer] == container {
			names = append(names, daemonNetworksOf(c)...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// daemonNetworksOf are the networks a handler's label says the daemon
// joined for it.
func daemonNetworksOf(c Container) []string {
	if l := c.Labels[transform.LabelDaemonNetworks]; l != "" {
		return strings.Split(l, ",")
	}
	return nil
}

// writeRecord records an intercept before it is created.
func (r *Runner) writeRecord(ctx context.Context, project string, rec interceptRecord) error {
	err := r.Engine.CreateVolume(ctx, recordVolume(project, rec.intercept), map[string]string{
		api.ProjectLabel: project, transform.LabelIntercept: rec.intercept,
		labelService: rec.service, labelRequest: rec.request.String(),
	})
	if err != nil {
		return r.engineError(err)
	}
	return nil
}

func (r *Runner) removeRecord(ctx context.Context, project, intercept string) error {
	if err := r.Engine.RemoveVolume(ctx, recordVolume(project, intercept)); err != nil {
		return r.engineError(err)
	}
	return nil
}

// writeDNSRecord replaces the record of the project's DNS mappings, was,
// with another, now; either may be nil.
func (r *Runner) writeDNSRecord(ctx context.Context, project string, was, now *dnsRecord) error {
	if was != nil {
		if err := r.Engine.RemoveVolume(ctx, dnsVolume(project)); err != nil {
			return r.engineError(err)
		}
	}
	if now == nil {
		return nil
	}
	b, err := json.Marshal(now)
	if err != nil {
		return err
	}
	if err := r.Engine.CreateVolume(ctx, dnsVolume(project), map[string]string{api.ProjectLabel: project, labelDNS: string(b)}); err != nil {
		return r.engineError(err)
	}
	return nil
}

// liveIntercept reads what a previous `up` of the project gave a handler:
// the running container labelled with the intercept, its environment
// beyond its image's, and the project's Telemount volumes for it (their
// numbers kept, so the volumes keep their names).
func (r *Runner) liveIntercept(ctx context.Context, s projectState, service, name string) (telepresence.Intercept, bool, error) {
	ic := telepresence.Intercept{Name: name}
	i := slices.IndexFunc(s.containers, func(c Container) bool {
		return c.Service == service && c.Labels[transform.LabelIntercept] == name && c.Running
	})
	if i < 0 {
		return ic, false, nil
	}
	env, err := r.Engine.ContainerEnv(ctx, s.containers[i].Name)
	if err != nil {
		return ic, false, r.engineError(err)
	}
	// The pod's variables, not those the compose file gave the container
	// (the label names them; a handler made before it existed has all).
	if names, ok := s.containers[i].Labels[transform.LabelPodEnv]; ok {
		keep := strings.Split(names, ",")
		maps.DeleteFunc(env, func(k, _ string) bool { return !slices.Contains(keep, k) })
	}
	ic.Environment = env
	ic.Mounts, ic.MountPort = liveMounts(s.volumes, name)
	return ic, true, nil
}

// liveMounts rebuilds the mount list of an intercept from its Telemount
// volumes, each at the index its label gives (so the volumes keep their
// names); the pod volumes that were not mounted are Ignore.
func liveMounts(volumes []Volume, intercept string) ([]telepresence.Mount, int) {
	var mounts []telepresence.Mount
	port := 0
	for _, v := range volumes {
		if _, tm := v.Labels[transform.LabelTelemount]; !tm || v.Labels[transform.LabelIntercept] != intercept {
			continue
		}
		n, err := strconv.Atoi(v.Labels[transform.LabelMountIndex])
		if err != nil || n < 0 || n > maxMounts {
			n = len(mounts) // an older plugin made it: the next place
		}
		for len(mounts) <= n {
			mounts = append(mounts, telepresence.Mount{Policy: telepresence.PolicyIgnore})
		}
		mounts[n] = telepresence.Mount{Path: v.Options["dir"], Policy: telepresence.PolicyRemote}
		if v.Options["ro"] == "true" {
			mounts[n].Policy = telepresence.PolicyRemoteReadOnly
		}
		port, _ = strconv.Atoi(v.Options["port"])
	}
	return mounts, port
}

// maxMounts bounds the index a label may give, so that a bad label cannot
// make a huge list.
const maxMounts = 1000
