#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fetch the Debian cloud kernels the VM tests boot (6.1 and 6.12) without installing them:
# the newest version is read from the meta packages, never hard-coded, so the tests follow
# Debian's security updates. Idempotent: a kernel already unpacked is kept.
set -eu

cache=${HOTCANARY_CACHE:-/var/cache/hotcanary}/kernels
mkdir -p "$cache"

# "apt-cache depends" prints the versioned image the meta package points at.
image_of()
{
	apt-cache depends "$1" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1
}

fetch()
{
	meta=$1
	pkg=$(image_of "$meta")
	if [ -z "$pkg" ]; then
		echo "fetch-kernels: cannot resolve '$meta' to a kernel image; run 'apt-get update'" >&2
		exit 1
	fi
	ver=${pkg#linux-image-}
	dir=$cache/$ver
	if [ -s "$dir/vmlinuz" ]; then
		echo "$dir/vmlinuz"
		return 0
	fi
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null) || {
		echo "fetch-kernels: 'apt-get download $pkg' failed" >&2
		rm -rf "$tmp"
		exit 1
	}
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"
	mkdir -p "$dir"
	cp "$tmp/x/boot/vmlinuz-$ver" "$dir/vmlinuz.tmp"
	cp "$tmp/x/boot/config-$ver" "$dir/config"
	mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
	rm -rf "$tmp"
	echo "$dir/vmlinuz"
}

fetch linux-image-cloud-amd64
fetch linux-image-6.12-cloud-amd64
