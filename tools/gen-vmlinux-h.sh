#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Generate vmlinux/x86/vmlinux.h from the BTF of a kernel image.
#
#   sh tools/gen-vmlinux-h.sh [-o OUT] [INPUT]
#
# INPUT is an x86 bzImage (a Debian /boot/vmlinuz-*), a vmlinux ELF or a raw BTF
# file (e.g. a copy of /sys/kernel/btf/vmlinux). Without INPUT, the Debian 6.1
# cloud kernel is taken from the output of tools/fetch-kernels.sh: 6.1 is the
# oldest kernel hotcanary supports, so the BPF programs cannot use a type or
# field only newer kernels have; CO-RE relocates field offsets at load time.
# OUT defaults to vmlinux/x86/vmlinux.h.
#
# A bzImage is unpacked without root and without installing the kernel: the
# setup header gives the compressed payload, the payload is decompressed with
# the tool its magic names, the raw BTF blob is carved out of the resulting ELF
# (magic 0xeB9F, length from struct btf_header) and bpftool dumps it as C.
# Plain sh, od, grep, awk, head and tail; no python.

# "A && B || die" is fine here: die and continue never fall through.
# shellcheck disable=SC2015
set -eu

me=gen-vmlinux-h
root=$(cd "$(dirname "$0")/.." && pwd)
bpftool=${BPFTOOL:-bpftool}
out=$root/vmlinux/x86/vmlinux.h

# The types hotcanary's BPF programs use; a header without them is useless.
required="task_struct signal_struct pt_regs
	trace_event_raw_signal_generate trace_event_raw_sched_process_template
	trace_event_raw_mark_victim trace_event_raw_sys_enter"

die()
{
	echo "$me: $*" >&2
	exit 1
}

usage()
{
	echo "usage: sh tools/gen-vmlinux-h.sh [-o OUT] [VMLINUZ | VMLINUX | BTF]" >&2
	exit 2
}

need()
{
	command -v "$1" >/dev/null 2>&1 ||
		die "$2 needs '$1', which is not installed; run 'apt-get install $3'"
}

# le FILE OFFSET SIZE: the unsigned little-endian integer at OFFSET, whatever
# the host's byte order; prints nothing if the file is too short.
le()
{
	od -An -v -tu1 -j "$2" -N "$3" "$1" |
		awk -v size="$3" '
		{ for (i = 1; i <= NF; i++) b[n++] = $i }
		END {
			if (n != size)
				exit
			v = 0
			for (i = n - 1; i >= 0; i--)
				v = v * 256 + b[i]
			printf "%.0f\n", v
		}'
}

# hex FILE OFFSET SIZE: the bytes at OFFSET as one lowercase hex string.
hex()
{
	od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'
}

# cut_bytes FILE OFFSET LENGTH: copy LENGTH bytes from OFFSET to stdout.
cut_bytes()
{
	tail -c "+$(($2 + 1))" "$1" | head -c "$3"
}

size_of()
{
	wc -c <"$1" | tr -d ' '
}

while getopts o:h opt; do
	case $opt in
	o) out=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage

if [ $# -eq 1 ]; then
	in=$1
else
	in=$(sh "$root/tools/fetch-kernels.sh" | grep '/kernels/6\.1\.[^/]*/vmlinuz$' | head -n 1) ||
		true
	[ -n "$in" ] ||
		die "tools/fetch-kernels.sh printed no 6.1 vmlinuz; run it by hand to see why, or pass the vmlinuz path"
fi
[ -f "$in" ] && [ -r "$in" ] || die "$in: no such readable file; run 'sh tools/fetch-kernels.sh' or pass another path"

need "$bpftool" "dumping BTF as C" bpftool
bpftool_ver=$("$bpftool" version | sed -n '1s/^bpftool //p')
libbpf_ver=$("$bpftool" version | sed -n 's/^using libbpf //p')

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

export LC_ALL=C
desc=

# --- bzImage: decompress the payload into a vmlinux ELF ---------------------
if [ "$(hex "$in" 514 4)" = 48647253 ]; then	# "HdrS" at 0x202
	proto=$(le "$in" 518 2)
	[ "$proto" -ge 520 ] ||	# 0x208: payload_offset/length
		die "$in: boot protocol $proto is older than 2.08 and has no payload fields; pass the vmlinux ELF instead"
	setup_sects=$(le "$in" 497 1)	# 0x1f1
	[ "$setup_sects" -ne 0 ] || setup_sects=4
	poff=$(((setup_sects + 1) * 512 + $(le "$in" 584 4)))	# 0x248
	plen=$(le "$in" 588 4)					# 0x24c
	[ "$plen" -gt 8 ] && [ $((poff + plen)) -le "$(size_of "$in")" ] ||
		die "$in: setup header points the payload outside the file; the image is truncated, fetch it again"

	# The banner, e.g. "6.1.0-56-cloud-amd64 (...) #1 SMP ... Debian 6.1.192-2 (...)".
	vstr=$(($(le "$in" 526 2) + 512))	# 0x20e
	banner=$(cut_bytes "$in" "$vstr" 256 | tr '\0' '\n' | head -n 1)
	uname_r=${banner%% *}
	debver=$(echo "$banner" | sed -n 's/.* Debian \([^ ]*\) .*/\1/p')
	if [ -n "$uname_r" ] && [ -n "$debver" ]; then
		desc="linux-image-$uname_r $debver (Debian)"
	elif [ -n "$uname_r" ]; then
		desc="Linux $uname_r"
	fi

	# Kbuild appends the decompressed size (le32) to every payload: strip it
	# (lz4 and gzip fail on trailing bytes) and use it as a check.
	cut_bytes "$in" "$poff" $((plen - 4)) >"$tmp/payload"
	want=$(le "$in" $((poff + plen - 4)) 4)
	magic=$(hex "$tmp/payload" 0 6)
	case $magic in
	1f8b*)		need gzip "$in (gzip)" gzip;	set -- gzip -dc ;;
	fd377a585a00)	need xz "$in (xz)" xz-utils;	set -- xz -dc ;;
	5d0000*)	need xz "$in (lzma)" xz-utils;	set -- xz -dc --format=lzma ;;
	425a68*)	need bzip2 "$in (bzip2)" bzip2;	set -- bzip2 -dc ;;
	02214c18*)	need lz4 "$in (lz4)" lz4;	set -- lz4 -dc ;;
	28b52ffd*)	need zstd "$in (zstd)" zstd;	set -- zstd -dcq ;;
	894c5a4f*)	need lzop "$in (lzo)" lzop;	set -- lzop -dc ;;
	*)		die "$in: unknown payload compression (magic $magic); pass the vmlinux ELF instead" ;;
	esac
	"$@" <"$tmp/payload" >"$tmp/vmlinux" ||
		die "$in: '$*' failed on the payload; the image is corrupt, fetch it again"
	rm -f "$tmp/payload"
	got=$(size_of "$tmp/vmlinux")
	[ $((got % 4294967296)) -eq "$want" ] ||
		die "$in: payload decompressed to $got bytes, the image says $want; fetch it again"
	[ "$(hex "$tmp/vmlinux" 0 4)" = 7f454c46 ] ||
		die "$in: the payload is not an ELF vmlinux; pass the vmlinux ELF instead"
	elf=$tmp/vmlinux
