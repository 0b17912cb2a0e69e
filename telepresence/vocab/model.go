package vocab

// Model is how handlers reach the cluster through a containerized daemon
// (docs/network-models.md).
type Model string

const (
	// ModelNetns (2.20–2.22): handlers share the daemon container's network
	// namespace; the daemon sits on the network "telepresence".
	ModelNetns Model = "netns"
	// ModelTeleroute (2.23 and newer): the daemon sits on the default bridge
	// and on an internal network whose driver is the Teleroute plugin;
	// handlers join that network and keep their own namespace.
	ModelTeleroute Model = "teleroute"
	// ModelTelerouteNoNetwork: a 2.23+ daemon that routes no cluster subnet
	// made no Teleroute network, so nothing can join it.
	ModelTelerouteNoNetwork Model = "teleroute-no-network"
)
