# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC2317 # the predicates are called through wait_until
# hctest-timeout: 300
#
# The raw livepatch lifecycle on a real kernel, with busybox only: the test modules of
# tests/vm/modules (klp_good, klp_other) load, patch /proc/cmdline, show the sysfs files
# user/klp.c parses, stack, and disable and unload cleanly. It proves the modules and the
# lifecycle hotcanary drives work on both kernels, and reports the kernel's own timings
# ("patching complete", "unpatching complete" in dmesg). hotcanary check calls come later.
# Everything it loads is unloaded again, also after a failure: later scenarios share the
# kernel.
# shellcheck source=tests/vm/lib.sh
. /lib/hctest.sh

lp=/sys/kernel/livepatch
mods=/lib/modules/$KVER
orig_cmdline=$(cat /proc/cmdline)

# wait_until TENTHS CMD...: run CMD every 0.1 s until it succeeds, at most TENTHS times
wait_until()
{
	wu_n=$1
	shift
	wu_i=0
	while [ $wu_i -lt "$wu_n" ]; do
		"$@" && return 0
		sleep 0.1
		wu_i=$((wu_i + 1))
	done
	return 1
}

settled() { [ "$(cat "$lp/$1/transition" 2>/dev/null)" = 0 ]; }
gone() { [ ! -e "$lp/$1" ]; }
unloaded() { [ ! -e "/sys/module/$1" ]; }
refcnt_zero() { [ "$(cat "/sys/module/$1/refcnt" 2>/dev/null)" = 0 ]; }
cmdline_is() { [ "$(cat /proc/cmdline)" = "$1" ]; }

# disable (if still a patch), wait, unload: the selftests' disable_lp + unload_mod
undo()
{
	if [ -e "$lp/$1/enabled" ]; then
		wait_until 600 settled "$1"
		[ "$(cat "$lp/$1/enabled")" = 1 ] && echo 0 >"$lp/$1/enabled"
		wait_until 600 gone "$1"
	fi
	if [ -e "/sys/module/$1" ]; then
		wait_until 150 refcnt_zero "$1"
		rmmod "$1"
	fi
}

cleanup()
{
	undo klp_other 2>/dev/null
	undo klp_good 2>/dev/null
}

# the dmesg timestamp (seconds) of the last line containing $1
ts()
{
	dmesg | grep -F "$1" | tail -n 1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p'
}

# milliseconds from timestamp $1 to $2 ("?" if either is missing)
ms()
{
	if [ -z "$1" ] || [ -z "$2" ]; then
		echo "?"
		return
	fi
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 + 0.5 }'
}

for m in klp_good klp_other; do
	if [ ! -f "$mods/$m.ko" ]; then
		hc_fail klp-modules "$mods/$m.ko missing; build the test modules with" \
			"'make vm-modules'"
		hc_exit
	fi
done
if [ ! -d "$lp" ]; then
	hc_fail klp-sysfs "$lp missing on $KVER; the kernel needs CONFIG_LIVEPATCH=y"
	hc_exit
fi
hc_pass klp-modules "klp_good.ko and klp_other.ko present for $KVER"

# ---- load: enables the patch -------------------------------------------------------------

taint0=$(cat /proc/sys/kernel/tainted)
if ! out=$(insmod "$mods/klp_good.ko" 2>&1); then
	hc_fail klp-load "insmod klp_good.ko: $out; dmesg: $(dmesg | tail -n 5)"
	cleanup
	hc_exit
fi
if [ -d "$lp/klp_good" ] && [ "$(cat "$lp/klp_good/enabled")" = 1 ]; then
	hc_pass klp-load "insmod klp_good.ko: $lp/klp_good/enabled=1," \
		"transition=$(cat "$lp/klp_good/transition") right after"
else
	hc_fail klp-load "after insmod: $(ls "$lp" 2>&1)"
fi
if wait_until 600 settled klp_good; then
	hc_pass klp-transition "$lp/klp_good/transition reached 0"
else
	hc_fail klp-transition "$lp/klp_good/transition still $(cat "$lp/klp_good/transition")" \
		"after 60 s; blocking: $(grep -l '^0$' /proc/*/task/*/patch_state 2>/dev/null |
			head -n 5)"
fi
if cmdline_is hotcanary-klp-good; then
	hc_pass klp-patched "/proc/cmdline reads 'hotcanary-klp-good'"
else
	hc_fail klp-patched "/proc/cmdline reads '$(cat /proc/cmdline)'"
fi

# ---- the sysfs files user/klp.c parses ---------------------------------------------------

fdir=$lp/klp_good/vmlinux/cmdline_proc_show,1
if [ -d "$fdir" ] && [ "$(cat "$lp/klp_good/vmlinux/patched" 2>/dev/null)" = 1 ]; then
	hc_pass klp-sysfs-func "$fdir exists, vmlinux/patched=1"
else
	hc_fail klp-sysfs-func "no $fdir or vmlinux/patched != 1: $(ls -R "$lp/klp_good" 2>&1)"
fi
# "replace" appeared in 6.11: absent on 6.1, 0 on 6.12
case $KVER in
6.1.*) want_replace=absent ;;
*) want_replace=0 ;;
esac
got_replace=$(cat "$lp/klp_good/replace" 2>/dev/null || echo absent)
got_order=$(cat "$lp/klp_good/stack_order" 2>/dev/null || echo absent)
if [ "$got_replace" = "$want_replace" ]; then
	# shellcheck disable=SC2012 # sysfs attribute names, for the message only
	hc_pass klp-sysfs-attrs "replace=$got_replace stack_order=$got_order" \
		"files: $(ls "$lp/klp_good" | tr '\n' ' ')"
