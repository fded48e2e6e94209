#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the Debian package of hotcanary with dpkg-deb alone: 'make install' into a staging
# root, the package's metadata, then lintian when it is installed.
#   OUTPUT=build VERSION=0.1.0 ARCH=amd64 MAKE=make sh tools/deb/build.sh build/x.deb
# DEB_MAINTAINER names who ships it: lintian calls the default's localhost address bogus,
# rightly, until a distributor sets theirs.
set -eu

maintainer=${DEB_MAINTAINER:-hotcanary maintainers <maintainers@localhost>}

deb=$1
out=${OUTPUT:-build}
make=${MAKE:-make}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stage=$out/deb/root
rm -rf "$out/deb"
mkdir -p "$stage/DEBIAN"
stage=$(cd "$stage" && pwd)
$make --no-print-directory -C "$root" OUTPUT="$out" install DESTDIR="$stage" PREFIX=/usr
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	"$stage/usr/sbin/hotcanary"

doc=$stage/usr/share/doc/hotcanary
{
	echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
	echo "Upstream-Name: hotcanary"
	echo
	echo "Files: *"
	echo "Copyright: 2026 the hotcanary authors"
	echo "License: GPL-2"
	echo " On Debian systems, the full text of the GNU General Public License version 2"
	echo " can be found in the file '/usr/share/common-licenses/GPL-2'."
} >"$doc/copyright"
# the date of the last commit, so that the same tree builds the same package
date=$(git -C "$root" log -1 --format=%aD 2>/dev/null || date -R)
{
	echo "hotcanary ($VERSION-1) unstable; urgency=medium"
	echo
	echo "  * Package built from the hotcanary tree by 'make deb'."
	echo
	echo " -- $maintainer  $date"
} | gzip -9n >"$doc/changelog.Debian.gz"
chmod 0644 "$doc/copyright" "$doc/changelog.Debian.gz"

# the shared libraries' packages, as dpkg-shlibdeps finds them (it wants a debian/control)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debian"
printf 'Source: hotcanary\n\nPackage: hotcanary\nArchitecture: any\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O "$stage/usr/sbin/hotcanary" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f 1)

cat >"$stage/DEBIAN/control" <<CONTROL
Package: hotcanary
Version: $VERSION-1
Architecture: $ARCH
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Section: admin
Priority: optional
Homepage: https://localhost/hotcanary
Description: safety monitor and staged activator for hotpatches
 hotcanary measures the functions a hotpatch touches with BPF, watches the host
 for signs of harm (kernel warnings, new taint bits, fatal signals, stuck
 livepatch transitions) and activates the patch in stages, canary first. Each
 stage is judged statistically against a baseline or the unpatched processes;
 the patch is committed, or rolled back automatically.
 .
 It handles kernel livepatch modules, external patchers such as kpatch, and fix
 libraries redirected into running processes. A systemd unit rolls back, at
 boot, any rollout that a crash interrupted.
CONTROL

# enable the boot-time recover unit as debhelper would, where the helper exists
cat >"$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ] && command -v deb-systemd-helper >/dev/null 2>&1; then
	deb-systemd-helper unmask hotcanary-recover.service >/dev/null || true
	if deb-systemd-helper --quiet was-enabled hotcanary-recover.service; then
		deb-systemd-helper enable hotcanary-recover.service >/dev/null || true
	else
		deb-systemd-helper update-state hotcanary-recover.service >/dev/null || true
		deb-systemd-helper enable hotcanary-recover.service >/dev/null || true
	fi
fi
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
POSTINST
cat >"$stage/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = purge ] && command -v deb-systemd-helper >/dev/null 2>&1; then
	deb-systemd-helper purge hotcanary-recover.service >/dev/null || true
fi
POSTRM
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/postrm"

dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "deb: $deb ($(du -k "$deb" | cut -f 1) KiB), Depends: $depends"
if command -v lintian >/dev/null 2>&1; then
	lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v 'running with root privileges' || true
else
	echo "deb: lintian not found (package lintian); the package was not linted" >&2
fi