else
	elf=$in
fi

# An ELF vmlinux carries its banner in .rodata.
if [ -z "$desc" ] && [ "$(hex "$elf" 0 4)" = 7f454c46 ]; then
	desc=$(grep -a -o -m 1 'Linux version [0-9][^ ]*' "$elf" | head -n 1 |
		sed 's/^Linux version /Linux /') || true
fi
[ -n "$desc" ] || desc=$(basename "$in")

# --- carve the raw BTF blob --------------------------------------------------
# struct btf_header: u16 magic 0xeB9F, u8 version 1, u8 flags 0, then u32
# hdr_len, type_off, type_len, str_off, str_len; offsets count from the end of
# the header. vmlinux has one big blob; take the largest well-formed one.
fsize=$(size_of "$elf")
best_off=
best_len=0
for off in $(grep -a -b -o -F "$(printf '\237\353\001')" "$elf" | cut -d: -f1 | head -n 64); do
	[ "$(hex "$elf" $((off + 3)) 1)" = 00 ] || continue
	hlen=$(le "$elf" $((off + 4)) 4)
	[ -n "$hlen" ] && [ "$hlen" -ge 24 ] && [ "$hlen" -le 256 ] || continue
	# shellcheck disable=SC2046 # split into the four fields on purpose
	set -- $(od -An -v -tu1 -j $((off + 8)) -N 16 "$elf" | awk '
		{ for (i = 1; i <= NF; i++) b[n++] = $i }
		END {
			if (n == 16)
				for (j = 0; j < 16; j += 4)
					printf "%.0f ", b[j] + 256 * (b[j+1] + 256 * (b[j+2] + 256 * b[j+3]))
		}')
	[ $# -eq 4 ] && [ "$2" -gt 0 ] && [ "$4" -gt 0 ] || continue
	end=$(($1 + $2))
	[ $(($3 + $4)) -le "$end" ] || end=$(($3 + $4))
	len=$((hlen + end))
	[ $((off + len)) -le "$fsize" ] || continue
	if [ "$len" -gt "$best_len" ]; then
		best_off=$off
		best_len=$len
	fi
done
[ -n "$best_off" ] ||
	die "$in: no BTF (magic 0xeB9F) found; pass a kernel image built with CONFIG_DEBUG_INFO_BTF=y"
[ "$best_len" -ge 1048576 ] ||
	die "$in: largest BTF blob is only $best_len bytes, not a vmlinux BTF; pass the kernel image, not a module"
cut_bytes "$elf" "$best_off" "$best_len" >"$tmp/vmlinux.btf"

# --- dump as C and check ------------------------------------------------------
"$bpftool" btf dump file "$tmp/vmlinux.btf" format c >"$tmp/body.h" ||
	die "$in: bpftool rejected the BTF carved at offset $best_off; check the image with 'bpftool btf dump file'"
for t in $required; do
	grep -q "^struct $t {\$" "$tmp/body.h" ||
		die "$in: BTF has no 'struct $t', which hotcanary's BPF programs need; use a kernel with that type"
done

{
	echo "/* SPDX-License-Identifier: GPL-2.0 */"
	echo "/*"
	echo " * Kernel types of $desc,"
	echo " * dumped from its BTF by tools/gen-vmlinux-h.sh with bpftool $bpftool_ver (libbpf $libbpf_ver)."
	echo " * Generated file: do not edit; see vmlinux/README.md to regenerate."
	echo " */"
	cat "$tmp/body.h"
} >"$tmp/out.h"

mkdir -p "$(dirname "$out")"
cp "$tmp/out.h" "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "$me: wrote $out ($(size_of "$out") bytes, $(grep -c '^struct [a-z_0-9]* {$' "$out") structs) from $desc" >&2
