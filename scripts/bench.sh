#!/usr/bin/env bash
# Benchmarks of docker-telepresence, side by side with Docker Compose (see
# BENCHMARKS.md for what each figure means and the targets):
#
#   1. transform scaling   Go benchmarks of ParseIntent + NewPlan + Apply
#   2. start-up            plugin metadata and `--help`, ours vs compose
#   3. config              `config` on a 200-service project, ours vs compose
#   4. up -d               a 20-service project on the engine, ours vs compose,
#                          in each network model (scripts/bench-up.sh)
#   5. memory              peak RSS of `config` on 1,000 services
#   6. attach              `up -d` with four attachments the stand-in makes in
#                          2 s each, ours vs compose (scripts/bench-attach.sh)
#   7. ps                  `ps` of a running 20-service project, ours vs compose
#                          (scripts/bench-ps.sh)
#   8. build               `up -d --build` with a 4 s build and a 4 s attachment,
#                          ours vs compose (scripts/bench-build.sh)
#   9. pull                `up -d` with slow attachments and images from a
#                          slowed registry, ours vs compose (same file)
#  10. reup                `up -d` again on a project that is up, ours vs
#                          compose's no-op (same file)
#
# Everything is built here, from this repository and the Go module cache: the
# plugin, the Docker Compose plugin at the version go.mod pins, the stand-in
# telepresence and two local images. Nothing is installed; what is missing is
# named. Every comparison is measured in this one run, its two sides
# interleaved, so that load from anything else on the machine falls on both.
#
# Environment:
#   BENCH_SECTIONS  sections to run (default: "transform startup config up memory attach ps build pull reup")
#   BENCH_RUNS      runs per command for start-up and config (default 20)
#   BENCH_UP_RUNS   runs per side for up -d (sections 4, 6, 8 and 9) and the stand-in (default 5)
#   BENCH_REUP_RUNS runs per side for the re-up (section 10, a tenth of a second each: default 31)
#   BENCH_UP_MODELS network models for up -d (default "netns teleroute")
#   BENCH_GO_COUNT  -count of the Go benchmarks (default 5)
#   BENCH_MEM_RUNS  runs per side for peak RSS (default 10)
#   BENCH_OUT       also write the summary (markdown) to this file
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECTIONS=${BENCH_SECTIONS:-transform startup config up memory attach ps build pull reup}
RUNS=${BENCH_RUNS:-20}
UP_RUNS=${BENCH_UP_RUNS:-5}
REUP_RUNS=${BENCH_REUP_RUNS:-31}
UP_MODELS=${BENCH_UP_MODELS:-netns teleroute}
GO_COUNT=${BENCH_GO_COUNT:-5}
MEM_RUNS=${BENCH_MEM_RUNS:-10}
MODULE=github.com/telepresenceio/docker-telepresence
COMPOSE_MODULE=github.com/docker/compose/v5

# Names of everything this script creates on the engine, apart from the e2e
# suite's (tpe2e-*); do not run both at once (the suite compares the engine).
BUSYBOX_IMAGE=tpbench-busybox:latest
DAEMON_IMAGE=tpbench-daemon:latest
DAEMON_NAME=tpbench               # the stand-in names its container tp-tpbench
PROJECT_PREFIX=tpbench-

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
has_section() { [[ " $SECTIONS " == *" $1 "* ]]; }
# on_engine: a section that runs projects on the engine, with the stand-in.
on_engine() { has_section up || has_section attach || has_section ps || has_section build || has_section pull || has_section reup; }

# --- what the machine must have ------------------------------------------
missing=()
command -v go >/dev/null || missing+=("go (Go $(sed -n 's/^go //p' "$ROOT/go.mod"))")
if has_section startup || has_section config || on_engine; then
	command -v docker >/dev/null || missing+=("the docker CLI")
fi
if has_section memory && ! /usr/bin/time --version 2>&1 | grep -q GNU; then
	missing+=("GNU time at /usr/bin/time (apt-get install time)")
fi
if on_engine && ! [[ -x /bin/busybox ]]; then
	missing+=("a static /bin/busybox for the images (apt-get install busybox-static)")
