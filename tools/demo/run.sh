#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The quick start's main job, for real: the bundled demo server runs as WORKERS processes
# under load, and hotcanary hotpatches its parse_request() in stages, one process first,
# judging the patched processes against the still-unpatched ones in the same windows.
#   1. a good fix (tools/demo/fix_good.c) is committed across every stage;
#   2. 'hotcanary revert' takes it out again;
#   3. a bad fix (tools/demo/fix_bad.c, 3x slower) is rolled back at the canary.
# DEMO_WORKERS (default 4), DEMO_BASELINE (seconds, default 20) and DEMO_STAGE (seconds per
# stage, default 10; the last one twice that) tune it: the judge must show the good fix
# within the limits, which takes about 10 windows against a baseline of 20, and longer in
# the last stage, judged against the baseline alone; else it holds the run.
set -eu

out=$(cd "${OUTPUT:-build}" && pwd)
workers=${DEMO_WORKERS:-4}
stage=${DEMO_STAGE:-10}
base=${DEMO_BASELINE:-20}
demo=$out/demo
state=$out/demo-state
hc=$out/hotcanary

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: hotcanary loads BPF programs and patches processes; run 'sudo make demo'" >&2
	exit 1
fi
build_id=$(readelf -n "$demo" | sed -n 's/.*Build ID: *//p')
if [ -z "$build_id" ]; then
	echo "demo: '$demo' has no GNU build-id; rebuild it with 'make clean demo'" >&2
	exit 1
fi
rm -rf "$state"
"$demo" -w "$workers" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT INT TERM
sleep 1

policy() { # NAME LIBRARY
	cat <<EOP
name: $1
patch:
  type: ulp
  library: $2
  target: $demo
  build_id: $build_id
  functions:
    - old: parse_request
      new: parse_request_fixed
processes:
  exe: $demo
baseline:
  duration: ${base}s
stages:
  - name: canary
    duration: ${stage}s
    targets: 1
  - name: half
    duration: ${stage}s
    targets: 50%
  - name: all
    duration: $((stage * 2))s
    targets: 100%
judge:
  max_p50_ratio: 1.25
  max_p99_ratio: 1.5
EOP
}
policy demo-good-fix "$out/demo-fix_good.so" >"$out/demo-good.yaml"
policy demo-bad-fix "$out/demo-fix_bad.so" >"$out/demo-bad.yaml"

echo "demo: server pid $server with $workers workers: $(pgrep -d' ' -P "$server")"
echo
echo "demo: 1. a good fix for parse_request (it stops rejecting 2% of requests)"
rc=0
"$hc" run --state-dir "$state" "$out/demo-good.yaml" || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "demo: the good fix was not committed (exit $rc); see the report above" >&2
	exit 1
fi
echo
echo "demo: 2. take it out again: hotcanary revert demo-good-fix"
rc=0
"$hc" revert --state-dir "$state" demo-good-fix || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "demo: the revert failed (exit $rc)" >&2
	exit 1
fi
echo
echo "demo: 3. a bad fix for parse_request (3x slower)"
rc=0
"$hc" run --state-dir "$state" "$out/demo-bad.yaml" || rc=$?
if [ "$rc" -ne 3 ]; then
	echo "demo: the bad fix was not rolled back (exit $rc); see the report above" >&2
	exit 1
fi
echo
echo "demo: done: the good fix was committed, the bad one rolled back at the canary (exit 3)"
"$hc" status --state-dir "$state"
