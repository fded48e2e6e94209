# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Basics every later scenario relies on: BTF for CO-RE, ftrace over the function the
# livepatch scenarios patch, livepatch support, the BPF/trace filesystems /init mounts,
# and the hotcanary binary itself. A failure here explains failures further down.
# shellcheck source=tests/vm/lib.sh
. /lib/hctest.sh

btf=/sys/kernel/btf/vmlinux
if [ -s "$btf" ]; then
	hc_pass boot-btf "$btf $(wc -c <"$btf") bytes on $KVER"
else
	hc_fail boot-btf "$btf missing or empty on $KVER; the kernel needs CONFIG_DEBUG_INFO_BTF=y"
fi

missing=
for m in /sys/kernel/tracing:tracefs /sys/kernel/debug:debugfs /sys/fs/bpf:bpf; do
	dir=${m%%:*}
	type=${m#*:}
	grep -q "^[^ ]* $dir $type " /proc/mounts || missing="$missing $type@$dir"
done
if [ -z "$missing" ]; then
	hc_pass boot-mounts "tracefs, debugfs and bpf mounted"
else
	hc_fail boot-mounts "not mounted:$missing; see the hctest-init lines in the log"
fi

aff=/sys/kernel/tracing/available_filter_functions
if [ ! -r "$aff" ]; then
	hc_fail boot-ftrace "$aff not readable; tracefs missing or CONFIG_FUNCTION_TRACER=n"
elif grep -q '^cmdline_proc_show\( \|$\)' "$aff"; then
	hc_pass boot-ftrace "cmdline_proc_show is traceable"
else
	hc_fail boot-ftrace "cmdline_proc_show not in $aff; fentry/livepatch scenarios cannot attach"
fi

if [ -d /sys/kernel/livepatch ]; then
	hc_pass boot-livepatch "/sys/kernel/livepatch present"
else
	hc_fail boot-livepatch "/sys/kernel/livepatch missing; the kernel needs CONFIG_LIVEPATCH=y"
fi

if [ ! -e "$HC" ]; then
	hc_fail boot-hotcanary "$HC missing from the initramfs; build it with 'make static' so that it is in the build directory's static/"
elif [ ! -x "$HC" ]; then
	hc_fail boot-hotcanary "$HC is not executable; check the mode of static/hotcanary in the build directory"
else
	hc_pass boot-hotcanary "$HC present, $(wc -c <"$HC") bytes"
fi

hc_exit
