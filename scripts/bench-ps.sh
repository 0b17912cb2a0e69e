# shellcheck shell=bash
# Section 7 of scripts/bench.sh, which sources this file and runs bench_ps,
# with its helpers (sw, med, range, ratio, row, verdict, sweep_projects) and
# names (WORK, SAMPLES, BUSYBOX_IMAGE, RUNS).

PS_PROJECT=tpbench-ps
PS_SERVICES=20

# bench_ps: `ps` of a running 20-service project, ours and compose's, on
# the same two files (one service a handler, one remote in the override);
# ours must stay within 1.10 × compose. No Telepresence is involved on
# either side: ours asks none for ps.
bench_ps() {
	local dir=$WORK/ps i
	log "7. ps of a running $PS_SERVICES-service project: $RUNS runs of each, interleaved"
	sweep_projects
	mkdir -p "$dir"
	{
		echo "services:"
		for ((i = 0; i < PS_SERVICES; i++)); do
			printf '  s%d:\n    image: %s\n    init: true\n    command: ["sleep", "3600"]\n' "$i" "$BUSYBOX_IMAGE"
		done
	} >"$dir/compose.yaml"
	cat >"$dir/compose.telepresence.yaml" <<-YAML
		services:
		  s0:
		    x-telepresence: {behavior: interceptHandler}
		  s1:
		    x-telepresence: {behavior: remote}
	YAML
	# Running: Compose brings up the plain file, every service local.
	docker compose -p "$PS_PROJECT" -f "$dir/compose.yaml" up -d --quiet-pull >/dev/null 2>&1 || die "docker compose up of the ps project failed"
	local files=(-p "$PS_PROJECT" -f "$dir/compose.yaml" -f "$dir/compose.telepresence.yaml")
	local lines_tp lines_compose
	lines_tp=$(docker telepresence "${files[@]}" ps | wc -l)
	lines_compose=$(docker compose "${files[@]}" ps | wc -l)
	for ((i = 0; i < RUNS; i++)); do
		sw tp-ps docker telepresence "${files[@]}" ps
		sw compose-ps docker compose "${files[@]}" ps
	done
	docker compose -p "$PS_PROJECT" down -t 0 >/dev/null 2>&1 || true
	r=$(ratio "$(med tp-ps)" "$(med compose-ps)")
	row 7 "\`ps\`, a running $PS_SERVICES-service project (output: ours $lines_tp lines, compose $lines_compose)" \
		"$(range tp-ps)" "$(range compose-ps)" "$r" "≤ 1.10" "$(verdict "$r" 1.10)"
}
