// Package lifecycle holds the steps of each command that runs a compose
// project with Telepresence, and undoes what a step did when a later one
// fails (docs/records-and-undo.md).
//
// An `up` (up.go) is a sequence of steps, each of which pushes its own
// undo on the run's journal (journal.go) once it has done something:
// connect each connection's daemon (connect.go, session.go), settle the
// recorded attachments and make the missing ones (attach.go, make.go),
// install the volume plugin (telemount.go), set the DNS mappings
// (dns.go), transform the project (runtime.go) and run it with Compose
// (run.go, handlers.go). Ending attachments is end.go's; which daemon
// holds one is holder.go's. `stop`, `down`, `status` and `config` have a
// file each.
//
// Around it: the Docker adapter is lifecycle/engine, what is recorded on
// Docker is lifecycle/records, and the locks are internal/lock.
package lifecycle
