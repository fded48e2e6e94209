#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build every test module under tests/vm/modules/ for every kernel the VM tests boot, into
# $OUTPUT/modules/<kver>/, which run.sh copies to /lib/modules/<kver>/ in that kernel's VM.
# Kbuild writes its objects next to the sources, so each module is built from a copy below
# $OUTPUT: the source tree stays clean.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUTPUT:-build}
case $out in /*) ;; *) out=$root/$out ;; esac

if ! kernels=$(sh "$root/tools/fetch-kernels.sh"); then
	# run.sh reports the missing kernels as a skip, or as a failure under CI
	[ -n "${CI:-}" ] && [ "$CI" != false ] && [ "$CI" != 0 ] && exit 1
	echo "build-modules: no kernels to build test modules for; run 'make deps'" >&2
	exit 0
fi
for vmlinuz in $kernels; do
	dir=$(dirname "$vmlinuz")
	ver=$(basename "$dir")
	kdir=$dir/root/usr/src/linux-headers-$ver
	if [ ! -f "$kdir/Makefile" ]; then
		echo "build-modules: no kernel build tree in '$kdir'; run 'sh tools/fetch-kernels.sh'" >&2
		exit 1
	fi
	mkdir -p "$out/modules/$ver"
	for src in "$root"/tests/vm/modules/*/; do
		name=$(basename "$src")
		work=$out/modules-build/$ver/$name
		mkdir -p "$work"
		cp "$src"* "$work/"
		# "Skipping BTF generation": the headers carry no vmlinux for 6.1; not needed
		# the livepatch boilerplate is shared with the scenarios (cmdline_patch.h)
		if ! make -s -C "$kdir" M="$work" KCFLAGS="-I$root/tests/vm/livepatch" modules \
			>"$work/build.log" 2>&1; then
			cat "$work/build.log" >&2
			echo "build-modules: building '$name' for $ver failed; see above" >&2
			exit 1
		fi
		cp "$work"/*.ko "$out/modules/$ver/"
	done
	echo "  MODULES  $out/modules/$ver"
done
