#!/usr/bin/env bash
# Builds the libFuzzer targets (own scratch folder, address sanitizer) and runs each for a
# bounded time, keeping what it learns in Fuzz/corpus/<target>. Crashes are written to
# Fuzz/crashes/ and make the script fail; turn each into a regression test.
#
#   Fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, all three targets)
#   FUZZ_SMOKE=1 Fuzz/run.sh 10                        (CI: short run, corpus left unchanged)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(FuzzJSON FuzzRules FuzzEvaluate)

./scripts/setup.sh
for target in "${targets[@]}"; do
    swift build --scratch-path .build-fuzz --product "$target" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld -Xswiftc -DFUZZING >&2
done

mkdir -p Fuzz/crashes
status=0
for target in "${targets[@]}"; do
    case "$target" in
        FuzzJSON) corpus=Fuzz/corpus/json; dict=(-dict=Fuzz/json.dict) ;;
        FuzzRules) corpus=Fuzz/corpus/rules; dict=(-dict=Fuzz/json.dict) ;;
        FuzzEvaluate) corpus=Fuzz/corpus/evaluate; dict=() ;;
        *) echo "unknown target $target" >&2; exit 64 ;;
    esac
    mkdir -p "$corpus"
    work=$(mktemp -d)
    echo "== $target: ${seconds}s on $corpus" >&2
    if ! ASAN_OPTIONS=detect_leaks=1 ".build-fuzz/debug/$target" "$work" "$corpus" "${dict[@]}" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="Fuzz/crashes/$target-" -print_final_stats=1 2>"Fuzz/crashes/$target.log"; then
        status=1
        tail -40 "Fuzz/crashes/$target.log" >&2
    else
        grep -E "stat::number_of_executed_units|stat::peak_rss_mb|cov: |ft: " "Fuzz/crashes/$target.log" | tail -3 >&2 || true
        rm -f "Fuzz/crashes/$target.log"
    fi
    # Keep the corpus small: merge what was found into the seed corpus, minimised.
    if [ -z "${FUZZ_SMOKE:-}" ]; then
        ".build-fuzz/debug/$target" -merge=1 "$corpus" "$work" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
done
exit $status