else
	hc_fail klp-sysfs-attrs "replace=$got_replace, expected $want_replace on $KVER"
fi
states=$(cat /proc/[0-9]*/task/[0-9]*/patch_state 2>/dev/null | sort -u | tr '\n' ' ')
if [ "$states" = "-1 " ]; then
	hc_pass klp-patch-state "every /proc/*/task/*/patch_state is -1 outside a transition"
else
	hc_fail klp-patch-state "patch_state values outside a transition: $states"
fi
taint1=$(cat /proc/sys/kernel/tainted)
mtaint=$(cat /sys/module/klp_good/taint 2>/dev/null)
refcnt=$(cat /sys/module/klp_good/refcnt 2>/dev/null)
if [ $((taint1 & 32768)) -ne 0 ] && case $mtaint in *K*) true ;; *) false ;; esac &&
   [ "$refcnt" = 1 ]; then
	hc_pass klp-taint "tainted $taint0 -> $taint1 (K set)," \
		"/sys/module/klp_good/taint=$mtaint, refcnt=$refcnt while enabled"
else
	hc_fail klp-taint "tainted $taint0 -> $taint1, module taint '$mtaint', refcnt '$refcnt'"
fi
if rmmod klp_good 2>/dev/null; then
	hc_fail klp-rmmod-enabled "rmmod of an enabled livepatch succeeded"
else
	hc_pass klp-rmmod-enabled "rmmod refused while the patch is enabled (refcnt $refcnt)"
fi

# ---- a second non-replace patch of the same function stacks on top ------------------------

if ! out=$(insmod "$mods/klp_other.ko" 2>&1); then
	hc_fail klp-stack "insmod klp_other.ko: $out; dmesg: $(dmesg | tail -n 5)"
else
	wait_until 600 settled klp_other
	if cmdline_is hotcanary-klp-other && [ -d "$lp/klp_other/vmlinux/cmdline_proc_show,1" ]
	then
		hc_pass klp-stack "klp_other on top of klp_good: /proc/cmdline reads" \
			"'hotcanary-klp-other'; both patch cmdline_proc_show,1"
	else
		hc_fail klp-stack "/proc/cmdline reads '$(cat /proc/cmdline)' with both loaded"
	fi
	echo 0 >"$lp/klp_other/enabled"
	if wait_until 600 gone klp_other && cmdline_is hotcanary-klp-good; then
		hc_pass klp-unstack "klp_other disabled: /proc/cmdline back to 'hotcanary-klp-good'"
	else
		# shellcheck disable=SC2012 # sysfs patch names, for the message only
		hc_fail klp-unstack "after disabling klp_other: '$(cat /proc/cmdline)'," \
			"$(ls "$lp" | tr '\n' ' ')"
	fi
	wait_until 150 refcnt_zero klp_other
	if rmmod klp_other && wait_until 50 unloaded klp_other; then
		hc_pass klp-unload-other "klp_other unloaded"
	else
		hc_fail klp-unload-other "rmmod klp_other failed; refcnt" \
			"$(cat /sys/module/klp_other/refcnt 2>&1)"
	fi
fi

# ---- disable and unload ------------------------------------------------------------------

echo 0 >"$lp/klp_good/enabled"
if wait_until 600 gone klp_good; then
	hc_pass klp-disable "echo 0 > enabled: $lp/klp_good removed after unpatching"
else
	hc_fail klp-disable "$lp/klp_good still there: transition=$(cat "$lp/klp_good/transition")"
fi
if cmdline_is "$orig_cmdline"; then
	hc_pass klp-unpatched "/proc/cmdline is the boot command line again"
else
	hc_fail klp-unpatched "/proc/cmdline reads '$(cat /proc/cmdline)'"
fi
if wait_until 150 refcnt_zero klp_good && rmmod klp_good && wait_until 50 unloaded klp_good
then
	hc_pass klp-unload "refcnt 0 after disable, rmmod klp_good done, /sys/module/klp_good gone"
else
	hc_fail klp-unload "refcnt $(cat /sys/module/klp_good/refcnt 2>&1); rmmod failed"
fi
cleanup

# ---- the kernel's own timings ------------------------------------------------------------

p0=$(ts "'klp_good': starting patching transition")
p1=$(ts "'klp_good': patching complete")
u0=$(ts "'klp_good': starting unpatching transition")
u1=$(ts "'klp_good': unpatching complete")
if [ -n "$p0" ] && [ -n "$p1" ] && [ -n "$u0" ] && [ -n "$u1" ]; then
	hc_pass klp-timing "$KVER: patching $(ms "$p0" "$p1") ms (starting patching transition" \
		"-> patching complete), unpatching $(ms "$u0" "$u1") ms"
else
	hc_fail klp-timing "missing livepatch lines in dmesg: $(dmesg | grep -F livepatch |
		tr '\n' '|')"
fi
if dmesg | grep -q 'forcing remaining tasks'; then
	hc_fail klp-no-force "the kernel log says a transition was forced"
else
	hc_pass klp-no-force "no forced transition in the kernel log"
fi
hc_exit
