// Package vocab is Telepresence's vocabulary as the plugin uses it: the
// kinds of attachment, the network models, the pod's mounts and their
// policies, HTTP filters, DNS mappings, and the releases with what each
// added to the CLI. It does no I/O, so that the pure project transform can
// speak it without the CLI client (Telepresence keeps its own in
// pkg/types). The client that drives the CLI is the parent package.
package vocab
