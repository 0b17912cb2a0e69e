// Package labels holds every label key the plugin writes on Docker
// objects, so that `down`, `status` and the next `up` find from a new
// process, even after a crash, what a run made (docs/records-and-undo.md).
// The transform writes those of handler containers and Telemount volumes;
// the records of attachments and DNS mappings are local volumes that
// lifecycle/records writes. Every object also carries Compose's project
// label, so that `docker compose ls` and `down -v` see it as the
// project's.
package labels

// On a handler container.
const (
	// Attachment is the attachment's name, on a handler container, its
	// Telemount volumes and the record of the attachment. (The key keeps
	// the name it had when intercepts were the only attachments.)
	Attachment = "io.telepresence.compose.intercept"
	// Kind is the attachment's kind, on a handler container and the record
	// of its attachment: intercept, replace, wiretap or ingest (none:
	// intercept).
	Kind = "io.telepresence.compose.kind"
	// DaemonContainer is the name of the daemon container a handler works
	// with.
	DaemonContainer = "io.telepresence.compose.daemon"
	// DaemonNetworks are the Docker networks the daemon container joined
	// for a handler (netns model), comma-separated.
	DaemonNetworks = "io.telepresence.compose.daemon-networks"
	// PodEnv are the names (not the values) of the pod's environment
	// variables a handler got, comma-separated, so that a later `up` can
	// tell them from the compose file's.
	PodEnv = "io.telepresence.compose.pod-env"
)

// On a Telemount volume (besides Attachment).
const (
	// Telemount marks the volumes backed by the Telemount driver.
	Telemount = "io.telepresence.compose.telemount"
	// MountIndex is the index of the volume's pod volume in the
	// attachment's mount list, so that a later `up` rebuilds the list as
	// it was.
	MountIndex = "io.telepresence.compose.mount-index"
	// MountPolicy is the policy the volume was mounted with (Remote or
	// RemoteReadOnly).
	MountPolicy = "io.telepresence.compose.mount-policy"
)

// On a record volume (besides Attachment and Kind).
const (
	// Service is the compose service an attachment was made for.
	Service = "io.telepresence.compose.service"
	// Request is what the attachment was made with, as JSON.
	Request = "io.telepresence.compose.request"
	// DNSMappings is the record of a project's remote services and the DNS
	// mappings it set on a daemon, as JSON.
	DNSMappings = "io.telepresence.compose.dns-mappings"
)
