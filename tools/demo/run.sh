#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The quick start's main job: run the bundled demo server and watch its request path with
# hotcanary for a few seconds. DEMO_SECONDS sets how long (default 10).
set -eu

out=${OUTPUT:-build}
secs=${DEMO_SECONDS:-10}
demo=$out/demo

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: hotcanary loads BPF programs and needs root; run 'sudo make demo'" >&2
	exit 1
fi
"$demo" $((secs + 5)) &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT INT TERM
echo "demo: server running as pid $pid; watching parse_request and handle_request for ${secs}s"
"$out/hotcanary" watch -d "${secs}s" "user:$demo:parse_request" "user:$demo:handle_request"
