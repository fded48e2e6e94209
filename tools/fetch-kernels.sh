#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fetch the Debian cloud kernels the VM tests boot (6.1 and 6.12) and the headers to build
# test modules against them, without installing either: a kernel image installed into /boot
# could become the host's next boot kernel, which 'make deps' must never do. The newest ABI
# is read from the meta packages, never hard-coded, so the tests follow Debian's updates.
# Idempotent: what is already unpacked is kept.
#
# Prints one vmlinuz path per line, 6.1 first. Beside each vmlinuz: "config", the kernel
# build tree for out-of-tree modules in "root/usr/src/linux-headers-<version>", and in
# "upstream/" the kernel's own livepatch sample and selftest module sources, from the
# linux-source package of the image's version, for tests/vm/run-scenario to build as they
# are: the VM tests then also run the livepatches the kernel's developers test with.
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
	[ -s "$dir/upstream/.complete" ] || fetch_sources "$dir" "$pkg"
	echo "$dir/vmlinuz"
}

# the version of linux-source-$1 nearest to $2: $2 itself, else the newest older one,
# else the oldest newer one (the archive keeps only a few)
nearest_source()
{
	# shellcheck disable=SC2086
	apt-cache $APT_OPTS madison "linux-source-$1" 2>/dev/null |
		awk -F '|' '{ gsub(/ /, "", $2); print $2 }' | {
		older=
		newer=
		while read -r v; do
			if [ "$v" = "$2" ]; then
				echo "$v"
				exit 0
			fi
			if dpkg --compare-versions "$v" lt "$2"; then
				if [ -z "$older" ] || dpkg --compare-versions "$v" gt "$older"; then
					older=$v
				fi
			elif [ -z "$newer" ] || dpkg --compare-versions "$v" lt "$newer"; then
				newer=$v
			fi
		done
		echo "${older:-$newer}"
	}
}

# $1 = the kernel's cache dir, $2 = its image package. Only the livepatch module sources
# are kept (a few hundred KB of a 140 MB tarball): samples/livepatch/ and the selftests'
# modules, in lib/livepatch/ up to 6.9 and in tools/testing/selftests/livepatch/
# test_modules/ since.
fetch_sources()
{
	# shellcheck disable=SC2086
	want=$(apt-cache $APT_OPTS show "$2" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
	series=$(echo "$want" | cut -d . -f 1-2)
	src=linux-source-$series
	got=$(nearest_source "$series" "$want")
	if [ -z "$want" ] || [ -z "$got" ]; then
		echo "fetch-kernels: no $src package for '$2' (version '$want') in $apt/sources.list" >&2
		exit 1
	fi
	[ "$got" = "$want" ] ||
		echo "fetch-kernels: $src $want is not in the archive; using $got, the nearest, for the livepatch test modules of $2" >&2
	rm -rf "$1/upstream" "$1/source"
	mkdir -p "$1/source" "$1/upstream"
	unpack "$1/source" "$src=$got"
	tarball=$1/source/usr/src/$src.tar.xz
	if [ ! -f "$tarball" ]; then
		echo "fetch-kernels: $src $got has no $tarball; did Debian rename it?" >&2
		exit 1
	fi
	case $series in
	6.1) tests=lib/livepatch ;;
	*) tests=tools/testing/selftests/livepatch/test_modules ;;
	esac
	if ! tar -xJf "$tarball" -C "$1/upstream" --strip-components=1 \
		"$src/samples/livepatch" "$src/$tests"; then
		echo "fetch-kernels: $tarball lacks samples/livepatch or $tests; see above" >&2
		exit 1
	fi
	rm -rf "$1/source"
	echo "$src $got" >"$1/upstream/.complete"
}

fetch linux-image-cloud-amd64
fetch linux-image-6.12-cloud-amd64
