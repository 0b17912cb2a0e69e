# shellcheck shell=bash
# Sections 8, 9 and 10 of scripts/bench.sh, which sources this file and runs
# bench_build, bench_pull and bench_reup with its helpers (sw, med, range,
# row, ratio, verdict, tp, sweep_projects, log, die) and names (BIN, WORK,
# STANDIN, DAEMON_NAME, BUSYBOX_IMAGE, UP_RUNS, REUP_RUNS, SAMPLES).
#
# 8. `up -d --build` of a handler whose image takes about 4 s to build and
#    whose attachment takes 4 s in the stand-in: `up` builds while
#    Telepresence attaches (docs/commands.md#up), so it must stay within
#    Compose's own `up -d --build` of the same container plus 1.5 s, where
#    one after the other would take 4 s more.
# 9. `up -d` of two handlers whose attachments take 2 s each, and four
#    services whose images come from a real registry (Debian's
#    docker-registry) behind a proxy that waits before each request: the
#    pulls run beside the attachments. Same budget.
# 10. `up -d` again on a project that is up and unchanged, against Compose's
#    own no-op `up -d` of the same containers, asking Telepresence nothing
#    but its status: as the user sees it (the stand-in answers the status),
#    and the plugin's own cost, at most 1.10 times Compose's, where a
#    telepresence that answers at once from a recording stands in.

BUILD_RELEASE=2.31.2
BUILD_DELAY_MS=4000
BUILD_SLACK_MS=1500
PULL_DELAY_MS=2000
PULL_PROXY_DELAY=300ms

# daemon_for FIXTURE-JSON: a fresh stand-in state with that fixture, and the
# daemon connected once, as a user's daemon would be.
daemon_for() {
	docker rm -f "tp-$DAEMON_NAME" "tp-$DAEMON_NAME-cluster" >/dev/null 2>&1 || true
	rm -rf "$STANDIN" && mkdir -p "$STANDIN"
	printf '%s\n' "$1" >"$STANDIN/fixture.json"
	daemon_started=true
	tp connect --docker >/dev/null
}

# attachments_since N: how many attachments the stand-in was asked for after
# its first N calls.
attachments_since() {
	tail -n +"$(($1 + 1))" "$STANDIN/calls.jsonl" | grep -cE '^\{"args":\["(intercept|replace|wiretap|ingest)"' || true
}

# interleave NAME-A CMD-A NAME-B CMD-B: a warm-up of each, then UP_RUNS
# runs of each, their order alternating.
interleave() {
	local a=$1 b=$2 i
	"$a"
	"$b"
	rm -f "$SAMPLES/$a" "$SAMPLES/$a".* "$SAMPLES/$b" "$SAMPLES/$b".* # and their by-products (NAME.what)
	for ((i = 0; i < UP_RUNS; i++)); do
		if ((i % 2 == 0)); then "$a"; "$b"; else "$b"; "$a"; fi
	done
}

# slack_row SECTION OURS COMPOSE LABEL: the row of a measure whose target
# is Compose's median plus BUILD_SLACK_MS.
slack_row() {
	local budget over
	budget=$(awk -v c="$(med "$3")" -v s="$BUILD_SLACK_MS" 'BEGIN { printf "%.1f", c + s }')
	over=$(awk -v a="$(med "$2")" -v c="$(med "$3")" 'BEGIN { printf "%.1f", a - c }')
	row "$1" "$4; ours − compose: $over ms" "$(range "$2")" "$(range "$3")" "$(ratio "$(med "$2")" "$(med "$3")")" \
		"≤ compose + ${BUILD_SLACK_MS} ms = $budget ms" "$(verdict "$(med "$2")" "$budget")"
}

