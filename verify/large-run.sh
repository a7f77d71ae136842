#!/usr/bin/env bash
# The large run of the random-program oracle (see verify/README.md):
#
#   bash verify/large-run.sh [PROGRAMS [SEED]]      # default: 10,000 programs, a fresh seed
#
# The programs are checked in shards of GRADMACRO_VERIFY_SHARD (default 1,000) programs, one
# compilation of the `oracle` test per shard: rustc's time on one test crate grows much faster
# than linearly with its size (10,000 programs in one crate did not finish in 30 CPU-minutes),
# while a 1,000-program shard compiles in about a minute. Program K depends only on (seed, K), so
# the shards together are exactly the PROGRAMS-program run. Every shard runs even if one fails;
# the totals are printed at the end and the exit status is non-zero if any shard failed.
set -uo pipefail

programs=${1:-10000}
seed=${2:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}
shard=${GRADMACRO_VERIFY_SHARD:-1000}
profile=${GRADMACRO_VERIFY_PROFILE:-}   # e.g. `--release`
log=${GRADMACRO_VERIFY_LOG:-target/verify-large-$seed.log}
cd "$(dirname "$0")/.."
mkdir -p "$(dirname "$log")"
: >"$log"

echo "gradmacro large run: $programs programs, seed $seed, shards of $shard (log: $log)"
echo "replay one shard: GRADMACRO_VERIFY_SEED=$seed GRADMACRO_VERIFY_FIRST=<first> GRADMACRO_VERIFY_PROGRAMS=$shard cargo test -p verify --test oracle -- --nocapture"
start=$(date +%s)
failed=0
for ((first = 0; first < programs; first += shard)); do
    n=$((programs - first < shard ? programs - first : shard))
    t0=$(date +%s)
    from=$(wc -l <"$log")
    # shellcheck disable=SC2086
    GRADMACRO_VERIFY_SEED=$seed GRADMACRO_VERIFY_FIRST=$first GRADMACRO_VERIFY_PROGRAMS=$n \
        cargo test -q -p verify --test oracle --test nalgebra $profile -- --nocapture >>"$log" 2>&1
    rc=$?
    [ $rc -ne 0 ] && failed=$((failed + 1))
    # this shard's report lines only (a shard that failed early has none of its own)
    line=$(tail -n +$((from + 1)) "$log" | grep '^programs ' | tail -1)
    vline=$(tail -n +$((from + 1)) "$log" | grep '^vector programs ' | tail -1)
    aline=$(tail -n +$((from + 1)) "$log" | grep '^nalgebra family: ' | tail -1)
    echo "shard p$first..p$((first + n - 1)): rc=$rc, $(($(date +%s) - t0)) s: ${line:-no report (did not compile? see the log)}"
    echo "    and v$((first / 5)).. (vector family): ${vline:-no report}"
    echo "    and a$((first / 5)).. ($aline)"
done

# Totals over the shards' report lines ("programs N, points N, checked N, skipped N (...: N near
# a branch or kink, N non-finite, N drifted), max relative gradient error E, failures N"), for
# the `p` programs and for the vector family (lines "vector programs N, ...").
totals() {
awk -v seed="$seed" -v family="$1" -v secs=$(($(date +%s) - start)) '
{
    gsub(/[(),:%]/, " ")
    for (i = 1; i < NF; i++) {
        if ($i == "programs") p += $(i + 1)
        if ($i == "points") pts += $(i + 1)
        if ($i == "checked") c += $(i + 1)
        if ($i == "skipped") s += $(i + 1)
        if ($i == "near") m += $(i - 1)
        if ($i == "non-finite") nf += $(i - 1)
        if ($i == "drifted") d += $(i - 1)
        if ($i == "error" && $(i + 1) + 0 > e) e = $(i + 1) + 0
        if ($i == "failures") f += $(i + 1)
    }
}
END {
    printf "TOTAL%s seed %s: programs %d, points %d, checked %d, skipped %d (%.3f%%: %d near a branch or kink, %d non-finite, %d drifted), max relative gradient error %.3e, failures %d, %d s\n", family, seed, p, pts, c, s, 100 * s / (pts ? pts : 1), m, nf, d, e, f, secs
}'
}
grep '^programs ' "$log" | totals ""
grep '^vector programs ' "$log" | totals " (vector family)"
# the nalgebra family's lines ("nalgebra family: N programs (..), N points checked, N skipped
# (..), N failures; ..")
grep '^nalgebra family: ' "$log" | awk -v seed="$seed" '
{ for (i = 1; i < NF; i++) { if ($(i + 1) ~ /^programs/) p += $i; if ($(i + 1) == "points") c += $i; if ($(i + 1) == "skipped") s += $i; if ($(i + 1) ~ /^failures/) f += $i } }
END { printf "TOTAL (nalgebra family) seed %s: programs %d, checked %d, skipped %d, failures %d\n", seed, p, c, s, f }'
if [ $failed -ne 0 ]; then
    echo "$failed shard(s) failed: see $log"
    exit 1
fi
