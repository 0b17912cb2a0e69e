# shellcheck shell=bash
# Section 4 of scripts/bench.sh, which sources this file and runs bench_up
# in each network model, with its helpers (sw, med, range, row, tp,
# sweep_projects) and names (BIN, WORK, STANDIN, DAEMON_NAME, BUSYBOX_IMAGE,
# UP_RUNS).

UP_TP=tpbench-up-tp
UP_COMPOSE=tpbench-up-compose
HANDLER_PORT=47391                # published by the daemon for the handler
PLAIN_PORT=47392                  # published by the handler under plain compose
UP_CONTAINERS=19                  # 20 services, one of them remote

# bench_up MODEL RELEASE TARGET: the stand-in emulates RELEASE (a netns or a
# Teleroute release), its daemon connected once beforehand, as a user's
# would be; ours must stay within TARGET × compose plus the stand-in calls.
bench_up() {
	local model=$1 release=$2 target=$3 network connect_args=()
	log "4. up -d of a 20-service project, $model model (stand-in $release): $UP_RUNS runs of each, interleaved"
	sweep_projects
	if docker container inspect "tp-$DAEMON_NAME" >/dev/null 2>&1; then
		echo "removing tp-$DAEMON_NAME left by an earlier run" >&2
		docker rm -f "tp-$DAEMON_NAME" "tp-$DAEMON_NAME-cluster" >/dev/null 2>&1 || true
	fi
	rm -rf "$STANDIN" && mkdir -p "$STANDIN"
	printf '{"daemon_name": "%s", "release": "%s"}\n' "$DAEMON_NAME" "$release" >"$STANDIN/fixture.json"
	if [[ $model == netns ]]; then
		network=telepresence connect_args=(--expose "127.0.0.1:$HANDLER_PORT:8080")
	else
		network=$DAEMON_NAME # the Teleroute network is named after the daemon
	fi
	# The stand-in's own cost. connect runs the daemon container (measured
	# here, then left running for the up runs); status and intercept are what
	# `up` calls each time.
	daemon_started=true
	for ((i = 0; i < UP_RUNS; i++)); do
		sw "standin-connect-$model" "$BIN/telepresence" connect --docker "${connect_args[@]}"
		tp quit >/dev/null
	done
	tp connect --docker "${connect_args[@]}" >/dev/null
	daemon_id=$(docker container inspect -f '{{.Id}}' "tp-$DAEMON_NAME")
	for ((i = 0; i < UP_RUNS; i++)); do
		sw "standin-status-$model" "$BIN/telepresence" status --output json
		sw "standin-intercept-$model" "$BIN/telepresence" intercept tpbench-probe --port 8080 --mount=false --detailed-output --output json
		tp leave tpbench-probe >/dev/null
	done

	dir=$WORK/up20-$model
	"$BIN/benchtool" gen up "$dir" "$BUSYBOX_IMAGE" "$HANDLER_PORT" "$PLAIN_PORT" "$network"
	tp_files=(-f "$dir/compose.yaml" -f "$dir/compose.telepresence.yaml")
	up_tp() {
		local before
		before=$(wc -l <"$STANDIN/calls.jsonl")
		"$BIN/benchtool" stopwatch -running "$UP_TP=$UP_CONTAINERS" -- \
			docker telepresence -p "$UP_TP" "${tp_files[@]}" up -d >>"$SAMPLES/up-tp-$model"
		# Which stand-in calls one `up -d` made, to add their cost to the budget.
		tail -n +"$((before + 1))" "$STANDIN/calls.jsonl" | sed -n 's/^{"args":\["\([a-z-]*\)".*/\1/p' >"$WORK/up-calls"
		# A connect means the daemon had gone (removed by someone else): that
		# run paid for starting it.
		! grep -qx connect "$WORK/up-calls" || reconnects=$((reconnects + 1))
		docker telepresence -p "$UP_TP" "${tp_files[@]}" down >/dev/null 2>&1
	}
	up_compose() {
		"$BIN/benchtool" stopwatch -running "$UP_COMPOSE=$UP_CONTAINERS" -- \
			docker compose -p "$UP_COMPOSE" -f "$dir/compose.plain.yaml" up -d >>"$SAMPLES/up-compose-$model"
		docker compose -p "$UP_COMPOSE" -f "$dir/compose.plain.yaml" down -v >/dev/null 2>&1
	}
	reconnects=0
	# Alternate which side goes first, so neither always runs on a warmer engine.
	# (Each call on its own line: bash ignores `set -e` inside a function
	# called as part of an && list.)
	for ((i = 0; i < UP_RUNS; i++)); do
		if ((i % 2 == 0)); then
			up_tp
			up_compose
		else
			up_compose
			up_tp
		fi
		for p in "$UP_TP" "$UP_COMPOSE"; do
			left=$(docker ps -aq --filter "label=com.docker.compose.project=$p" | wc -l)
			((left == 0)) || die "down left $left containers of $p behind"
		done
	done
	[[ $(docker container inspect -f '{{.Id}}' "tp-$DAEMON_NAME" 2>/dev/null) == "$daemon_id" ]] ||
		echo "WARNING: the daemon container tp-$DAEMON_NAME was replaced during the up runs ($reconnects of them connected again)" >&2

	# One more run of each, untimed, through a logging proxy: which engine
	# calls make the difference. The stand-in's own docker CLI calls show as
	# Docker-Client/<CLI version>, the plugin's as Docker-Client/unknown-version.
	"$BIN/benchtool" apilog -- docker telepresence -p "$UP_TP" "${tp_files[@]}" up -d >"$WORK/api-tp-$model.txt"
	docker telepresence -p "$UP_TP" "${tp_files[@]}" down >/dev/null 2>&1
	"$BIN/benchtool" apilog -- docker compose -p "$UP_COMPOSE" -f "$dir/compose.plain.yaml" up -d >"$WORK/api-compose-$model.txt"
	docker compose -p "$UP_COMPOSE" -f "$dir/compose.plain.yaml" down -v >/dev/null 2>&1
	tp quit >/dev/null

	# Budget: TARGET × compose, plus the stand-in calls that one `up -d` made.
	standin_ms=0
	calls=""
	while read -r call; do
		calls+="${calls:+, }$call"
		case $call in
		status | intercept | connect) standin_ms=$(awk -v a="$standin_ms" -v b="$(med "standin-$call-$model")" 'BEGIN { print a + b }') ;;
		esac
	done <"$WORK/up-calls"
	budget=$(awk -v c="$(med "up-compose-$model")" -v s="$standin_ms" -v t="$target" 'BEGIN { printf "%.1f", t * c + s }')
	r=$(ratio "$(med "up-tp-$model")" "$(med "up-compose-$model")")
	row 4 "\`up -d\`, $model model (stand-in $release), 20 services, to $UP_CONTAINERS running (daemon connected)" \
		"$(range "up-tp-$model")" "$(range "up-compose-$model")" "$r" \
		"≤ $target × compose + stand-in = $budget ms" "$(verdict "$(med "up-tp-$model")" "$budget")"
	row 4 "$model: stand-in calls per \`up -d\`: $calls" "$standin_ms ms" "" "" "" ""
	row 4 "$model: stand-in \`status\`" "$(range "standin-status-$model")" "" "" "" ""
	row 4 "$model: stand-in \`intercept\`" "$(range "standin-intercept-$model")" "" "" "" ""
	row 4 "$model: stand-in \`connect --docker\` (not in the up runs; runs that had to reconnect: $reconnects)" "$(range "standin-connect-$model")" "" "" "" ""
}