bench_build() {
	log "8. up -d --build: a 4 s build and a ${BUILD_DELAY_MS} ms attachment (stand-in $BUILD_RELEASE): $UP_RUNS runs of each, interleaved"
	sweep_projects
	daemon_for "{\"daemon_name\": \"$DAEMON_NAME\", \"release\": \"$BUILD_RELEASE\", \"intercepts\": {\"tpbench-build\": {\"delay_ms\": $BUILD_DELAY_MS}}}"
	local dir=$WORK/build
	mkdir -p "$dir/app"
	# BUST changes every run, so the RUN step runs every time: a build of 4 s.
	printf 'FROM %s\nARG BUST\nRUN echo "$BUST" >/bust && sleep 4\n' "$BUSYBOX_IMAGE" >"$dir/app/Dockerfile"
	local svc='  tpbuild:\n    build: {context: ./app, args: {BUST: "${BUST:-0}"}, labels: {tpbench: "1"}}\n    image: tpbench-build:latest\n    command: [sleep, "3600"]\n    init: true\n'
	printf "services:\n$svc" >"$dir/compose.yaml"
	printf "services:\n$svc    networks: [default, daemon]\nnetworks:\n  daemon:\n    name: %s\n    external: true\n" "$DAEMON_NAME" >"$dir/compose.plain.yaml"
	cat >"$dir/compose.telepresence.yaml" <<'EOF'
services:
  tpbuild:
    x-telepresence: {behavior: interceptHandler, intercept: {workload: tpbench-build, port: "8080", mount: false}}
EOF
	local n=0
	build_tp() {
		local before
		before=$(wc -l <"$STANDIN/calls.jsonl")
		BUST=tp$((n++)) "$BIN/benchtool" stopwatch -running tpbench-build-tp=1 -- \
			docker telepresence -p tpbench-build-tp -f "$dir/compose.yaml" -f "$dir/compose.telepresence.yaml" up -d --build >>"$SAMPLES/build_tp"
		(($(attachments_since "$before") == 1)) || die "up -d --build made no attachment"
		docker telepresence -p tpbench-build-tp -f "$dir/compose.yaml" -f "$dir/compose.telepresence.yaml" down >/dev/null 2>&1
	}
	build_compose() {
		BUST=compose$((n++)) "$BIN/benchtool" stopwatch -running tpbench-build-compose=1 -- \
			docker compose -p tpbench-build-compose -f "$dir/compose.plain.yaml" up -d --build >>"$SAMPLES/build_compose"
		docker compose -p tpbench-build-compose -f "$dir/compose.plain.yaml" down >/dev/null 2>&1
	}
	interleave build_tp build_compose
	# Where the time goes, step by step: one more run, with the plugin's trace.
	BUST=traced$$-$RANDOM DOCKER_TELEPRESENCE_TRACE=1 docker telepresence -p tpbench-build-tp -f "$dir/compose.yaml" -f "$dir/compose.telepresence.yaml" \
		up -d --build 2>&1 | grep '^trace:' >"$WORK/build-trace.txt" || die "the traced up -d --build failed"
	docker telepresence -p tpbench-build-tp -f "$dir/compose.yaml" -f "$dir/compose.telepresence.yaml" down >/dev/null 2>&1
	{
		echo
		echo "The steps of one more run of 8, from its trace (DOCKER_TELEPRESENCE_TRACE=1):"
		echo
		echo '```'
		cat "$WORK/build-trace.txt"
		echo '```'
	} >>"$WORK/details.md"
	tp quit >/dev/null
	docker image rm tpbench-build:latest >/dev/null 2>&1 || true
	docker image prune -f --filter label=tpbench=1 >/dev/null 2>&1 || true # the builds of earlier runs
	slack_row 8 build_tp build_compose "\`up -d --build\`, a handler whose image builds in about 4 s and whose attachment takes ${BUILD_DELAY_MS} ms ($BUILD_RELEASE, daemon connected)"
}

# start_registry: Debian's docker-registry on a free loopback port, and the
# delaying proxy in front of it; sets REGISTRY and PROXY (host:port).
start_registry() {
	command -v docker-registry >/dev/null || die "section 9 needs docker-registry (apt-get install docker-registry)"
	local port
	port=$("$BIN/benchtool" freeport)
	mkdir -p "$WORK/registry"
	printf 'version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: "127.0.0.1:%s"}\n' \
		"$WORK/registry" "$port" >"$WORK/registry.yml"
	docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
	REGISTRY_PID=$!
	REGISTRY=127.0.0.1:$port
	until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		kill -0 "$REGISTRY_PID" 2>/dev/null || die "docker-registry exited: $(cat "$WORK/registry.log")"
		sleep 0.1
	done
	"$BIN/benchtool" delayproxy -to "$REGISTRY" -delay "$PULL_PROXY_DELAY" >"$WORK/proxy.addr" &
	PROXY_PID=$!
	until [[ -s $WORK/proxy.addr ]]; do
		kill -0 "$PROXY_PID" 2>/dev/null || die "the delaying proxy exited"
		sleep 0.1
	done
	PROXY=$(head -1 "$WORK/proxy.addr")
}