fi
((${#missing[@]} == 0)) || die "missing: $(printf '%s; ' "${missing[@]}")"
if on_engine && ! docker info >/dev/null 2>&1; then
	die "the Docker Engine does not answer (is dockerd running? DOCKER_HOST?); or run without the up and attach sections: BENCH_SECTIONS='transform startup config memory'"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tpbench.XXXXXX")
BIN=$WORK/bin
# A private DOCKER_CONFIG: both plugins side by side, and no plugin the user
# installed gets in the way or gets its metadata read.
export DOCKER_CONFIG=$WORK/docker
PLUGINS=$DOCKER_CONFIG/cli-plugins
SAMPLES=$WORK/samples
mkdir -p "$BIN" "$PLUGINS" "$SAMPLES"
# Where the stand-in telepresence keeps its state (only the up section uses it).
STANDIN=$WORK/standin
daemon_started=false

# Removes what this run created on the engine, and only that: the stand-in
# daemon tp-tpbench, the tpbench-* compose projects and images. The shared
# `telepresence` network stays (the daemon of the e2e suite may be on it).
cleanup() {
	local rc=$?
	set +e
	if $daemon_started; then
		TP_STANDIN_STATE=$STANDIN TP_STANDIN_IMAGE=$DAEMON_IMAGE "$BIN/telepresence" quit >/dev/null 2>&1
		docker rm -f "tp-$DAEMON_NAME" "tp-$DAEMON_NAME-cluster" >/dev/null 2>&1
		docker network rm "$DAEMON_NAME" >/dev/null 2>&1
	fi
	# Section 9's registry and its proxy, if it died before stopping them.
	kill ${PROXY_PID:-} ${REGISTRY_PID:-} 2>/dev/null
	if on_engine; then
		sweep_projects
		docker image rm "$BUSYBOX_IMAGE" "$DAEMON_IMAGE" >/dev/null 2>&1
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# sweep_projects removes containers, then volumes, then networks (in that
# order: a resource in use cannot go) of every compose project named tpbench-*.
sweep_projects() {
	local project name
	local label='{{.Label "com.docker.compose.project"}}' filter=label=com.docker.compose.project
	docker container ls -a --filter "$filter" --format "$label {{.Names}}" | while read -r project name; do
		[[ $project != "$PROJECT_PREFIX"* ]] || docker container rm -f "$name" >/dev/null || true
	done
	docker volume ls --filter "$filter" --format "$label {{.Name}}" | while read -r project name; do
		[[ $project != "$PROJECT_PREFIX"* ]] || docker volume rm -f "$name" >/dev/null || true
	done
	docker network ls --filter "$filter" --format "$label {{.Name}}" | while read -r project name; do
		[[ $project != "$PROJECT_PREFIX"* || $name == telepresence ]] || docker network rm "$name" >/dev/null || true
	done
}

# sw NAME CMD...: time one run of CMD, append the milliseconds to NAME's samples.
sw() {
	local name=$1
	shift
	"$BIN/benchtool" stopwatch -- "$@" >>"$SAMPLES/$name"
}

# stat NAME: "median min max n" of NAME's samples, in ms.
stat() { "$BIN/benchtool" stats "$SAMPLES/$1"; }
med() { stat "$1" | cut -d' ' -f1; }
range() { stat "$1" | awk '{printf "%s ms (%s–%s, n=%s)", $1, $2, $3, $4}'; }
ratio() { "$BIN/benchtool" ratio "$1" "$2"; }
# le A B: true when A <= B (decimals).
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
verdict() { if le "$1" "$2"; then echo met; else echo MISSED; fi; }

SUMMARY=$WORK/summary.md
# row CELL...: one row of the summary table.
row() {
	local IFS='|' line
	line="$*"
	printf '| %s |\n' "${line//|/ | }" >>"$SUMMARY"
}

# --- machine and build ----------------------------------------------------
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
MACHINE="$(nproc) cores, ${CPU:-unknown CPU}, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "machine: $MACHINE; load average $LOAD_START"

cd "$ROOT"
log "building the plugin, the helper and the stand-in telepresence"
VERSION=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
# Same flags as `make build`, and the same for compose below, so both
# binaries are stripped static Go binaries built by the same toolchain.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X $MODULE/metadata.Version=$VERSION" -o "$PLUGINS/docker-telepresence" .
go build -o "$BIN/benchtool" ./scripts/benchtool
# Static: the stand-in also runs inside the busybox daemon image.
CGO_ENABLED=0 go build -o "$BIN/telepresence" ./e2e/standin/telepresence

COMPOSE_VERSION=$(go list -m -f '{{.Version}}' "$COMPOSE_MODULE")
if has_section startup || has_section config || on_engine || has_section memory; then
	log "building Docker Compose $COMPOSE_VERSION from the module cache"
	go mod download "$COMPOSE_MODULE@$COMPOSE_VERSION"
	COMPOSE_DIR=$(go list -m -f '{{.Dir}}' "$COMPOSE_MODULE")
	# Built inside its own module, with its own go.sum, as its Makefile does;
	# GOWORK=off so that no go.work around here changes its dependencies.
	(cd "$COMPOSE_DIR" && GOWORK=off CGO_ENABLED=0 go build -trimpath \
		-ldflags "-s -w -X $COMPOSE_MODULE/internal.Version=$COMPOSE_VERSION" \
		-o "$PLUGINS/docker-compose" ./cmd)
	docker compose version >/dev/null || die "docker does not see the compose plugin built in $PLUGINS"
	docker telepresence --help >/dev/null || die "docker does not see the plugin built in $PLUGINS"
fi

{
	echo "Machine: $MACHINE. Load average at start: $LOAD_START."
	echo "Go $(go env GOVERSION); docker CLI $(docker version --format '{{.Client.Version}}' 2>/dev/null || echo '?'), engine $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || echo '?'); Compose $COMPOSE_VERSION built from the module cache; plugin $VERSION."
	echo
} >"$SUMMARY"
row "#" "measure" "docker-telepresence" "Docker Compose" "ratio" "target" "verdict"
row "---" "---" "---" "---" "---" "---" "---"

# --- 1. transform scaling -------------------------------------------------
if has_section transform; then
	log "1. transform scaling: go test -bench BenchmarkTransform (count $GO_COUNT)"
	go test -run '^$' -bench '^BenchmarkTransform$' -benchmem -count "$GO_COUNT" ./transform/ | tee "$WORK/gobench.txt" >&2
	"$BIN/benchtool" gobench "$WORK/gobench.txt" >"$WORK/gobench.med"
	# Lines: NAME ns/op B/op allocs/op min-ns max-ns n
	bench() { awk -v n="BenchmarkTransform/services=$1" -v f="$2" '$1 == n { print $f }' "$WORK/gobench.med"; }
	for n in 10 100 1000 5000; do
		ns=$(bench "$n" 2) bytes=$(bench "$n" 3) allocs=$(bench "$n" 4) lo=$(bench "$n" 5) hi=$(bench "$n" 6)
		ms=$(awk -v v="$ns" 'BEGIN { printf "%.3f", v / 1e6 }')
		mb=$(awk -v v="$bytes" 'BEGIN { printf "%.2f", v / 1e6 }')
		span=$(awk -v a="$lo" -v b="$hi" 'BEGIN { printf "%.3f–%.3f", a / 1e6, b / 1e6 }')
		target="" result=""
		if [[ $n == 1000 ]]; then
			target="< 20 ms, < 50 MB"
			if le "$ms" 20 && le "$mb" 50; then result=met; else result=MISSED; fi
		fi
		row 1 "transform, $n services" "$ms ms ($span), $mb MB, $allocs allocs" "" "" "$target" "$result"
	done
	growth=$(ratio "$(bench 5000 2)" "$(bench 1000 2)")
	growth_mem=$(ratio "$(bench 5000 3)" "$(bench 1000 3)")
	row 1 "growth 5,000 / 1,000 services" "time ×$growth, memory ×$growth_mem" "" "" "time ≤ 6" "$(verdict "$growth" 6)"
fi

# --- 2. start-up ----------------------------------------------------------
if has_section startup; then
	log "2. start-up: $RUNS runs of each, interleaved"
	startup_round() {
		sw tp-meta "$PLUGINS/docker-telepresence" docker-cli-plugin-metadata
		sw compose-meta "$PLUGINS/docker-compose" docker-cli-plugin-metadata
		sw tp-help docker telepresence --help
		sw compose-help docker compose --help
	}
	# Warm-up: page cache and the dynamic loader, not part of any figure.
	startup_round
	rm -f "$SAMPLES"/*-meta "$SAMPLES"/*-help
	for ((i = 0; i < RUNS; i++)); do startup_round; done
	for what in meta help; do
		r=$(ratio "$(med "tp-$what")" "$(med "compose-$what")")
		label="\`docker-telepresence docker-cli-plugin-metadata\` (direct)"
		[[ $what == help ]] && label="\`docker telepresence --help\` (via the docker CLI)"
		row 2 "$label" "$(range "tp-$what")" "$(range "compose-$what")" "$r" "≤ 1.00" "$(verdict "$r" 1.00)"
	done
fi

# --- 3. config end to end -------------------------------------------------
if has_section config; then
	log "3. config on a 200-service project: $RUNS runs of each, interleaved"
	dir=$WORK/config200
	"$BIN/benchtool" gen large 200 "$dir"
	# No Telepresence for either side: ours is pointed at a binary that does
	# not exist, so its status call fails at once and the daemon is shown as
	# a placeholder; compose never calls it.
	no_tp=$WORK/no-telepresence/telepresence
	files=(-f "$dir/compose.yaml" -f "$dir/compose.telepresence.yaml")
	docker telepresence --telepresence "$no_tp" "${files[@]}" config >"$WORK/config-tp.yaml" 2>"$WORK/config-tp.err" ||
		die "docker telepresence config failed: $(cat "$WORK/config-tp.err")"
	docker compose "${files[@]}" config >"$WORK/config-compose.yaml" || die "docker compose config failed"
	lines_tp=$(wc -l <"$WORK/config-tp.yaml") lines_compose=$(wc -l <"$WORK/config-compose.yaml")
	tp_on_path=$(command -v telepresence || echo "none")
	sw tp-config docker telepresence --telepresence "$no_tp" "${files[@]}" config
	sw compose-config docker compose "${files[@]}" config
	rm -f "$SAMPLES"/*-config # the warm-up runs
	for ((i = 0; i < RUNS; i++)); do
		sw tp-config docker telepresence --telepresence "$no_tp" "${files[@]}" config
		sw compose-config docker compose "${files[@]}" config
	done
	r=$(ratio "$(med tp-config)" "$(med compose-config)")
	row 3 "\`config\`, 200 services (output: ours $lines_tp lines, compose $lines_compose; telepresence on PATH: $tp_on_path, ours given a missing one)" \
		"$(range tp-config)" "$(range compose-config)" "$r" "≤ 1.00" "$(verdict "$r" 1.00)"
fi

# The images, without a registry, for the sections on the engine: a root
# filesystem around the host's static busybox, imported; the daemon image
# adds the stand-in. Those sections run the plugin with the stand-in as its
# telepresence.
if on_engine; then
	rootfs=$WORK/rootfs
	mkdir -p "$rootfs"/{bin,etc,root,tmp,usr/bin,usr/local/bin,var}
	cp /bin/busybox "$rootfs/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[[ $applet == busybox ]] || ln -sf busybox "$rootfs/bin/$applet"
	done
	ln -sf /bin/busybox "$rootfs/usr/bin/env"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rootfs/etc/passwd"
	printf 'root:x:0:\n' >"$rootfs/etc/group"
	chmod 1777 "$rootfs/tmp"
	tar -C "$rootfs" -cf - . | docker import -c 'CMD ["sh"]' -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - "$BUSYBOX_IMAGE" >/dev/null
	cp "$BIN/telepresence" "$rootfs/usr/local/bin/telepresence"
	tar -C "$rootfs" -cf - . | docker import -c 'ENTRYPOINT ["/usr/local/bin/telepresence"]' \
		-c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - "$DAEMON_IMAGE" >/dev/null
	export TP_STANDIN_STATE=$STANDIN TP_STANDIN_IMAGE=$DAEMON_IMAGE
	export DOCKER_TELEPRESENCE_BINARY=$BIN/telepresence
fi
tp() { "$BIN/telepresence" "$@"; }

# --- 4. up -d on the engine, in each network model ------------------------
if has_section up; then
	# shellcheck source=scripts/bench-up.sh
	source "$ROOT/scripts/bench-up.sh"
	# An engine that still knows a legacy volume plugin whose socket is gone
	# stalls on every volume list or create; that is not ours to fix, but it
	# would dominate `up -d`: measure a volume call, to say so.
	sw engine-volume-ls docker volume ls -q

	# The netns model re-attaches the daemon to the handler's networks; the
	# Teleroute model attaches nothing, hence its tighter target.
	for model in $UP_MODELS; do
		case $model in
		netns) bench_up netns 2.20.2 1.10 ;;
		teleroute) bench_up teleroute 2.27.3 1.05 ;;
		*) die "BENCH_UP_MODELS: unknown model $model (netns, teleroute)" ;;
		esac
	done
	row 4 "engine: \`docker volume ls\` (healthy: a few ms)" "$(range engine-volume-ls)" "" "" "" ""
fi

# --- 5. memory ------------------------------------------------------------
if has_section memory; then
	log "5. peak RSS of config on 1,000 services (GNU time, $MEM_RUNS runs)"
	dir=$WORK/config1000
	"$BIN/benchtool" gen large 1000 "$dir"
	files=(-f "$dir/compose.yaml" -f "$dir/compose.telepresence.yaml")
	# GNU time reports KiB; the target is in MB (10^6 bytes).
	rss_mb() { awk -F': ' '/Maximum resident set size/ { printf "%.1f\n", $2 * 1024 / 1e6 }' "$WORK/time.txt"; }
	# Run directly, not through `docker`: GNU time reports the largest process
	# it waited for, and the docker CLI would be a second candidate. A plugin
	# binary run directly takes the plugin name as its first argument.
	for ((i = 0; i < MEM_RUNS; i++)); do
		/usr/bin/time -v -o "$WORK/time.txt" "$PLUGINS/docker-telepresence" telepresence \
			--telepresence "$WORK/no-telepresence/telepresence" "${files[@]}" config >/dev/null 2>&1
		rss_mb >>"$SAMPLES/rss-tp"
		/usr/bin/time -v -o "$WORK/time.txt" "$PLUGINS/docker-compose" "${files[@]}" config >/dev/null 2>&1
		rss_mb >>"$SAMPLES/rss-compose"
	done
	rss() { stat "$1" | awk '{printf "%s MB (%s–%s, n=%s)", $1, $2, $3, $4}'; }
	# The verdict takes the largest run: a peak is only under a limit if every run is.
	row 5 "peak RSS, \`config\`, 1,000 services (binary run directly)" "$(rss rss-tp)" "$(rss rss-compose)" \
		"$(ratio "$(med rss-tp)" "$(med rss-compose)")" "< 150 MB (every run)" "$(verdict "$(stat rss-tp | cut -d' ' -f3)" 149.99)"
fi

# --- 6. up -d with slow attachments ---------------------------------------
if has_section attach; then
	# shellcheck source=scripts/bench-attach.sh
	source "$ROOT/scripts/bench-attach.sh"
	bench_attach
fi

# --- 7. ps ----------------------------------------------------------------
if has_section ps; then
	# shellcheck source=scripts/bench-ps.sh
	source "$ROOT/scripts/bench-ps.sh"
	bench_ps
fi

# --- 8, 9, 10. build and pull beside the attachments; the no-op re-up -----
if has_section build || has_section pull || has_section reup; then
	# shellcheck source=scripts/bench-build.sh
	source "$ROOT/scripts/bench-build.sh"
	if has_section build; then bench_build; fi
	if has_section pull; then bench_pull; fi
	if has_section reup; then bench_reup; fi
fi

{
	echo
	echo "Load average at end: $(cut -d' ' -f1-3 /proc/loadavg). Times are medians with (min–max); ratios are ours / compose, medians of the same run."
} >>"$SUMMARY"
for model in netns teleroute; do
	[[ -s $WORK/api-tp-$model.txt ]] || continue
	{
		echo
		echo "Engine API calls of one \`up -d\`, $model model (count, time in those calls, client, call):"
		echo
		echo '```'
		echo "docker telepresence up -d:"
		cat "$WORK/api-tp-$model.txt"
		echo "docker compose up -d:"
		cat "$WORK/api-compose-$model.txt"
		echo '```'
	} >>"$SUMMARY"
done
[[ ! -s $WORK/details.md ]] || cat "$WORK/details.md" >>"$SUMMARY"
log "summary"
cat "$SUMMARY"
[[ -z ${BENCH_OUT:-} ]] || cp "$SUMMARY" "$BENCH_OUT"
