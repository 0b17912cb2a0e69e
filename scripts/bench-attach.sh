# shellcheck shell=bash
# Section 6 of scripts/bench.sh, which sources this file and runs
# bench_attach with its helpers (sw, med, range, row, tp, sweep_projects) and
# names (BIN, WORK, STANDIN, DAEMON_NAME, BUSYBOX_IMAGE, UP_RUNS).
#
# `up -d` of four handlers whose attachments the stand-in takes 2 s each to
# make (fixture delay_ms, as a traffic manager that installs agents takes a
# while): two intercepts, a replace and a wiretap, in the Teleroute model
# (2.27.3; wiretap needs 2.23). The plugin makes them at once
# (docs/attachments.md#made-concurrently), so ours must stay within Compose's
# time for the same four containers plus 2.5 s: one delay and some slack,
# where one after the other would take 8 s more. The stand-in's own cost of
# the four, made at once without the plugin, is measured too: what is left
# of the difference is the plugin's.

ATTACH_TP=tpbench-attach-tp
ATTACH_COMPOSE=tpbench-attach-compose
ATTACH_RELEASE=2.27.3
ATTACH_DELAY_MS=2000
ATTACH_SLACK_MS=2500

# attach_files DIR: the project (compose.yaml), its intent
# (compose.telepresence.yaml), and what Compose runs for the same containers
# (compose.plain.yaml: the handlers also on the daemon's Teleroute network, as
# the transform puts them).
attach_files() {
	local dir=$1 i
	mkdir -p "$dir"
	{
		echo "services:"
		for i in 1 2 3 4; do
			printf '  tpattach%d:\n    image: %s\n    command: [sleep, "3600"]\n    init: true\n' "$i" "$BUSYBOX_IMAGE"
		done
	} >"$dir/compose.yaml"
	{
		echo "services:"
		for i in 1 2 3 4; do
			printf '  tpattach%d:\n    image: %s\n    command: [sleep, "3600"]\n    init: true\n    networks: [default, daemon]\n' "$i" "$BUSYBOX_IMAGE"
		done
		printf 'networks:\n  daemon:\n    name: %s\n    external: true\n' "$DAEMON_NAME"
	} >"$dir/compose.plain.yaml"
	cat >"$dir/compose.telepresence.yaml" <<'EOF'
services:
  tpattach1:
    x-telepresence: {behavior: interceptHandler, intercept: {workload: tpbench-a, port: "8080", mount: false}}
  tpattach2:
    x-telepresence: {behavior: interceptHandler, intercept: {workload: tpbench-b, port: "8080", mount: false}}
  tpattach3:
    x-telepresence: {behavior: replace, replace: {workload: tpbench-c, mount: false}}
  tpattach4:
    x-telepresence: {behavior: wiretap, wiretap: {name: tpbench-tap, workload: tpbench-a, port: "8081", mount: false}}
EOF
}

# attach_standin: the four attachments, made at once by the stand-in alone,
# as `up -d` asks for them; then ended.
attach_standin() {
	local a=(--mount=false --detailed-output --output json) p
	"$BIN/benchtool" stopwatch -- bash -c '
		tp=$1; shift; pids=()
		"$tp" intercept tpbench-a --port 8080 --address tp-a "$@" & pids+=($!)
		"$tp" intercept tpbench-b --port 8080 --address tp-b "$@" & pids+=($!)
		"$tp" replace tpbench-c --address tp-c "$@" & pids+=($!)
		"$tp" wiretap tpbench-tap --workload tpbench-a --port 8081 --address tp-tap "$@" & pids+=($!)
		for p in "${pids[@]}"; do wait "$p" || exit 1; done' attach "$BIN/telepresence" "${a[@]}" >>"$SAMPLES/attach-standin"
	for p in tpbench-a tpbench-b tpbench-c tpbench-tap; do tp leave "$p" >/dev/null; done
}