stop_registry() {
	kill "$PROXY_PID" "$REGISTRY_PID" 2>/dev/null || true
	wait "$PROXY_PID" "$REGISTRY_PID" 2>/dev/null || true
}

bench_pull() {
	log "9. up -d: two ${PULL_DELAY_MS} ms attachments and four images from a registry ($PULL_PROXY_DELAY before each request): $UP_RUNS runs of each, interleaved"
	sweep_projects
	start_registry
	local i images=()
	for i in 1 2 3 4; do
		docker tag "$BUSYBOX_IMAGE" "$REGISTRY/tpbench/img$i:1"
		docker push -q "$REGISTRY/tpbench/img$i:1" >/dev/null
		docker image rm "$REGISTRY/tpbench/img$i:1" >/dev/null
		images+=("$PROXY/tpbench/img$i:1")
	done
	daemon_for "{\"daemon_name\": \"$DAEMON_NAME\", \"release\": \"$BUILD_RELEASE\", \"intercepts\": {\"tpbench-p1\": {\"delay_ms\": $PULL_DELAY_MS}, \"tpbench-p2\": {\"delay_ms\": $PULL_DELAY_MS}}}"
	local dir=$WORK/pull
	mkdir -p "$dir"
	{
		echo "services:"
		for i in 1 2 3 4; do
			printf '  tppull%d:\n    image: %s\n    command: [sleep, "3600"]\n    init: true\n' "$i" "${images[i - 1]}"
		done
	} >"$dir/compose.yaml"
	{
		echo "services:"
		for i in 1 2 3 4; do
			printf '  tppull%d:\n    image: %s\n    command: [sleep, "3600"]\n    init: true\n    networks: [default, daemon]\n' "$i" "${images[i - 1]}"
		done
		printf 'networks:\n  daemon:\n    name: %s\n    external: true\n' "$DAEMON_NAME"
	} >"$dir/compose.plain.yaml"
	cat >"$dir/compose.telepresence.yaml" <<'EOF'
services:
  tppull1:
    x-telepresence: {behavior: interceptHandler, intercept: {workload: tpbench-p1, port: "8080", mount: false}}
  tppull2:
    x-telepresence: {behavior: interceptHandler, intercept: {workload: tpbench-p2, port: "8080", mount: false}}
EOF
	drop_images() { docker image rm "${images[@]}" >/dev/null 2>&1 || true; }
	pull_tp() {
		drop_images
		"$BIN/benchtool" stopwatch -running tpbench-pull-tp=4 -- \
			docker telepresence -p tpbench-pull-tp -f "$dir/compose.yaml" -f "$dir/compose.telepresence.yaml" up -d >>"$SAMPLES/pull_tp"
		docker telepresence -p tpbench-pull-tp -f "$dir/compose.yaml" -f "$dir/compose.telepresence.yaml" down >/dev/null 2>&1
	}
	pull_compose() {
		drop_images
		"$BIN/benchtool" stopwatch -running tpbench-pull-compose=4 -- \
			docker compose -p tpbench-pull-compose -f "$dir/compose.plain.yaml" up -d >>"$SAMPLES/pull_compose"
		docker compose -p tpbench-pull-compose -f "$dir/compose.plain.yaml" down >/dev/null 2>&1
	}
	interleave pull_tp pull_compose
	tp quit >/dev/null
	drop_images
	stop_registry
	slack_row 9 pull_tp pull_compose "\`up -d\`, two handlers whose attachments take ${PULL_DELAY_MS} ms, four images pulled from a registry behind a $PULL_PROXY_DELAY-per-request proxy"
}

