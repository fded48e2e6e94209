#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fetch the Debian cloud kernels the VM tests boot (6.1 and 6.12) and the headers to build
# test modules against them, without installing either: a kernel image installed into /boot
# could become the host's next boot kernel, which 'make deps' must never do. The newest ABI
# is read from the meta packages, never hard-coded, so the tests follow Debian's updates.
# Idempotent: what is already unpacked is kept.
#
# Prints one vmlinuz path per line, 6.1 first. Beside each vmlinuz: "config", and the kernel
# build tree for out-of-tree modules in "root/usr/src/linux-headers-<version>".
set -eu

cache=${HOTCANARY_CACHE:-/var/cache/hotcanary}/kernels
mkdir -p "$cache"

# A private apt view of bookworm, bookworm-updates and bookworm-security: the current 6.1
# and 6.12 cloud kernels live in the latter two, which a minimal system may not list, and
# the host's own apt configuration is none of our business.
mirror=${HOTCANARY_APT_MIRROR:-http://deb.debian.org/debian}
security=${HOTCANARY_APT_SECURITY:-http://deb.debian.org/debian-security}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
apt=${HOTCANARY_CACHE:-/var/cache/hotcanary}/apt
mkdir -p "$apt/lists/partial" "$apt/archives/partial"
cat >"$apt/sources.list.new" <<EOS
deb [signed-by=$keyring] $mirror bookworm main
deb [signed-by=$keyring] $mirror bookworm-updates main
deb [signed-by=$keyring] $security bookworm-security main
EOS
APT_OPTS="-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt -o Dir::Cache::pkgcache=
	-o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root"
# refresh the lists daily, or when the sources changed, so new kernel ABIs are picked up
if ! cmp -s "$apt/sources.list.new" "$apt/sources.list" ||
   [ -z "$(find "$apt/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
	mv "$apt/sources.list.new" "$apt/sources.list"
	# shellcheck disable=SC2086 # APT_OPTS is a list of words
	if ! apt-get $APT_OPTS -q update >"$apt/update.log" 2>&1; then
		cat "$apt/update.log" >&2
		echo "fetch-kernels: 'apt-get update' of the kernel sources failed; see above" >&2
		exit 1
	fi
else
	rm -f "$apt/sources.list.new"
fi

# what the meta package (or a versioned package) depends on, matching a pattern
dep_of()
{
	# shellcheck disable=SC2086
	apt-cache $APT_OPTS depends "$1" 2>/dev/null |
		sed -n "s/^ *|\{0,1\}Depends: \($2\)\$/\1/p" | head -n 1
}

# download packages into a scratch dir and unpack them all into $1
unpack()
{
	root=$1
	shift
	tmp=$(mktemp -d)
	# shellcheck disable=SC2086
	if ! (cd "$tmp" && apt-get $APT_OPTS download -q "$@" >/dev/null 2>&1); then
		echo "fetch-kernels: 'apt-get download $*' failed; is $mirror reachable?" >&2
		rm -rf "$tmp"
		exit 1
	fi
	for deb in "$tmp"/*.deb; do
		dpkg-deb -x "$deb" "$root"
	done
	rm -rf "$tmp"
}

fetch()
{
	meta=$1
	pkg=$(dep_of "$meta" 'linux-image-[0-9][^ ]*-cloud-amd64')
	if [ -z "$pkg" ]; then
		echo "fetch-kernels: cannot resolve '$meta' to a kernel image in $apt/sources.list" >&2
		exit 1
	fi
	ver=${pkg#linux-image-}
	dir=$cache/$ver
	kdir=$dir/root/usr/src/linux-headers-$ver
	if [ ! -s "$dir/vmlinuz" ]; then
		rm -rf "$dir/image"
		mkdir -p "$dir/image"
		unpack "$dir/image" "$pkg"
		cp "$dir/image/boot/config-$ver" "$dir/config"
		cp "$dir/image/boot/vmlinuz-$ver" "$dir/vmlinuz.tmp"
		rm -rf "$dir/image"
		mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
	fi
	if [ ! -s "$dir/root/.complete" ]; then
		hdr=linux-headers-$ver
		common=$(dep_of "$hdr" 'linux-headers-[^ ]*-common')
		kbuild=$(dep_of "$hdr" 'linux-kbuild-[^ ]*')
		if [ -z "$common" ] || [ -z "$kbuild" ]; then
			echo "fetch-kernels: cannot resolve the dependencies of '$hdr'" >&2
			exit 1
		fi
		rm -rf "$dir/root"
		mkdir -p "$dir/root"
		unpack "$dir/root" "$hdr" "$common" "$kbuild"
		# Debian's per-flavour Makefile includes the common tree by absolute path
		sed -i "s|include /usr/src/|include $dir/root/usr/src/|" "$kdir/Makefile"
		echo "$ver" >"$dir/root/.complete"
	fi
	echo "$dir/vmlinuz"
}

fetch linux-image-cloud-amd64
fetch linux-image-6.12-cloud-amd64
