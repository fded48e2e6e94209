#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run libFuzzer targets, each for FUZZ_S seconds (default 60), or for FUZZ_RUNS executions
# when that is set (the documented long run: FUZZ_RUNS=10000000), from a copy of its seed corpus
# (tests/fuzz/corpus/TARGET) in $OUTPUT/fuzz/corpus/TARGET, which keeps what it finds between
# runs. A crash, a sanitizer report, a leak or a timeout fails the target; its input is left in
# $OUTPUT/fuzz/crashes/ and named in the output: turn it into a unit test.
#
# usage: OUTPUT=build FUZZ_S=60 [FUZZ_RUNS=N] bash tests/fuzz/run.sh TARGET...
# Prints "PASS fuzz_T N runs in S s, C corpus entries" or "FAIL ...", then
# "fuzz: N passed, N failed".

out=${OUTPUT:-build}
secs=${FUZZ_S:-60}
# libFuzzer's -max_total_time=0 is no limit
limit=(-max_total_time="$secs")
[ -n "$FUZZ_RUNS" ] && limit=(-runs="$FUZZ_RUNS" -max_total_time=0)
src=$(cd "$(dirname "$0")" && pwd)
npass=0
nfail=0

for t in "$@"; do
	bin=$out/fuzz/fuzz_$t
	corpus=$out/fuzz/corpus/$t
	crashes=$out/fuzz/crashes/$t
	log=$out/fuzz/$t.log
	mkdir -p "$corpus" "$crashes"
	if [ ! -x "$bin" ]; then
		echo "FAIL fuzz_$t: $bin not found; build it with 'make fuzz'"
		nfail=$((nfail + 1))
		continue
	fi
	# 10 s per input at most: no parser takes that long on 64 KiB, even on 2 loaded cores
	start=$(date +%s)
	"$bin" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "$src/corpus/$t" \
		>"$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	n=$(find "$corpus" -type f | wc -l)
	if [ $rc -eq 0 ]; then
		echo "PASS fuzz_$t ${runs:-?} runs in $took s, $n corpus entries"
		npass=$((npass + 1))
	else
		# shellcheck disable=SC2012 # libFuzzer's crash-SHA1 names, for the message only
		echo "FAIL fuzz_$t exit $rc after ${runs:-?} runs; inputs in $crashes/:" \
			"$(ls "$crashes" | head -n 3 | tr '\n' ' ')"
		grep -m 5 -E 'ERROR|runtime error|SUMMARY' "$log"
		nfail=$((nfail + 1))
	fi
done
echo "fuzz: $npass passed, $nfail failed"
[ $nfail -eq 0 ]
