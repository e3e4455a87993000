#!/usr/bin/env bash
# Benchmarks/run.sh: the driver behind `make bench` (see Benchmarks/README.md).
#
# Builds the release binaries and the C helpers, generates seeded corpora under
# Benchmarks/.work/, measures, and writes Benchmarks/results/RESULTS.md:
#   1. in-process decisions/s on one thread (approval-bench), fast path checked against plain path
#   2. `approvalctl dry-run` over 20,000 files, --jobs 1 / 2 / default, against parse_floor
#   3. one-shot `approvalctl evaluate` latency beside /bin/true
#   4. peak RSS of the dry run at 10,000 and 100,000 snapshots
#   5. instruction profiles (callgrind, or perf when the CPU counters work) of 1 and 2
#   6. the decision ledger: recording throughput in batches, bytes per record, `ledger verify` of
#      100,000 records against `dry-run` of the same snapshots as files, `evaluate --ledger` latency;
#      one decision a transaction into SQLite and into PostgreSQL (a throwaway cluster, Debian's
#      postgresql installed if missing) with 1 and 3 writers
#   7. the decision service under wrk (Debian's package, installed if missing): POST /v1/decisions
#      at 1, 16 and 64 connections against a floor server, and its memory under a 60-second load
#
# Usage: Benchmarks/run.sh [--quick] [--sections 1,2,3,4,5,6,7] [--skip-build]
#   --quick       small corpora and few runs (a smoke test); writes Benchmarks/results/tmp/RESULTS-quick.md
#   --sections    only these sections (the others show as "not run")
#   --skip-build  use the binaries already built
# Environment: BENCH_SCRATCH_PATH (SwiftPM scratch folder, default .build), BENCH_SEED (default 42),
#              BENCH_PROFILER (callgrind or perf; default: perf if `perf stat -e instructions` works).
#
# Exit status: 0 when everything ran (targets may still be missed: see the table), 1 when a check
# failed (fast path differs from plain path, a command failed, --jobs changed the output), 2 on usage.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# MARK: - Settings

scratch=${BENCH_SCRATCH_PATH:-.build}
seed=${BENCH_SEED:-42}
now=2025-06-01T00:00:00Z
rules=Benchmarks/rules/benchmark.rules.json
work=Benchmarks/.work
results=Benchmarks/results/RESULTS.md

count=20000        # sections 1, 2
rss_small=10000    # section 4
rss_large=100000
profile_count=2000 # section 5
passes=5           # approval-bench evaluation passes
repeats=9          # timed rounds of the dry-run section (floor and each configuration once a round; 9: this
                   # shared VM drifts by several per cent between rounds, and the median of 9 holds steadier)
evaluate_runs=50   # timed one-shot runs (median)
ledger_count=100000 # section 6
ledger_batch=500
pg_count=5000       # section 6, recording one decision a transaction (SQLite, PostgreSQL with 1 and 3 writers)
wrk_seconds=10      # section 7, each load
wrk_rounds=3        # section 7: interleaved rounds (service, then floor) at each connection count
soak_seconds=60
sections=1,2,3,4,5,6,7
build=1
quick=0

usage() {
    sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
        --quick)
            quick=1
            count=2000 rss_small=1000 rss_large=10000 profile_count=300 passes=3 repeats=3 evaluate_runs=20 ledger_count=5000 pg_count=1000
            wrk_seconds=3 soak_seconds=10 wrk_rounds=1
            results=Benchmarks/results/tmp/RESULTS-quick.md
            ;;
        --sections)
            [ $# -ge 2 ] || usage
            sections=$2
            shift
            ;;
        --skip-build) build=0 ;;
        -h | --help) usage ;;
        *)
            echo "run.sh: unknown argument $1" >&2
            usage
            ;;
    esac
    shift
done

wants() { [[ ",$sections," == *",$1,"* ]]; }
log() { printf 'bench: %s\n' "$*" >&2; }

failures=()
fail_check() {
    log "CHECK FAILED: $*"
    failures+=("$*")
}

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
raw="$work/raw"
mkdir -p "$work/bin" "$raw" "$work/profile" "$(dirname "$results")"

# MARK: - Helpers

# value_of KEY: the value of KEY=... in stdin (space- or newline-separated key=value pairs).
value_of() { tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }

# calc EXPRESSION: floating-point arithmetic (awk), printed with up to 3 decimals.
calc() { awk "BEGIN { v = $1; printf (v == int(v) ? \"%d\" : \"%.3f\"), v }"; }
# median: the median of the numbers on stdin, one a line (3 decimals).
median() { sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# percent_change FROM TO: "+1.234 %" or "-0.500 %".
percent_change() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f %%", (b - a) * 100 / a }'; }

# verdict OK: PASS or FAIL.
verdict() { if [ "$1" = 1 ]; then echo "**PASS**"; else echo "**FAIL**"; fi; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }' && echo 1 || echo 0; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }' && echo 1 || echo 0; }