bench_reup() {
	log "10. up -d again on a project that is up and unchanged: $REUP_RUNS runs of each, interleaved"
	sweep_projects
	daemon_for "{\"daemon_name\": \"$DAEMON_NAME\", \"release\": \"$BUILD_RELEASE\"}"
	local dir=$WORK/reup
	"$BIN/benchtool" gen up "$dir" "$BUSYBOX_IMAGE" 18181 18182 "$DAEMON_NAME" >/dev/null
	local tp_files=(-f "$dir/compose.yaml" -f "$dir/compose.telepresence.yaml")
	docker telepresence -p tpbench-reup-tp "${tp_files[@]}" up -d >/dev/null 2>&1 || die "the first up -d failed"
	docker compose -p tpbench-reup-compose -f "$dir/compose.plain.yaml" up -d >/dev/null 2>&1 || die "compose's first up -d failed"
	# A telepresence that answers its status at once, with the answer the
	# stand-in gives now, and refuses anything else: a re-up run with it is
	# the plugin's own cost, Telepresence's taken out.
	tp status --output json >"$WORK/reup-status.json" 2>/dev/null || die "the stand-in's status failed"
	[[ -s $WORK/reup-status.json ]] || die "the stand-in's status printed nothing"
	cat >"$BIN/telepresence-recorded" <<EOF
#!/bin/sh
[ "\$*" = "status --output json" ] || { echo "only status --output json is recorded here, not: \$*" >&2; exit 1; }
exec cat "$WORK/reup-status.json"
EOF
	chmod +x "$BIN/telepresence-recorded"
	reup_tp() {
		local before
		before=$(wc -l <"$STANDIN/calls.jsonl")
		sw reup_tp docker telepresence -p tpbench-reup-tp "${tp_files[@]}" up -d
		local asked statuses
		asked=$(tail -n +"$((before + 1))" "$STANDIN/calls.jsonl" | grep -vc '^{"args":\["status"' || true)
		((asked == 0)) || die "an unchanged re-up asked telepresence for more than its status"
		# Once: the status asked while the project loads is the run's own.
		statuses=$(tail -n +"$((before + 1))" "$STANDIN/calls.jsonl" | grep -c '^{"args":\["status"' || true)
		((statuses == 1)) || die "an unchanged re-up asked telepresence for its status $statuses times"
		DOCKER_TELEPRESENCE_BINARY=$BIN/telepresence-recorded \
			sw reup_tp.own docker telepresence -p tpbench-reup-tp "${tp_files[@]}" up -d
	}
	reup_compose() {
		sw reup_compose docker compose -p tpbench-reup-compose -f "$dir/compose.plain.yaml" up -d
		# The one call a re-up makes of Telepresence, the stand-in's own
		# cost: it asks the docker CLI about its daemon container, where
		# Telepresence asks its daemon over gRPC.
		sw reup_compose.status "$BIN/telepresence" status --output json
	}
	# Many runs: each takes a tenth of a second, which the machine's other
	# load varies by as much as the difference measured.
	UP_RUNS=$REUP_RUNS interleave reup_tp reup_compose
	# Which engine calls each makes: where the difference goes.
	"$BIN/benchtool" apilog -- docker telepresence -p tpbench-reup-tp "${tp_files[@]}" up -d >"$WORK/api-reup-tp.txt"
	"$BIN/benchtool" apilog -- docker compose -p tpbench-reup-compose -f "$dir/compose.plain.yaml" up -d >"$WORK/api-reup-compose.txt"
	{
		echo
		echo "Engine API calls of one unchanged re-up (count, time in those calls, client, call):"
		echo
		echo '```'
		echo "docker telepresence up -d:"
		cat "$WORK/api-reup-tp.txt"
		echo "docker compose up -d:"
		cat "$WORK/api-reup-compose.txt"
		echo '```'
	} >>"$WORK/details.md"
	docker telepresence -p tpbench-reup-tp "${tp_files[@]}" down >/dev/null 2>&1
	docker compose -p tpbench-reup-compose -f "$dir/compose.plain.yaml" down >/dev/null 2>&1
	tp quit >/dev/null
	local r rown
	r=$(ratio "$(med reup_tp)" "$(med reup_compose)")
	rown=$(ratio "$(med reup_tp.own)" "$(med reup_compose)")
	row 10 "\`up -d\` again, the project up and unchanged (attachments reused; telepresence asked only for status)" \
		"$(range reup_tp)" "$(range reup_compose)" "$r" "" ""
	row 10 "the stand-in's \`status\` alone, the one call the re-up makes of Telepresence" "$(range reup_compose.status)" "" "" "" ""
	row 10 "the re-up with a telepresence that answers its status at once (recorded): the plugin's own cost" "$(range reup_tp.own)" "$(range reup_compose)" "$rown" "≤ 1.10" "$(verdict "$rown" 1.10)"
}