bench_attach() {
	log "6. up -d with four attachments of ${ATTACH_DELAY_MS} ms each (stand-in $ATTACH_RELEASE): $UP_RUNS runs of each, interleaved"
	sweep_projects
	docker rm -f "tp-$DAEMON_NAME" "tp-$DAEMON_NAME-cluster" >/dev/null 2>&1 || true
	rm -rf "$STANDIN" && mkdir -p "$STANDIN"
	local d=$ATTACH_DELAY_MS
	printf '{"daemon_name": "%s", "release": "%s", "intercepts": {"tpbench-a": {"delay_ms": %d}, "tpbench-b": {"delay_ms": %d}, "tpbench-c": {"delay_ms": %d}, "tpbench-tap": {"delay_ms": %d}}}\n' \
		"$DAEMON_NAME" "$ATTACH_RELEASE" "$d" "$d" "$d" "$d" >"$STANDIN/fixture.json"
	daemon_started=true
	tp connect --docker >/dev/null # once, as a user's daemon would be
	local dir=$WORK/attach
	attach_files "$dir"
	local tp_files=(-f "$dir/compose.yaml" -f "$dir/compose.telepresence.yaml")
	attach_tp() {
		local before made
		before=$(wc -l <"$STANDIN/calls.jsonl")
		"$BIN/benchtool" stopwatch -running "$ATTACH_TP=4" -- \
			docker telepresence -p "$ATTACH_TP" "${tp_files[@]}" up -d >>"$SAMPLES/attach-tp"
		made=$(tail -n +"$((before + 1))" "$STANDIN/calls.jsonl" | grep -cE '^\{"args":\["(intercept|replace|wiretap)"' || true)
		((made == 4)) || die "one up -d made $made attachments, want 4"
		docker telepresence -p "$ATTACH_TP" "${tp_files[@]}" down >/dev/null 2>&1
	}
	attach_compose() {
		"$BIN/benchtool" stopwatch -running "$ATTACH_COMPOSE=4" -- \
			docker compose -p "$ATTACH_COMPOSE" -f "$dir/compose.plain.yaml" up -d >>"$SAMPLES/attach-compose"
		docker compose -p "$ATTACH_COMPOSE" -f "$dir/compose.plain.yaml" down >/dev/null 2>&1
	}
	# A warm-up run of each, not part of any figure.
	attach_tp
	attach_compose
	attach_standin
	rm -f "$SAMPLES"/attach-*
	for ((i = 0; i < UP_RUNS; i++)); do
		if ((i % 2 == 0)); then
			attach_tp
			attach_compose
		else
			attach_compose
			attach_tp
		fi
		attach_standin
	done
	tp quit >/dev/null
	local budget over own
	budget=$(awk -v c="$(med attach-compose)" -v s="$ATTACH_SLACK_MS" 'BEGIN { printf "%.1f", c + s }')
	over=$(awk -v a="$(med attach-tp)" -v c="$(med attach-compose)" 'BEGIN { printf "%.1f", a - c }')
	own=$(awk -v o="$over" -v s="$(med attach-standin)" 'BEGIN { printf "%.1f", o - s }')
	row 6 "\`up -d\`, 4 handlers whose attachments (2 intercepts, a replace, a wiretap) take ${ATTACH_DELAY_MS} ms each in the stand-in ($ATTACH_RELEASE, daemon connected); ours − compose: $over ms" \
		"$(range attach-tp)" "$(range attach-compose)" "$(ratio "$(med attach-tp)" "$(med attach-compose)")" \
		"≤ compose + ${ATTACH_SLACK_MS} ms = $budget ms" "$(verdict "$(med attach-tp)" "$budget")"
	row 6 "stand-in alone: the same four attachments at once (no plugin, no Compose)" "$(range attach-standin)" "" "" "" ""
	row 6 "ours − compose − the stand-in alone: the plugin's own cost around the attachments" "$own ms" "" "" "" ""
}