# thousands N: 1234567 -> 1,234,567
thousands() { printf '%s' "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|[,.]\)/\1,\2\3/' -e 'ta'; }

rows=()      # the summary table
details=()   # the rest of the report, section by section
row() { rows+=("| $1 | $2 | $3 | $4 | $5 |"); }
detail() { details+=("$@"); }

# MARK: - Build

products=()
wants 1 && products+=(approval-bench)
wants 5 && products+=(approval-bench)
wants 6 && products+=(approval-ledger-bench)
wants 7 && products+=(approval-service-floor)
cli=0
if wants 2 || wants 3 || wants 4 || wants 5 || wants 6 || wants 7; then cli=1; fi

release_flags=(-c release --static-swift-stdlib --scratch-path "$scratch")
if [ "$build" = 1 ]; then
    ./scripts/setup.sh
    for product in $(printf '%s\n' "${products[@]}" approval-workload | sort -u); do
        log "building $product (release)"
        swift build "${release_flags[@]}" --product "$product" >&2
    done
    if [ "$cli" = 1 ]; then
        # The CLI as `make build` installs it: approvalctl fully static (scripts/build-cli.sh).
        log "building approvalctl (release, static executable)"
        # Sections 6 and 7 also need the companion, which runs `ledger verify` and `serve`.
        if wants 6 || wants 7; then
            SCRATCH="$scratch" ./scripts/build-cli.sh "$work/bin"
        else
            SCRATCH="$scratch" ./scripts/build-cli.sh --no-live "$work/bin"
        fi
    fi
    log "compiling the C helpers"
    # shellcheck disable=SC2046 # pkg-config prints several flags on purpose
    cc -O2 -Wall -Wextra -o "$work/bin/parse_floor" Benchmarks/floor/parse_floor.c $(pkg-config --cflags --libs jansson)
    cc -O2 -Wall -Wextra -o "$work/bin/spawn_time" Benchmarks/floor/spawn_time.c
fi
bin=$(swift build "${release_flags[@]}" --show-bin-path)
ctl="$work/bin/approvalctl"
workload="$bin/approval-workload"
bench="$bin/approval-bench"
ledger_bench="$bin/approval-ledger-bench"
service_floor="$bin/approval-service-floor"
floor="$work/bin/parse_floor"
spawn="$work/bin/spawn_time"

# make_corpus COUNT LAYOUT: prints the folder holding COUNT snapshots of the seed, generating it
# unless it exists and was made by a generator with the same output (a digest of 3 snapshots).
make_corpus() {
    local n=$1 layout=$2 dir="$work/corpus-$1-$2" stamp
    stamp="count=$n seed=$seed layout=$layout digest=$("$workload" --count 3 --seed "$seed" --ndjson - --quiet | sha256sum | cut -c1-16)"
    if [ ! -f "$dir.stamp" ] || [ "$(cat "$dir.stamp")" != "$stamp" ]; then
        log "generating $n snapshots ($layout) in $dir"
        rm -rf "$dir" "$dir.stamp"
        "$workload" --count "$n" --seed "$seed" --out "$dir" --layout "$layout"
        echo "$stamp" > "$dir.stamp"
    fi
    echo "$dir"
}

# dry_run DIR [ARGS...]: sets the array `dry` to the dry-run command line used everywhere: without
# the cache of parsed files (as every dry run was before it), unless `dry_cache` names its folder.
dry=()
dry_run() {
    local dir=$1
    shift
    local cache=(--no-cache)
    [ -z "${dry_cache:-}" ] || cache=(--cache-dir "$dry_cache")
    dry=("$ctl" dry-run "$dir" --rules "$rules" --now "$now" --format "${dry_format:-json}" --no-progress "${cache[@]}" "$@")
}

# MARK: - 1. In-process decisions/s

if wants 1; then
    log "1. in-process: approval-bench on $count snapshots, $passes passes"
    status=0
    "$bench" --rules "$rules" --count "$count" --seed "$seed" --passes "$passes" --now "$now" \
        > "$raw/bench.txt" 2> "$raw/bench.stderr" || status=$?
    out=$(cat "$raw/bench.txt")
    if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
        fail_check "approval-bench exited with status $status (see $raw/bench.stderr)"
        row 1 "Decisions/s, one thread, prepared snapshots" "did not run (status $status)" "≥ 1,000,000" "**FAIL**"
    else
        rate=$(value_of evaluate_median_per_second <<< "$out")
        cpu_rate=$(value_of evaluate_cpu_median_per_second <<< "$out")
        mismatches=$(value_of mismatches <<< "$out")
        full_rate=$(value_of evaluate_full_median_per_second <<< "$out")
        hot_rate=$(value_of evaluate_hot_median_per_second <<< "$out")
        unprepared_rate=$(value_of evaluate_unprepared_median_per_second <<< "$out")
        row 1 "Decisions/s, one thread, prepared snapshots (projection parse, facts laid out for the rules; median of $passes passes of $(thousands "$count"))" \
            "$(thousands "$rate") ($(thousands "$cpu_rate") per CPU second)" "≥ 1,000,000" "$(verdict "$(ge "$rate" 1000000)")"
        row 1 "Decisions/s, the same snapshots not laid out (each evaluation looks its facts up)" "$(thousands "$unprepared_rate")" "–" "–"
        row 1 "Decisions/s, the snapshots fully parsed (not laid out)" "$(thousands "$full_rate")" "–" "–"
        row 1 "Decisions/s, $(value_of hot_count <<< "$out") of them evaluated again and again (in cache)" "$(thousands "$hot_rate")" "–" "–"
        row 1 "Fast path (projection) decisions = plain path decisions" \
            "$mismatches of $(thousands "$count") differ" "0" "$(verdict "$([ "$mismatches" = 0 ] && echo 1 || echo 0)")"
        [ "$mismatches" = 0 ] || fail_check "$mismatches decisions differ between the projection and the full parse"
        detail "## 1. In-process decisions" "" \
            "\`approval-bench --count $count --seed $seed --passes $passes --now $now\`: generates the corpus," \
            "writes every snapshot as JSON bytes and prepares each once: parsed (\`ApprovalSnapshot\`" \
            "of \`JSONParser.parse(_:projection:)\` with the rules' projection, the path \`approvalctl\` and" \
            "services use), then with the facts the rules read laid out in its block (\`RuleSet.prepare\`)." \
            "After one warm-up pass it times $passes passes of \`RuleSet.evaluate\` over all of them on one" \
            "thread (the headline); then the same snapshots not laid out, where every evaluation looks its" \
            "facts up as a one-off evaluation does; then the snapshots fully parsed. It checks every decision" \
            "of the projection path, laid out or not, against the full parse, the in-memory value and the" \
            "snapshot read from its cache block (\`decision.json\` equal). The in-cache" \
            "figure times the first $(value_of hot_count <<< "$out") projected snapshots over and over: the difference to the" \
            "headline is time spent waiting for memory (20,000 snapshots do not fit in the CPU's caches)." "" \
            "Rates are per second of wall-clock time and, in brackets, per second of the thread's CPU time" \
            "(which leaves out time spent waiting for a core: the better figure on a busy machine)." "" \
            "| Measure | Value |" "|---|---|" \
            "| Evaluation passes (decisions/s) | $(value_of evaluate_passes_per_second <<< "$out" | tr ',' ' ') ($(value_of evaluate_cpu_passes_per_second <<< "$out" | tr ',' ' ')) |" \
            "| Median | $(thousands "$rate") decisions/s ($(thousands "$cpu_rate")); $(value_of evaluate_median_ns_per_decision <<< "$out") ns each |" \
            "| Not laid out (decisions/s) | $(value_of evaluate_unprepared_passes_per_second <<< "$out" | tr ',' ' '); median $(thousands "$unprepared_rate") ($(thousands "$(value_of evaluate_unprepared_cpu_median_per_second <<< "$out")")) |" \
            "| Fully parsed snapshots (decisions/s) | $(value_of evaluate_full_passes_per_second <<< "$out" | tr ',' ' '); median $(thousands "$full_rate") |" \
            "| In cache, $(value_of hot_count <<< "$out") snapshots | $(thousands "$hot_rate") decisions/s ($(thousands "$(value_of evaluate_hot_cpu_median_per_second <<< "$out")")) |" \
            "| Full parse + evaluate (bytes in memory) | $(thousands "$(value_of full_parse_evaluate_per_second <<< "$out")")/s ($(thousands "$(value_of full_parse_evaluate_per_cpu_second <<< "$out")")) |" \
            "| Projection parse + evaluate (bytes in memory) | $(thousands "$(value_of projection_parse_evaluate_per_second <<< "$out")")/s ($(thousands "$(value_of projection_parse_evaluate_per_cpu_second <<< "$out")")) |" \
            "| Corpus | $(thousands "$(value_of corpus_bytes <<< "$out")") bytes, generated in $(value_of generate_seconds <<< "$out") s |" \
            "" "Decision mix (what the benchmark rules make of the corpus):" "" '```' \
            "$(grep -E '^(decisions|fired)\.' "$raw/bench.txt")" '```' ""
    fi
else
    row 1 "Decisions/s, one thread" "not run" "≥ 1,000,000" "–"
fi

# MARK: - 2. Dry run vs parse floor

if wants 2; then
    corpus=$(make_corpus "$count" flat)
    log "2. dry run of $count files: warm-up read, then floor and dry runs ($repeats interleaved rounds)"
    # One read of every file first, so that the floor and the CLI are both measured warm.
    floor_check=$("$floor" "$corpus")
    [ "$(value_of errors <<< "$floor_check")" = 0 ] || fail_check "parse_floor could not parse every file: $floor_check"

    # Correctness first: the dry run succeeds, and --jobs does not change its output (summary or
    # one decision per line).
    for format in json ndjson; do
        for jobs in 1 2; do
            status=0
            dry_format=$format dry_run "$corpus" --jobs "$jobs"
            "${dry[@]}" > "$raw/dry-run-jobs$jobs.$format" 2> "$raw/dry-run-jobs$jobs.$format.stderr" || status=$?
            [ "$status" = 0 ] || fail_check "dry-run --format $format --jobs $jobs exited with status $status (see $raw/dry-run-jobs$jobs.$format.stderr)"
        done
        cmp -s "$raw/dry-run-jobs1.$format" "$raw/dry-run-jobs2.$format" || fail_check "dry-run --format $format output differs between --jobs 1 and --jobs 2"
    done
    [ "$(grep -c '"type":"decision"' "$raw/dry-run-jobs1.ndjson")" = "$count" ] || fail_check "dry-run --format ndjson did not write one decision line per file"
    # The cache of parsed files: a run that fills it and a run that reads every block back print
    # exactly what a run without it prints. The warm cache is kept for the timed rounds; the
    # filling runs get an empty folder each time.
    # (A file changed less than a second before a run is not cached: a corpus just generated waits.)
    [ -z "$(find "$corpus" -newermt '-2 seconds' -print -quit)" ] || sleep 2
    warm_cache="$work/cache-warm"
    fill_cache="$work/cache-fill"
    rm -rf "$warm_cache" "$fill_cache"
    for format in json ndjson; do
        for run in fill warm; do
            dry_cache=$warm_cache dry_format=$format dry_run "$corpus" --jobs 2
            "${dry[@]}" > "$raw/dry-run-$run.$format" 2> "$raw/dry-run-$run.$format.stderr" || fail_check "dry-run with the cache ($run, $format) failed (see $raw/dry-run-$run.$format.stderr)"
            cmp -s "$raw/dry-run-jobs1.$format" "$raw/dry-run-$run.$format" || fail_check "dry-run --format $format output differs with the cache ($run) from without it"
        done
    done
    # The same snapshots as one NDJSON stream: lines are cached by their contents (SHA-256).
    stream="$work/corpus-$count.ndjson"
    "$workload" --count "$count" --seed "$seed" --ndjson "$stream" --quiet
    stream_warm="$work/cache-stream-warm"
    rm -rf "$stream_warm"
    dry_run "$stream" --jobs 2
    "${dry[@]}" > "$raw/stream-plain.json" 2> "$raw/stream-plain.stderr" || fail_check "dry-run of the NDJSON stream failed (see $raw/stream-plain.stderr)"
    [ "$(jq -r '.summary.evaluated // .evaluated' "$raw/stream-plain.json" 2> /dev/null || echo "$count")" = "$count" ] || fail_check "dry-run of the NDJSON stream did not evaluate $count snapshots"
    for run in fill warm; do
        dry_cache=$stream_warm dry_run "$stream" --jobs 2
        "${dry[@]}" > "$raw/stream-$run.json" 2> "$raw/stream-$run.stderr" || fail_check "dry-run of the NDJSON stream with the cache ($run) failed"
        cmp -s "$raw/stream-plain.json" "$raw/stream-$run.json" || fail_check "dry-run of the NDJSON stream differs with the cache ($run) from without it"
    done
    dry_cache=$warm_cache dry_run "$corpus" --jobs 2 --verify-cache
    "${dry[@]}" > /dev/null 2> "$raw/dry-run-verify.stderr" || fail_check "dry-run --verify-cache failed"
    grep -q "^approvalctl: cache: $count snapshot(s) read from the cache and checked, 0 stale" "$raw/dry-run-verify.stderr" || fail_check "dry-run --verify-cache did not find every block current: $(cat "$raw/dry-run-verify.stderr")"

    # Interleaved rounds (after one warm-up round): the floor and every configuration once a
    # round, so a drift in the machine's speed (a shared VM's neighbours) hits all of them alike;
    # each ratio is the median of the round-by-round ratios.
    names=(floor dry-run-jobs1 dry-run-jobs2 dry-run-default ndjson-jobs1 ndjson-jobs2 fill-jobs1 fill-jobs2 warm-jobs1 warm-jobs2 warm-ndjson-jobs2 stream-jobs2 stream-fill-jobs2 stream-warm-jobs2)
    command_for() { # command_for NAME: sets the array `cmd` to NAME's command line
        case $1 in
            floor) cmd=("$floor" "$corpus") ;;
            dry-run-jobs1) dry_run "$corpus" --jobs 1 && cmd=("${dry[@]}") ;;
            dry-run-jobs2) dry_run "$corpus" --jobs 2 && cmd=("${dry[@]}") ;;
            dry-run-default) dry_run "$corpus" && cmd=("${dry[@]}") ;;
            ndjson-jobs1) dry_format=ndjson dry_run "$corpus" --jobs 1 && cmd=("${dry[@]}") ;;
            ndjson-jobs2) dry_format=ndjson dry_run "$corpus" --jobs 2 && cmd=("${dry[@]}") ;;
            fill-jobs1) dry_cache=$fill_cache dry_run "$corpus" --jobs 1 && cmd=("${dry[@]}") ;;
            fill-jobs2) dry_cache=$fill_cache dry_run "$corpus" --jobs 2 && cmd=("${dry[@]}") ;;
            warm-jobs1) dry_cache=$warm_cache dry_run "$corpus" --jobs 1 && cmd=("${dry[@]}") ;;
            warm-jobs2) dry_cache=$warm_cache dry_run "$corpus" --jobs 2 && cmd=("${dry[@]}") ;;
            warm-ndjson-jobs2) dry_cache=$warm_cache dry_format=ndjson dry_run "$corpus" --jobs 2 && cmd=("${dry[@]}") ;;
            stream-jobs2) dry_run "$stream" --jobs 2 && cmd=("${dry[@]}") ;;
            stream-fill-jobs2) dry_cache=$fill_cache dry_run "$stream" --jobs 2 && cmd=("${dry[@]}") ;;
            stream-warm-jobs2) dry_cache=$stream_warm dry_run "$stream" --jobs 2 && cmd=("${dry[@]}") ;;
        esac
    }
    for name in "${names[@]}"; do : > "$raw/$name.txt"; done
    for round in $(seq 0 "$repeats"); do
        for name in "${names[@]}"; do
            command_for "$name"
            rm -rf "$fill_cache"  # every filling run starts from an empty cache
            line=$("$spawn" -n 1 -w 0 -- "${cmd[@]}") || fail_check "$name failed (round $round)"
            [ "$round" = 0 ] || echo "$line" >> "$raw/$name.txt"
        done
    done
    runs_of() { # runs_of NAME KEY: KEY of each of NAME's timed runs, one per line
        while read -r line; do value_of "$2" <<< "$line"; done < "$raw/$1.txt"
    }
    ratio_to_floor() { # ratio_to_floor NAME KEY [BASE]: the median of NAME's KEY ÷ BASE's (the floor's), round by round
        paste -d' ' <(runs_of "$1" "$2") <(runs_of "${3:-floor}" "$2") | awk '{ printf "%.6f\n", $1 / $2 }' | median
    }

    floor_wall=$(runs_of floor wall_median_ms | median)
    detail "## 2. Dry run of $(thousands "$count") files vs. the parse floor" "" \
        "Floor: \`parse_floor DIR\` (C: walk the folder in name order, read each file, \`json_loadb\`, \`json_decref\`)." \
        "CLI: \`approvalctl dry-run DIR --rules $rules --now $now --format json|ndjson --no-progress [--jobs N]\`, stdout to /dev/null" \
        "(\`json\` writes the summary, \`ndjson\` a line per decision as scripts read it, then the summary), with \`--no-cache\`" \
        "(every file parsed, as before the cache), or with \`--cache-dir\`: *filling* an empty cache (emptied before each run)," \
        "or *warm* (every file's block in the cache: read back, not parsed)." \
        "Both warm (one full read first), timed by \`spawn_time\` (posix_spawn + wait4: wall clock, user + system CPU of" \
        "all threads) in $repeats interleaved rounds after a warm-up round: each round runs the floor and every" \
        "configuration once, so a drift in the machine's speed hits them alike. Times are medians of the rounds;" \
        "ratios are medians of the round-by-round ratios." "" \
        "| Command | Wall (ms) | CPU (ms) | Wall ÷ floor | CPU ÷ floor | Peak RSS (KB) | Wall of each round (ms) |" \
        "|---|---:|---:|---:|---:|---:|---|"
    for entry in "parse_floor|floor" "dry-run --jobs 1|dry-run-jobs1" "dry-run --jobs 2|dry-run-jobs2" "dry-run (default jobs: $(nproc) cores)|dry-run-default" "dry-run --format ndjson --jobs 1|ndjson-jobs1" "dry-run --format ndjson --jobs 2|ndjson-jobs2" "dry-run --jobs 1, filling the cache|fill-jobs1" "dry-run --jobs 2, filling the cache|fill-jobs2" "dry-run --jobs 1, warm cache|warm-jobs1" "dry-run --jobs 2, warm cache|warm-jobs2" "dry-run --format ndjson --jobs 2, warm cache|warm-ndjson-jobs2" "dry-run of the same snapshots as one NDJSON stream --jobs 2|stream-jobs2" "the NDJSON stream --jobs 2, filling the cache|stream-fill-jobs2" "the NDJSON stream --jobs 2, warm cache (lines found by SHA-256)|stream-warm-jobs2"; do
        label=${entry%%|*}
        name=${entry#*|}
        detail "| $label | $(runs_of "$name" wall_median_ms | median) | $(runs_of "$name" cpu_median_ms | median) | $(calc "$(ratio_to_floor "$name" wall_median_ms)") | $(calc "$(ratio_to_floor "$name" cpu_median_ms)") | $(runs_of "$name" rss_max_kb | sort -n | tail -n 1) | $(runs_of "$name" wall_median_ms | paste -sd' ' -) |"
    done
    detail ""
    ratio1=$(calc "$(ratio_to_floor dry-run-jobs1 wall_median_ms)")
    ratio2=$(calc "$(ratio_to_floor dry-run-jobs2 wall_median_ms)")
    ratio_default=$(calc "$(ratio_to_floor dry-run-default wall_median_ms)")
    row 2 "Dry run --jobs 1, wall ÷ parse floor ($(thousands "$count") files; median of $repeats interleaved rounds)" "$ratio1 ($(runs_of dry-run-jobs1 wall_median_ms | median) ms vs $floor_wall ms)" "≤ 1.15" "$(verdict "$(le "$ratio1" 1.15)")"
    row 2 "Dry run --jobs 2, wall ÷ parse floor" "$ratio2 ($(runs_of dry-run-jobs2 wall_median_ms | median) ms)" "≤ 0.60" "$(verdict "$(le "$ratio2" 0.6)")"
    row 2 "Dry run default jobs ($(nproc) cores), wall ÷ parse floor" "$ratio_default ($(runs_of dry-run-default wall_median_ms | median) ms)" "–" "–"
    ndjson1=$(calc "$(ratio_to_floor ndjson-jobs1 wall_median_ms)")
    ndjson2=$(calc "$(ratio_to_floor ndjson-jobs2 wall_median_ms)")
    row 2 "Dry run --format ndjson (a line per decision) --jobs 1, wall ÷ parse floor" "$ndjson1 ($(runs_of ndjson-jobs1 wall_median_ms | median) ms)" "≤ 1.15" "$(verdict "$(le "$ndjson1" 1.15)")"
    row 2 "Dry run --format ndjson --jobs 2, wall ÷ parse floor" "$ndjson2 ($(runs_of ndjson-jobs2 wall_median_ms | median) ms)" "≤ 0.60" "$(verdict "$(le "$ndjson2" 0.6)")"
    warm2=$(calc "$(ratio_to_floor warm-jobs2 wall_median_ms)")
    warm_ndjson2=$(calc "$(ratio_to_floor warm-ndjson-jobs2 wall_median_ms)")
    row 2 "Warm dry run (every file's block cached) --jobs 2, wall ÷ parse floor; output identical to a run without the cache" "$warm2 ($(runs_of warm-jobs2 wall_median_ms | median) ms)" "≤ 0.25" "$(verdict "$(le "$warm2" 0.25)")"
    row 2 "Warm dry run --format ndjson --jobs 2, wall ÷ parse floor" "$warm_ndjson2 ($(runs_of warm-ndjson-jobs2 wall_median_ms | median) ms)" "–" "–"
    fill1=$(calc "$(ratio_to_floor fill-jobs1 wall_median_ms dry-run-jobs1)")
    fill2=$(calc "$(ratio_to_floor fill-jobs2 wall_median_ms dry-run-jobs2)")
    row 2 "Cold dry run filling an empty cache ÷ the same without the cache, --jobs 1" "$fill1 ($(runs_of fill-jobs1 wall_median_ms | median) ms)" "≤ 1.02 (no slower; 2 % is the noise)" "$(verdict "$(le "$fill1" 1.02)")"
    row 2 "Cold dry run filling an empty cache ÷ the same without the cache, --jobs 2" "$fill2 ($(runs_of fill-jobs2 wall_median_ms | median) ms)" "≤ 1.02" "$(verdict "$(le "$fill2" 1.02)")"
    stream_warm2=$(calc "$(ratio_to_floor stream-warm-jobs2 wall_median_ms)")
    stream_fill2=$(calc "$(ratio_to_floor stream-fill-jobs2 wall_median_ms stream-jobs2)")
    row 2 "Warm dry run of the same snapshots as one NDJSON stream (lines found by SHA-256) --jobs 2, wall ÷ parse floor" "$stream_warm2 ($(runs_of stream-warm-jobs2 wall_median_ms | median) ms; no cache: $(runs_of stream-jobs2 wall_median_ms | median) ms)" "–" "–"
    row 2 "NDJSON stream filling an empty cache ÷ the same without the cache, --jobs 2" "$stream_fill2 ($(runs_of stream-fill-jobs2 wall_median_ms | median) ms)" "–" "–"

    # The CLI must decide like the library: same corpus, rules and clock as section 1.
    if wants 1 && command -v jq > /dev/null && [ -s "$raw/bench.txt" ]; then
        cli_mix=$(jq -r '(.summary // .) | .recommendations // empty | to_entries[] | "\(.key)=\(.value)"' "$raw/dry-run-jobs1.json" 2> /dev/null | sort || true)
        lib_mix=$(sed -n 's/^decisions\.\(approve\|request_changes\|hold\|reject\)=/\1=/p' "$raw/bench.txt" | sort)
        if [ -n "$cli_mix" ]; then
            if [ "$cli_mix" = "$lib_mix" ]; then
                detail "The dry run's recommendation counts equal approval-bench's for the same corpus: $(echo "$cli_mix" | tr '\n' ' ')" ""
            else
                fail_check "dry-run recommendation counts ($(echo "$cli_mix" | tr '\n' ' ')) differ from approval-bench's ($(echo "$lib_mix" | tr '\n' ' '))"
            fi
        fi
    fi
else
    row 2 "Dry run vs parse floor" "not run" "≤ 1.15 (jobs 1), ≤ 0.60 (jobs 2)" "–"
fi

# MARK: - 3. One-shot evaluate

if wants 3; then
    corpus=$(make_corpus "$count" flat)
    # A snapshot that carries the task object (the larger kind).
    snapshot=$(grep -l '"task":{' "$corpus"/snap-00000*.json | head -n 1 || true)
    snapshot=${snapshot:-$corpus/snap-000000.json}
    log "3. one-shot evaluate of $snapshot, $evaluate_runs runs"
    evaluate_line=$("$spawn" -n "$evaluate_runs" -w 3 -- "$ctl" evaluate "$snapshot" --rules "$rules" --now "$now" --format json) \
        || fail_check "approvalctl evaluate failed"
    true_line=$("$spawn" -n "$evaluate_runs" -w 3 -- /bin/true)
    help_line=$("$spawn" -n "$evaluate_runs" -w 3 -- "$ctl" --help)
    floor_one_line=$("$spawn" -n "$evaluate_runs" -w 3 -- "$floor" "$snapshot")
    evaluate_wall=$(value_of wall_median_ms <<< "$evaluate_line")
    row 3 "One-shot \`approvalctl evaluate\`, median wall of $evaluate_runs" "$evaluate_wall ms (/bin/true: $(value_of wall_median_ms <<< "$true_line") ms)" "≤ 5 ms" "$(verdict "$(le "$evaluate_wall" 5)")"
    detail "## 3. One-shot evaluate" "" \
        "\`approvalctl evaluate $snapshot --rules $rules --now $now --format json\` ($(wc -c < "$snapshot") bytes)," \
        "$evaluate_runs runs after 3 warm-up runs, each spawned and awaited by \`spawn_time\`, beside the same measure of" \
        "\`approvalctl --help\` (start-up and argument parsing, no rules), \`/bin/true\` (the cost of a process at all) and" \
        "\`parse_floor\` on the same file (a C process that parses it)." "" \
        "| Command | Median wall (ms) | Min | p90 | CPU median (ms) | Peak RSS (KB) |" "|---|---:|---:|---:|---:|---:|"
    for entry in "approvalctl evaluate|$evaluate_line" "approvalctl --help|$help_line" "/bin/true|$true_line" \
        "parse_floor (one file)|$floor_one_line"; do
        name=${entry%%|*}
        line=${entry#*|}
        detail "| $name | $(value_of wall_median_ms <<< "$line") | $(value_of wall_min_ms <<< "$line") | $(value_of wall_p90_ms <<< "$line") | $(value_of cpu_median_ms <<< "$line") | $(value_of rss_max_kb <<< "$line") |"
    done
    detail ""
else
    row 3 "One-shot evaluate" "not run" "≤ 5 ms" "–"
fi

# MARK: - 4. Peak RSS

if wants 4; then
    if [ ! -x /usr/bin/time ]; then
        log "installing GNU time (/usr/bin/time is missing)"
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time > /dev/null
    fi
    log "4. peak RSS of the dry run at $rss_small and $rss_large snapshots"
    small=$(make_corpus "$rss_small" nested)
    large=$(make_corpus "$rss_large" nested)
    detail "## 4. Peak RSS of the dry run" "" \
        "\`/usr/bin/time -f %M\` (peak resident set, KB) of \`approvalctl dry-run DIR --format json\` (stdout to /dev/null)," \
        "corpora in subfolders of 1,000 files (the dry run reads folders recursively)." "" \
        "| Jobs | $(thousands "$rss_small") snapshots (KB) | $(thousands "$rss_large") snapshots (KB) | Growth |" "|---|---:|---:|---:|"
    for jobs in default 1; do
        args=()
        [ "$jobs" = default ] || args=(--jobs "$jobs")
        kb=()
        for dir in "$small" "$large"; do
            dry_run "$dir" "${args[@]}"
            /usr/bin/time -f %M -o "$raw/rss.txt" "${dry[@]}" > /dev/null 2> "$raw/rss.stderr" \
                || fail_check "dry-run of $dir exited non-zero (see $raw/rss.stderr)"
            kb+=("$(tail -n 1 "$raw/rss.txt")")
        done
        growth=$(calc "(${kb[1]} - ${kb[0]}) * 100 / ${kb[0]}")
        detail "| $jobs | $(thousands "${kb[0]}") | $(thousands "${kb[1]}") | $(percent_change "${kb[0]}" "${kb[1]}") |"
        if [ "$jobs" = default ]; then
            ok=$([ "$(le "$growth" 10)" = 1 ] && [ "$(le "${kb[1]}" 51200)" = 1 ] && echo 1 || echo 0)
            row 4 "Peak RSS of the dry run (default jobs), $(thousands "$rss_small") → $(thousands "$rss_large") snapshots" \
                "$(calc "${kb[0]} / 1024") MB → $(calc "${kb[1]} / 1024") MB ($(percent_change "${kb[0]}" "${kb[1]}"))" \
                "within 10 %, < 50 MB" "$(verdict "$ok")"
        fi
    done
    detail ""
else
    row 4 "Peak RSS of the dry run" "not run" "within 10 %, < 50 MB" "–"
fi

# MARK: - 5. Profiles

profiler=${BENCH_PROFILER:-}
if [ -z "$profiler" ]; then
    if command -v perf > /dev/null && perf stat -x, -e instructions true 2>&1 | grep -q '^[0-9]'; then
        profiler=perf
    else
        profiler=callgrind
    fi
fi

# top_functions FILE: the 15 functions with the most self instructions (or samples), demangled.
top_functions() {
    local file=$1
    if [ "$profiler" = callgrind ]; then
        # Lines look like "  259,488,503 (23.67%)  path/file.c:function [/path/binary]": keep the count,
        # the function and the binary's name.
        callgrind_annotate --inclusive=no --threshold=100 "$file" 2> /dev/null \
            | grep -E '^ *[0-9,]+ \( *[0-9.]+%\)  ' | grep -v 'PROGRAM TOTALS' | head -n 15 \
            | sed -E -e 's/  (\?\?\?|[^ :]*\/[^ :]*|[^ :/]+\.(c|cc|cpp|h|S|s|swift)):/  /' \
                -e 's/ \[([^]]*\/)?([^]/]+)\]$/  (\2)/'
    else
        perf report -i "$file" --no-children --sort symbol --stdio 2> /dev/null | grep -v '^#' | grep '%' | head -n 15
    fi | swift demangle --simplified | cut -c1-160
}

# total_instructions FILE: the profile's total instruction count (callgrind only; empty otherwise).
total_instructions() {
    [ "$profiler" = callgrind ] || return 0
    callgrind_annotate --inclusive=no "$1" 2> /dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,
}

# per_item FILE COUNT WHAT: "Total: N instructions, M per WHAT." (callgrind only).
per_item() {
    local total
    total=$(total_instructions "$1")
    [ -n "$total" ] || return 0
    echo "Total: $(thousands "$total") instructions, $(thousands "$(awk -v t="$total" -v n="$2" 'BEGIN { printf "%d", t / n }')") per $3."
}

# profile NAME [--focus FUNCTION] -- COMMAND...: records a profile into $work/profile/NAME.*
profile() {
    local name=$1 focus=""
    shift
    if [ "$1" = --focus ]; then
        focus=$2
        shift 2
    fi
    shift # --
    if [ "$profiler" = callgrind ]; then
        local toggle=() program=$1
        shift
        [ -z "$focus" ] || toggle=("--toggle-collect=*$focus*")
        # Valgrind 3.19 gives up on some DWARF 5 debug info (as linked from swift-nio's C code), so
        # profile a copy without debug sections: the same code, and the symbol table keeps the names.
        if command -v objcopy > /dev/null; then
            objcopy --strip-debug "$program" "$work/bin/$(basename "$program").nodebug"
            program="$work/bin/$(basename "$program").nodebug"
        fi
        valgrind --tool=callgrind --callgrind-out-file="$work/profile/$name.callgrind" "${toggle[@]}" "$program" "$@" \
            > /dev/null 2> "$work/profile/$name.log" || return 1
        [ -s "$work/profile/$name.callgrind" ] || return 1
        echo "$work/profile/$name.callgrind"
    else
        local event=instructions
        perf stat -x, -e instructions true 2>&1 | grep -q "^[0-9]" || event="cpu-clock"
        perf record -q -e "$event" -g -o "$work/profile/$name.perf" -- "$@" > /dev/null 2> "$work/profile/$name.log" \
            || return 1
        echo "$work/profile/$name.perf"
    fi
}

if wants 5; then
    if [ "$profiler" = callgrind ] && ! command -v valgrind > /dev/null; then
        row 5 "Profiles" "not run: neither perf counters nor valgrind (apt-get install valgrind)" "–" "–"
    else
        log "5. profiles with $profiler ($profile_count snapshots)"
        corpus=$(make_corpus "$profile_count" flat)
        detail "## 5. Where the instructions go" ""
        if [ "$profiler" = callgrind ]; then
            detail "\`valgrind --tool=callgrind\`, then \`callgrind_annotate --inclusive=no\` (self instructions, Ir), names" \
                "demangled by \`swift demangle --simplified\`. (\`perf stat -e instructions\` is not supported on this machine.)" ""
        else
            detail "\`perf record -e instructions -g\` (or cpu-clock samples), \`perf report --no-children\` (self), demangled." ""
        fi
        status=0
        bench_profile=$(profile bench --focus runEvaluationPass -- "$bench" --rules "$rules" --count "$profile_count" \
            --seed "$seed" --passes 1 --parse-passes 0 --hot-count 0 --no-full --no-verify --no-unprepared \
            --now "$now") || status=$?
        if [ "$status" = 0 ]; then
            # runEvaluationPass runs twice: the untimed warm-up pass and the one timed pass.
            detail "### In-process evaluation (only inside \`runEvaluationPass\`: 2 passes over $(thousands "$profile_count") prepared snapshots, facts laid out)" "" \
                "$(per_item "$bench_profile" "$((2 * profile_count))" decision)" "" '```' "$(top_functions "$bench_profile")" '```' ""
        else
            fail_check "profiling approval-bench failed (see $work/profile/bench.log)"
        fi
        status=0
        unprepared_profile=$(profile bench-unprepared --focus runEvaluationPass -- "$bench" --rules "$rules" \
            --count "$profile_count" --seed "$seed" --passes 1 --parse-passes 0 --hot-count 0 --no-full --no-verify \
            --no-lay-out --now "$now") || status=$?
        if [ "$status" = 0 ]; then
            detail "The same snapshots not laid out (every evaluation looks its facts up): $(per_item "$unprepared_profile" "$((2 * profile_count))" decision)" ""
        else
            fail_check "profiling approval-bench --no-lay-out failed (see $work/profile/bench-unprepared.log)"
        fi
        status=0
        dry_run "$corpus" --jobs 1
        cli_profile=$(profile dry-run -- "${dry[@]}") || status=$?
        if [ "$status" = 0 ]; then
            detail "### \`approvalctl dry-run --jobs 1\`, whole process ($(thousands "$profile_count") files)" "" \
                "$(per_item "$cli_profile" "$profile_count" file)" "" '```' "$(top_functions "$cli_profile")" '```' ""
            floor_profile=$(profile floor -- "$floor" "$corpus") || true
            [ -z "$floor_profile" ] || detail "For comparison, \`parse_floor\` on the same files: $(per_item "$floor_profile" "$profile_count" file)" ""
        else
            fail_check "profiling the dry run failed (see $work/profile/dry-run.log)"
        fi
        row 5 "Profiles of 1 and 2 ($profiler)" "top 15 functions below" "–" "–"
    fi
else
    row 5 "Profiles" "not run" "–" "–"
fi

# MARK: - 6. Decision ledger

if wants 6; then
    corpus=$(make_corpus "$ledger_count" nested)
    ledger="$work/bench.ledger"
    log "6. recording $ledger_count decisions into $ledger, $ledger_batch per transaction"
    "$ledger_bench" --rules "$rules" --corpus "$corpus" --ledger "$ledger" --batch "$ledger_batch" --now "$now" \
        > "$raw/ledger-bench.txt" || fail_check "approval-ledger-bench failed"
    rate=$(value_of records_per_second < "$raw/ledger-bench.txt")
    row 6 "Recording into the ledger, $ledger_batch decisions a transaction (synchronous=FULL)" \
        "$(thousands "${rate:-0}") decisions/s" "≥ 5,000/s" "$(verdict "$(ge "${rate:-0}" 5000)")"
    row 6 "Ledger bytes per record ($(thousands "$ledger_count") distinct snapshots)" \
        "$(thousands "$(value_of bytes_per_record < "$raw/ledger-bench.txt")") (snapshot alone: $(thousands "$(value_of snapshot_bytes_per_record < "$raw/ledger-bench.txt")"))" "–" "–"

    # One decision a transaction, as the service records: SQLite beside PostgreSQL with 1 and 3
    # writers (each with its own connections, as separate instances have), into one chain.
    ./scripts/test-tools.sh
    pg_corpus=$(make_corpus "$pg_count" nested)
    # In /tmp: the server runs as the postgres user, who may not be able to enter the checkout.
    pg_dir=$(mktemp -d /tmp/approval-bench-pg.XXXXXX)
    pg_url=$(./scripts/pg-cluster.sh start "$pg_dir") || fail_check "the PostgreSQL cluster did not start"
    : > "$raw/ledger-one-by-one.txt"
    for setup in "sqlite 1" "postgres 1" "postgres 3"; do
        read -r backend writers <<< "$setup"
        if [ "$backend" = sqlite ]; then
            target="$work/one-by-one.ledger"
        else
            psql -h "$pg_dir" -U postgres -qc "DROP DATABASE IF EXISTS bench_$writers" -c "CREATE DATABASE bench_$writers" \
                > /dev/null || fail_check "cannot create the benchmark database"
            target="${pg_url/\/postgres\?//bench_$writers?}"
        fi
        log "6. recording $pg_count decisions one a transaction into $backend, $writers writer(s)"
        line=$("$ledger_bench" --rules "$rules" --corpus "$pg_corpus" --ledger "$target" --batch 1 --writers "$writers" \
            --now "$now" | tr '\n' ' ') || fail_check "approval-ledger-bench ($backend, $writers) failed"
        echo "backend=$backend $line" >> "$raw/ledger-one-by-one.txt"
        if [ "$backend" = postgres ]; then
            "$ctl" ledger verify "$target" > /dev/null || fail_check "ledger verify of the $writers-writer PostgreSQL ledger failed"
        fi
    done
    ./scripts/pg-cluster.sh destroy "$pg_dir" > /dev/null
    one_rate() { sed -n "$1p" "$raw/ledger-one-by-one.txt" | value_of records_per_second; }
    sqlite_one=$(one_rate 1) pg_one=$(one_rate 2) pg_three=$(one_rate 3)
    row 6 "Recording one decision a transaction (as \`serve\` does): SQLite, 1 writer" \
        "$(thousands "${sqlite_one:-0}") decisions/s" "–" "–"
    row 6 "… PostgreSQL (Unix socket, synchronous_commit=on), 1 writer" \
        "$(thousands "${pg_one:-0}") decisions/s ($(calc "${pg_one:-0} / ${sqlite_one:-1}") × SQLite)" "–" "–"
    row 6 "… PostgreSQL, 3 writers on one chain (3 instances' connections)" \
        "$(thousands "${pg_three:-0}") decisions/s ($(calc "${pg_three:-0} / ${pg_one:-1}") × 1 writer)" "–" "–"

    log "6. ledger verify vs dry-run of the same snapshots, 3 interleaved rounds"
    : > "$raw/verify.txt"
    : > "$raw/verify-dry-run.txt"
    dry_run "$corpus"
    for round in 1 2 3; do
        "$spawn" -n 1 -w 0 -- "$ctl" ledger verify "$ledger" --format json >> "$raw/verify.txt" \
            || fail_check "ledger verify failed"
        "$spawn" -n 1 -w 0 -- "${dry[@]}" >> "$raw/verify-dry-run.txt" || fail_check "dry-run failed"
    done
    verify_ms=$(grep -o 'wall_median_ms=[0-9.]*' "$raw/verify.txt" | cut -d= -f2 | sort -n | sed -n 2p)
    dry_ms=$(grep -o 'wall_median_ms=[0-9.]*' "$raw/verify-dry-run.txt" | cut -d= -f2 | sort -n | sed -n 2p)
    verify_ratio=$(calc "$verify_ms / $dry_ms")
    row 6 "\`ledger verify\` of $(thousands "$ledger_count") records (re-deciding each) ÷ \`dry-run\` of the same files (default jobs)" \
        "$verify_ratio ($verify_ms ms vs $dry_ms ms)" "≤ 2" "$(verdict "$(le "$verify_ratio" 2)")"

    snapshot=$(find "$corpus" -name '*.json' | sort | sed -n 1p)
    one_ledger="$work/one-shot.ledger"
    rm -f "$one_ledger" "$one_ledger-wal" "$one_ledger-shm"
    "$ctl" evaluate "$snapshot" --rules "$rules" --now "$now" --ledger "$one_ledger" > /dev/null || fail_check "evaluate --ledger failed"
    with_line=$("$spawn" -n "$evaluate_runs" -w 3 -- "$ctl" evaluate "$snapshot" --rules "$rules" --now "$now" --format json --ledger "$one_ledger") \
        || fail_check "evaluate --ledger failed"
    without_line=$("$spawn" -n "$evaluate_runs" -w 3 -- "$ctl" evaluate "$snapshot" --rules "$rules" --now "$now" --format json)
    added=$(calc "$(value_of wall_median_ms <<< "$with_line") - $(value_of wall_median_ms <<< "$without_line")")
    row 6 "\`evaluate --ledger\` minus \`evaluate\`, median wall of $evaluate_runs" \
        "$added ms ($(value_of wall_median_ms <<< "$with_line") vs $(value_of wall_median_ms <<< "$without_line") ms)" "≤ 5 ms" "$(verdict "$(le "$added" 5)")"
    detail "## 6. Decision ledger" "" \
        "Recording: \`approval-ledger-bench\` decides $(thousands "$ledger_count") generated snapshots, then times recording them" \
        "$ledger_batch per transaction into a new ledger (SQLite WAL, synchronous=FULL): $(tr '\n' ' ' < "$raw/ledger-bench.txt")" "" \
        "Verification: \`approvalctl ledger verify LEDGER --format json\` (chain, digests, every decision re-decided) and" \
        "\`approvalctl dry-run DIR\` over the same snapshots as files, alternated for 3 rounds; the middle round of each is compared." "" \
        "One-shot: \`evaluate --ledger\` records inside the fully static \`approvalctl\` (GRDB, SQLite and swift-crypto linked in)," \
        "into a ledger that already holds a record; medians of $evaluate_runs runs, with and without \`--ledger\`." "" \
        "One decision a transaction: \`approval-ledger-bench --batch 1 --writers N\` over $(thousands "$pg_count") snapshots, into a new SQLite" \
        "file and into new databases of a throwaway PostgreSQL cluster on this machine (scripts/pg-cluster.sh: Unix socket," \
        "default durability); each PostgreSQL ledger is then checked with \`ledger verify\`. Raw lines:" \
        "$(sed 's/^/    /' "$raw/ledger-one-by-one.txt")" ""
else
    row 6 "Decision ledger" "not run" "≥ 5,000/s; verify ≤ 2 × dry-run; +5 ms" "–"
fi

# MARK: - 7. Decision service

# start_server NAME COMMAND...: starts a server that prints "listening on URL" and sets `url` and `pid`.
start_server() {
    local name=$1
    shift
    "$@" > "$raw/$name.out" 2> "$raw/$name.err" &
    pid=$!
    url=""
    for _ in $(seq 300); do
        url=$(sed -n 's/^listening on //p' "$raw/$name.out" | head -n 1)
        [ -n "$url" ] && return 0
        sleep 0.1
    done
    fail_check "$name did not start (see $raw/$name.err)"
    return 1
}

# wrk_run NAME URL CONNECTIONS SECONDS: one wrk load; prints "rps p50_ms p99_ms non200".
# One wrk thread: on this 2-core machine a second one takes a core from the server it measures,
# and one keeps 64 connections busy (the floor answers as many requests a second either way).
wrk_run() {
    local name=$1 target=$2 connections=$3 seconds=$4
    SNAPSHOT="$snapshot" wrk -t1 -c"$connections" -d"${seconds}s" --latency \
        -s Benchmarks/wrk/post-snapshot.lua "$target" > "$raw/wrk-$name-c$connections.txt" 2>&1
    awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec:/ { rps = $2 } /^non200=/ { split($0, a, "="); bad = a[2] }
        END { printf "%s %.3f %.3f %s\n", rps, p50, p99, bad + 0 }' "$raw/wrk-$name-c$connections.txt"
}

if wants 7; then
    if ! command -v wrk > /dev/null; then
        log "7. installing wrk (Debian)"
        sudo=""
        [ "$(id -u)" -ne 0 ] && sudo=sudo
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk > /dev/null \
            || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk > /dev/null; }
    fi
    corpus=$(make_corpus "$count" flat)
    snapshot=$(find "$corpus" -name '*.json' -size +6000c -size -7001c | sort | sed -n 1p)
    log "7. the decision service under wrk, $(wc -c < "$snapshot")-byte snapshot, ${wrk_seconds}s a load"
    start_server serve "$ctl" serve --rules "$rules" --port 0
    serve_pid=$pid serve_url=$url
    start_server floor "$service_floor" --port 0
    floor_pid=$pid floor_url=$url
    detail "## 7. Decision service" "" \
        "\`wrk --latency\` POSTs \`$(basename "$snapshot")\` ($(wc -c < "$snapshot") bytes) to \`approvalctl serve --rules $rules\`" \
        "(\`/v1/decisions\`, one log line per request to a file) and to \`approval-service-floor\` (the same Hummingbird server," \
        "one route: read the body, parse it with jansson, answer \`{\"ok\":true}\`), ${wrk_seconds} s a load. At each connection count," \
        "$wrk_rounds interleaved rounds of service then floor; the figures are medians of the rounds, the ratio the median of" \
        "the round-by-round ratios (one load's ratio moves by ±0.03 on this VM). wrk (one thread) runs on the same 2 cores as the server." "" \
        "| Connections | Service req/s | p50 (ms) | p99 (ms) | Floor req/s | p50 (ms) | p99 (ms) | Service ÷ floor | Ratio of each round |" \
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for connections in 1 16 64; do
        : > "$raw/wrk-rounds-c$connections.txt"
        for _ in $(seq "$wrk_rounds"); do
            read -r s_rps s_p50 s_p99 s_bad <<< "$(wrk_run service "$serve_url/v1/decisions" "$connections" "$wrk_seconds")"
            read -r f_rps f_p50 f_p99 f_bad <<< "$(wrk_run floor "$floor_url/" "$connections" "$wrk_seconds")"
            [ "${s_bad:-1}" = 0 ] || fail_check "the service answered $s_bad requests with a status other than 200 at $connections connections"
            echo "$s_rps $s_p50 $s_p99 $f_rps $f_p50 $f_p99 $(calc "$s_rps / $f_rps")" >> "$raw/wrk-rounds-c$connections.txt"
        done
        column_of() { awk -v c="$1" '{ print $c }' "$raw/wrk-rounds-c$connections.txt" | median; }
        s_rps=$(column_of 1) s_p50=$(column_of 2) s_p99=$(column_of 3) f_rps=$(column_of 4) f_p50=$(column_of 5) f_p99=$(column_of 6)
        ratio=$(column_of 7)
        detail "| $connections | $s_rps | $s_p50 | $s_p99 | $f_rps | $f_p50 | $f_p99 | $ratio | $(awk '{ print $7 }' "$raw/wrk-rounds-c$connections.txt" | paste -sd' ' -) |"
        if [ "$connections" = 64 ]; then
            row 7 "Service throughput at 64 connections ÷ floor (median of $wrk_rounds interleaved rounds)" "$ratio ($s_rps vs $f_rps req/s)" "≥ 0.80" "$(verdict "$(ge "$ratio" 0.8)")"
            row 7 "Service p99 latency at 64 connections" "$s_p99 ms (p50 $s_p50 ms)" "< 20 ms" "$(verdict "$(le "$s_p99" 20)")"
        fi
    done
    before=$(awk '/VmRSS/ { print $2 }' "/proc/$serve_pid/status")
    log "7. ${soak_seconds}s load at 16 connections for the memory figure"
    read -r soak_rps _ soak_p99 _ <<< "$(wrk_run soak "$serve_url/v1/decisions" 16 "$soak_seconds")"
    after=$(awk '/VmRSS/ { print $2 }' "/proc/$serve_pid/status")
    peak=$(awk '/VmHWM/ { print $2 }' "/proc/$serve_pid/status")
    growth=$(calc "($after - $before) * 100 / $before")
    row 7 "Service memory under a ${soak_seconds}-second load (16 connections, $soak_rps req/s)" \
        "RSS $(thousands "$before") → $(thousands "$after") KB ($growth %), peak $(thousands "$peak") KB" "flat" "–"
    detail "" "Memory: RSS before the ${soak_seconds}-second load $before KB, after $after KB, peak (VmHWM) $peak KB; p99 during it $soak_p99 ms." ""
    kill -TERM "$serve_pid" "$floor_pid" 2> /dev/null || true
    wait "$serve_pid" 2> /dev/null || true
    wait "$floor_pid" 2> /dev/null || true
else
    row 7 "Decision service" "not run" "≥ 0.80 × floor at 64 connections, p99 < 20 ms" "–"
fi

# MARK: - Report

cpu_model=$(grep -m 1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
commit=$(git rev-parse --short HEAD 2> /dev/null || echo unknown)
git diff --quiet HEAD -- . ':(exclude)Benchmarks/results' 2> /dev/null || commit="$commit (with uncommitted changes)"
{
    echo "# Benchmark results"
    echo
    if [ "$quick" = 1 ]; then
        echo "**Quick run (small corpora): a smoke test, not a measurement.**"
        echo
    fi
    echo "Written by \`Benchmarks/run.sh\` ($(date -u +%Y-%m-%dT%H:%M:%SZ)). How to read it: Benchmarks/README.md."
    echo
    echo "| Machine | |"
    echo "|---|---|"
    echo "| CPU | ${cpu_model:-unknown} × $(nproc) (nproc) |"
    echo "| Memory | $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo) |"
    echo "| Kernel | $(uname -sr) |"
    echo "| Swift | $(swift --version 2>&1 | head -n 1) |"
    echo "| jansson | $(pkg-config --modversion jansson 2> /dev/null || echo unknown) |"
    echo "| Commit | $commit |"
    echo "| Load average (1, 5, 15 min) | $load_at_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end |"
    echo "| Corpus | seed $seed, clock $now, rules \`$rules\` |"
    echo
    echo "| # | Measure | Value | Target | Result |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    if [ ${#failures[@]} -gt 0 ]; then
        echo "**Checks that failed:**"
        echo
        printf -- '- %s\n' "${failures[@]}"
        echo
    fi
    printf '%s\n' "${details[@]}"
} > "$results"
log "wrote $results"
cat "$results"

[ ${#failures[@]} -eq 0 ] || exit 1
