// Package benchproject generates the compose projects that the benchmarks
// run on (see BENCHMARKS.md). The Go benchmarks of transform/ and the
// command-line timings of scripts/bench.sh use the same generator, so their
// figures describe the same kind of project.
//
// A project is two files, as users write them: compose.yaml, which plain
// Docker Compose runs as it is, and compose.telepresence.yaml, an override
// that only declares the x-telepresence intent.
package benchproject

import (
	"bytes"
	"fmt"
)

// Files are the generated compose files.
type Files struct {
	// Compose is compose.yaml.
	Compose []byte
	// Intent is compose.telepresence.yaml, merged after Compose.
	Intent []byte
	// Plain is what `docker compose` runs for the same containers as
	// `docker telepresence` (only set by Up): Compose without the remote
	// service and the depends_on entry on it.
	Plain []byte
}

// Service names and roles of Large, by position in a block of 20 services:
// 0 and 10 are intercept handlers (10%), 1, 2, 11 and 12 are remote (20%),
// the rest run locally (70%). Remote services form a depends_on chain
// 1 -> 2 -> 11 -> 12 -> local 16 inside their block, so rewiring has to walk
// it transitively; locals depend on the chain's head, its middle, or on the
// previous local.
const blockSize = 20

func name(i int) string { return fmt.Sprintf("svc%05d", i) }

type role int

const (
	local role = iota
	handler
	remote
)

func roleOf(i int) role {
	switch i % 10 {
	case 0:
		return handler
	case 1, 2:
		return remote
	}
	return local
}

// nextInChain is the service that remote i depends on.
func nextInChain(i int) int {
	switch i % blockSize {
	case 1:
		return i + 1
	case 2:
		return i + 9
	case 11:
		return i + 1
	}
	return i + 4 // 12 -> the local at 16, which depends on nothing
}

// Large returns a project of n services with the realistic mix above, plus
// custom networks (front, back, data), a named volume per block, bind
// mounts, published ports, healthchecks, links and environment. Every
// service is valid for both Compose and the transform.
func Large(n int) Files {
	var c, in bytes.Buffer
	c.WriteString("name: tpbench-large\nservices:\n")
	in.WriteString("x-telepresence:\n  context: bench\n  namespace: default\n  mappedNamespaces: [default, data]\nservices:\n")
	for i := 0; i < n; i++ {
		svc := name(i)
		pos, block := i%blockSize, i/blockSize
		fmt.Fprintf(&c, "  %s:\n    image: registry.example.com/team/%s:1.%d.0\n", svc, svc, block)
		fmt.Fprintf(&c, "    environment:\n      SERVICE: %s\n      LOG_LEVEL: info\n      BLOCK: \"%d\"\n", svc, block)
		fmt.Fprintf(&c, "    labels:\n      com.example.team: team%d\n", block%7)
		switch roleOf(i) {
		case handler:
			port := 20000 + i
			fmt.Fprintf(&c, "    ports: [\"%d:8080\"]\n    expose: [\"9090\"]\n", port)
			fmt.Fprintf(&c, "    networks:\n      default: {}\n      front:\n        aliases: [api-%d]\n", i)
			if block%5 == 0 {
				// Dropped with a warning: refused next to a container network mode.
				fmt.Fprintf(&c, "    hostname: %s\n    extra_hosts: [\"legacy.example.com:10.0.0.1\"]\n", svc)
			}
			fmt.Fprintf(&in, "  %s:\n    x-telepresence:\n      behavior: interceptHandler\n      intercept:\n        workload: wl-%s\n        port: \"%d:http\"\n", svc, svc, port)
			if block%2 == 1 {
				in.WriteString("        mount: false\n        httpHeaders: [\"x-dev=bench\"]\n")
			}
		case remote:
			if next := nextInChain(i); next < n {
				fmt.Fprintf(&c, "    depends_on:\n      %s:\n        condition: service_started\n", name(next))
			}
			c.WriteString("    networks: [default, data]\n")
			fmt.Fprintf(&in, "  %s:\n    x-telepresence:\n      behavior: remote\n", svc)
			if pos == 1 {
				fmt.Fprintf(&in, "      mapping:\n        name: %s-k8s\n        namespace: data\n", svc)
			}
		default:
			writeLocal(&c, i)
		}
	}
	c.WriteString("networks:\n  front: {}\n  back: {}\n  data: {}\nvolumes:\n")
	for b := 0; b*blockSize < n; b++ {
		fmt.Fprintf(&c, "  data-%d: {}\n", b)
	}
	return Files{Compose: c.Bytes(), Intent: in.Bytes()}
}

