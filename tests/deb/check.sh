#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian package on a fresh Debian 12: a minbase bookworm made by debootstrap (cached in
# $HOTCANARY_CACHE), the package installed there by apt with its dependencies from the
# archive, then what an administrator tries first: --version, the man pages, the bash
# completion and the boot unit. Nothing is installed on this host.
#
# usage: OUTPUT=build bash tests/deb/check.sh build/hotcanary_V_ARCH.deb
# Prints "PASS name detail" / "FAIL name detail", then "deb: N passed, N failed".

deb=$1
out=${OUTPUT:-build}
cache=${HOTCANARY_CACHE:-/var/cache/hotcanary}
mirror=${HOTCANARY_APT_MIRROR:-http://deb.debian.org/debian}
npass=0
nfail=0

pass() { echo "PASS $*"; npass=$((npass + 1)); }
fail() { echo "FAIL $*"; nfail=$((nfail + 1)); }
finish()
{
	mountpoint -q "$root/proc" && umount "$root/proc"
	echo "deb: $npass passed, $nfail failed"
	[ $nfail -eq 0 ] && [ $npass -gt 0 ]
	exit
}

if [ "$(id -u)" -ne 0 ] || ! command -v debootstrap >/dev/null 2>&1; then
	case ${CI:-} in
	'' | false | 0)
		echo "deb: SKIPPED: needs root and debootstrap (package debootstrap)"
		exit 0
		;;
	esac
	echo "deb: FAILED: needs root and debootstrap (CI is set, so that is an error)" >&2
	exit 1
fi
[ -f "$deb" ] || { fail deb-built "$deb not found; run 'make deb'"; finish; }

tarball=$cache/bookworm-minbase.tar.gz
root=$out/deb/chroot
rm -rf "$root"
mkdir -p "$root" "$cache"
if [ ! -f "$tarball" ]; then
	echo "deb: making a minbase Debian 12 with debootstrap (once; cached in $tarball)"
	if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$out/deb/debootstrap.log" 2>&1
	then
		fail debootstrap "see $out/deb/debootstrap.log: $(tail -n 3 "$out/deb/debootstrap.log")"
		finish
	fi
	tar -C "$root" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
else
	tar -C "$root" -xzf "$tarball"
fi
cp "$deb" "$root/tmp/hotcanary.deb"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
mount -t proc proc "$root/proc"
# man-db, bash-completion and systemd are what an administrator's host has, minbase does not
if chroot "$root" sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install \
	-y -q --no-install-recommends /tmp/hotcanary.deb man-db bash-completion systemd' \
	>"$out/deb/install.log" 2>&1; then
	pass deb-install "apt installed $(basename "$deb") and its dependencies on a fresh bookworm"
else
	fail deb-install "$(tail -n 5 "$out/deb/install.log")"
	finish
fi

v=$(chroot "$root" hotcanary --version 2>&1)
case $v in
"hotcanary "[0-9]*) pass deb-version "$v" ;;
*) fail deb-version "'hotcanary --version' printed: $v" ;;
esac
for page in hotcanary hotcanary-policy; do
	m=$(chroot "$root" env MANPAGER=cat COLUMNS=100 man "$page" 2>&1)
	if grep -q "^NAME" <<<"$m" && grep -q "$page" <<<"$m"; then
		pass "deb-man-$page" "$(sed -n '/^NAME/{n;p}' <<<"$m" | sed 's/^ *//')"
	else
		fail "deb-man-$page" "$(head -c 300 <<<"$m")"
	fi
done
# shellcheck disable=SC2016 # the chroot's bash expands them
c=$(chroot "$root" bash -c '. /usr/share/bash-completion/bash_completion
	. /usr/share/bash-completion/completions/hotcanary
	COMP_WORDS=(hotcanary re); COMP_CWORD=1; COMP_LINE="hotcanary re"; COMP_POINT=12
	_hotcanary hotcanary re hotcanary; echo "${COMPREPLY[*]}"
	COMP_WORDS=(hotcanary watch --mo); COMP_CWORD=2; COMP_LINE="hotcanary watch --mo"
	COMP_POINT=20; _hotcanary hotcanary --mo watch; echo "${COMPREPLY[*]}"' 2>&1)
first=$(head -n 1 <<<"$c" | tr ' ' '\n' | sort | tr '\n' ' ')
if [ "$first" = "record recover resume revert " ] && grep -q -- "--mode" <<<"$c"; then
	pass deb-completion "'hotcanary re<TAB>': $(head -n 1 <<<"$c"); 'watch --mo<TAB>': --mode"
else
	fail deb-completion "$c"
fi
# 'systemctl cat' needs a booted systemd, which a chroot is not: systemd-analyze verify
# reads the unit as systemd would load it, and is-enabled works offline
unit=/lib/systemd/system/hotcanary-recover.service
v=$(chroot "$root" systemd-analyze verify "$unit" 2>&1)
vr=$?
e=$(chroot "$root" systemctl is-enabled hotcanary-recover.service 2>&1)
if [ $vr -eq 0 ] && [ -z "$v" ] && [ "$e" = enabled ] &&
	grep -q "^ExecStart=/usr/sbin/hotcanary recover" "$root$unit"; then
	pass deb-unit "$unit passes systemd-analyze verify, $e at boot"
else
	fail deb-unit "verify: exit $vr $v; is-enabled: $e"
fi
finish
