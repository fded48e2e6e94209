#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install everything hotcanary needs to build, test and benchmark, from Debian's archive
# only, then fetch the kernels the VM tests boot. Safe to re-run: it installs only what is
# missing and runs 'apt-get update' only when something must be installed.
# Usage: sh tools/install-deps.sh        (as root, on Debian 12)
set -eu

# build
BUILD="make gcc libc6-dev pkg-config clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
	libjson-c-dev libyaml-dev libkmod-dev libcapstone-dev libcap-ng-dev libdw-dev liblzma-dev
	libbz2-dev"
# tests: cmocka, jq for the host tests, qemu and friends for the VM tests, gcc-12 for the
# VM kernels' test modules (both were built with gcc 12; pahole for their BTF on 6.12);
# rsvg-convert, xmllint and python3 check the SVG pictures (promtool, for the Prometheus
# files, is unpacked below); clang's compiler-rt for libFuzzer and the sanitizers; lintian
# and debootstrap for the package and its install on a fresh Debian 12; make lint's
# clang-format (14: the version the tree is formatted with), shellcheck and cppcheck; capsh
# (libcap2-bin) names the capabilities a running hotcanary kept; nginx and wrk, PostgreSQL 15
# and its pgbench are the real services of the ulp tests
TEST="libcmocka-dev jq qemu-system-x86 busybox-static cpio gzip gcc-12 dwarves util-linux procps
	librsvg2-bin libxml2-utils python3 libclang-rt-14-dev lintian debootstrap
	clang-format-14 shellcheck cppcheck nginx-light wrk libcap2-bin postgresql-15"
# benchmark
BENCH="bpftrace"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: installing packages needs root; run it with sudo" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: apt-get not found; hotcanary's set-up targets Debian 12" >&2
	exit 1
fi

missing=
for p in $BUILD $TEST $BENCH; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing="$missing $p"
done

export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	apt-get update -q
	# nginx's package would start the distribution's nginx on port 80, PostgreSQL's its
	# cluster on 5432; the tests run their own: invoke-rc.d asks policy-rc.d first, and its
	# exit 101 means "not allowed".
	rcd=/usr/sbin/policy-rc.d
	if [ ! -e "$rcd" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$rcd"
		chmod 755 "$rcd"
		trap 'rm -f "$rcd"' EXIT
	fi
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y -q --no-install-recommends $missing
else
	echo "install-deps: all packages present"
fi

cache=${HOTCANARY_CACHE:-/var/cache/hotcanary}
# promtool checks the Prometheus files the tests write. Debian ships it only inside the
# prometheus package, whose server would start listening on :9090 if installed: unpack
# the package into the cache instead and keep promtool alone.
if [ ! -x "$cache/bin/promtool" ]; then
	work=$(mktemp -d)
	if (cd "$work" && apt-get download -q prometheus >/dev/null 2>&1 ||
	    { apt-get update -q >/dev/null && apt-get download -q prometheus >/dev/null; }) &&
	   dpkg-deb -x "$work"/prometheus_*.deb "$work/x"; then
		mkdir -p "$cache/bin"
		cp "$work/x/usr/bin/promtool" "$cache/bin/promtool"
		echo "install-deps: promtool in $cache/bin (from Debian's prometheus, not installed)"
	else
		echo "install-deps: cannot download Debian's prometheus package for promtool; the" \
			"tests fall back to their own strict parser of the Prometheus format" >&2
	fi
	rm -rf "$work"
fi

# kernels and headers for the VM tests, unpacked into the cache, never installed
here=$(dirname "$0")
sh "$here/fetch-kernels.sh" >/dev/null
echo "install-deps: VM kernels in ${HOTCANARY_CACHE:-/var/cache/hotcanary}/kernels"