// writeLocal writes the keys of local service i that vary with its position.
func writeLocal(c *bytes.Buffer, i int) {
	head := i - i%blockSize + 1 // the remote chain's head in this block
	switch i % 10 {
	case 3:
		fmt.Fprintf(c, "    depends_on:\n      %s:\n        condition: service_started\n", name(head))
		c.WriteString("    networks: [default, front]\n")
	case 4:
		fmt.Fprintf(c, "    depends_on:\n      %s:\n        condition: service_started\n        restart: true\n      %s:\n        condition: service_started\n",
			name(head+1), name(i-1))
		c.WriteString("    networks: [default, back]\n")
	case 5:
		fmt.Fprintf(c, "    depends_on: [%s]\n    volumes:\n      - data-%d:/data\n", name(i-1), i/blockSize)
		c.WriteString("    networks: [default, data]\n")
	case 6:
		fmt.Fprintf(c, "    volumes:\n      - ./config/%s:/etc/app:ro\n", name(i))
	case 7:
		fmt.Fprintf(c, "    ports: [\"%d:80\"]\n    networks: [default, front]\n", 40000+i%20000)
	case 8:
		fmt.Fprintf(c, "    networks:\n      back:\n        aliases: [cache-%d]\n      data: {}\n", i)
	case 9:
		c.WriteString("    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 10s\n")
		fmt.Fprintf(c, "    links: [\"%s:legacy-db\"]\n", name(head))
	}
}

// Up returns the 20-service project that `up -d` is timed on: busybox
// containers that sleep (with init, so they stop at once), bench00 an
// intercept handler with a published port, bench01 remote, the rest local.
// Service names are prefixed so that they do not shadow anything another
// project resolves on a shared network.
//
// Plain is the same project for plain Docker Compose, on the same networks
// the transform gives it, so that both sides run the same 19 containers on
// the same networks: without bench01 (it does not run under Telepresence
// either), and with the daemon's network as the transform uses it. network
// says which model: "telepresence" is the netns model, where that network
// replaces the default one; any other name is the Teleroute network, which
// the handler and bench02 (it depended on the remote bench01) join. hostPort
// is published for the handler under Telepresence (by the daemon in the
// netns model, by the handler in the Teleroute model); plainPort by the
// handler under plain Compose.
func Up(n int, image string, hostPort, plainPort int, network string) Files {
	netns := network == "telepresence"
	var c, p, in bytes.Buffer
	for _, b := range []*bytes.Buffer{&c, &p} {
		b.WriteString("services:\n")
	}
	for i := 0; i < n; i++ {
		svc := fmt.Sprintf("tpbench%02d", i)
		if i == 1 {
			fmt.Fprintf(&c, "  %s:\n    image: %s\n    command: [sleep, \"3600\"]\n    init: true\n", svc, image)
			continue
		}
		for _, b := range []*bytes.Buffer{&c, &p} {
			plain := b == &p
			fmt.Fprintf(b, "  %s:\n    image: %s\n    command: [sleep, \"3600\"]\n    init: true\n", svc, image)
			switch {
			case i == 0:
				port, networks := hostPort, "[default, back]"
				if plain {
					port = plainPort
					if !netns {
						networks = "[default, back, daemon]"
					}
				}
				fmt.Fprintf(b, "    ports: [\"127.0.0.1:%d:8080\"]\n    networks: %s\n", port, networks)
			case i == 2 && plain && !netns:
				b.WriteString("    networks: [default, daemon]\n")
			case i%4 == 0:
				b.WriteString("    networks: [default, back]\n    depends_on: [tpbench00]\n")
			}
		}
		if i == 2 {
			c.WriteString("    depends_on: [tpbench01]\n")
		}
	}
	c.WriteString("networks:\n  back: {}\n")
	if netns {
		p.WriteString("networks:\n  back: {}\n  default:\n    name: telepresence\n    external: true\n")
	} else {
		fmt.Fprintf(&p, "networks:\n  back: {}\n  daemon:\n    name: %s\n    external: true\n", network)
	}
	in.WriteString("services:\n" +
		"  tpbench00:\n    x-telepresence:\n      behavior: interceptHandler\n" +
		"      intercept: {workload: tpbench-echo, port: \"8080\", mount: false}\n" +
		"  tpbench01:\n    x-telepresence:\n      behavior: remote\n      mapping: {name: tpbench-db}\n")
	return Files{Compose: c.Bytes(), Intent: in.Bytes(), Plain: p.Bytes()}
}
