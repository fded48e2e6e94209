#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate the README's example comparison: record the fixture, then the fixture with
# fixture_work made 20% slower, compare the two, and draw them. Writes compare.txt,
# compare.svg and compare.png next to this script (they are committed). Needs root, for the
# uprobes; 'make docs' builds what it runs first.
# usage: OUTPUT=build sh tools/docs/make-docs.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${OUTPUT:-build}
if [ "$(id -u)" -ne 0 ]; then
	echo "make-docs: recording needs root (uprobes); run it with sudo" >&2
	exit 1
fi
command -v rsvg-convert >/dev/null 2>&1 || {
	echo "make-docs: rsvg-convert not found (package librsvg2-bin); run 'make deps'" >&2
	exit 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hc-docs.XXXXXX")
trap '[ -z "$fx" ] || kill "$fx" 2>/dev/null; rm -rf "$tmp"' EXIT
fx=
# short names in the picture: the binaries are copied to a directory of their own
cp "$out/hotcanary" "$out/tests/fixture" "$out/tests/libfixture.so" "$tmp/"
cd "$tmp"
spread=$(seq -s, 150 5 250)
for run in before:100 after:120; do
	./fixture -n 100000000 -k 0 -s "$spread" -x "${run#*:}" >/dev/null &
	fx=$!
	sleep 0.3
	./hotcanary record -d 10s -i 500ms -o "${run%%:*}.json" user:fixture:fixture_work \
		user:libfixture.so:fixture_lib_work
	kill "$fx"
	wait "$fx" 2>/dev/null || true
	fx=
done
./hotcanary compare --svg compare.svg before.json after.json >compare.txt
rsvg-convert -o compare.png compare.svg
cp compare.txt compare.svg compare.png "$here/"
cat compare.txt
echo "make-docs: wrote $here/compare.txt, compare.svg and compare.png"
