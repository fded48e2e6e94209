# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# What the livepatch scenarios' scripts share, staged into every DIR by run-scenario:
# setup.sh, run.sh and check.sh source "$LP_DIR/scenario-lib.sh". The kernel log is compared
# with the lines the kernel's own livepatch selftests expect
# (tools/testing/selftests/livepatch/*.sh).

# settled NAME: wait up to 30 s for livepatch NAME's transition to end
settled()
{
	i=0
	while [ "$(cat "/sys/kernel/livepatch/$1/transition" 2>/dev/null)" != 0 ]; do
		if [ $i -ge 300 ]; then
			echo "$0: /sys/kernel/livepatch/$1 not settled after 30 s"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

# load_settled KO [PARAM...]: insmod a livepatch and wait for its transition to end
load_settled()
{
	ko=$1
	shift
	insmod "$ko" "$@" || return 1
	name=$(basename "$ko" .ko | tr - _)
	settled "$name" || return 1
	echo "$name enabled and settled"
}

# run_settled: hotcanary run in the background, its pid in $hc, until $PATCH settled (the
# canary stage begins); exits 1 if it never does within 60 s
run_settled()
{
	"$HC" run policy.yaml --report "$REPORT" &
	hc=$!
	i=0
	while [ "$(cat "/sys/kernel/livepatch/$PATCH/transition" 2>/dev/null)" != 0 ]; do
		if [ $i -ge 600 ] || ! kill -0 "$hc" 2>/dev/null; then
			echo "$0: $PATCH never settled within 60 s"
			wait "$hc"
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

# run_with_warning: hotcanary run, and a kernel warning (hc_warn.ko, tests/vm/modules) 2 s
# after $PATCH settled, which its guardrail must roll back on; exits as hotcanary run does
run_with_warning()
{
	run_settled
	sleep 2
	insmod "/lib/modules/$KVER/hc_warn.ko"
	wait "$hc"
	rc=$?
	rmmod hc_warn
	exit $rc
}

# log_in_order SCENARIO LINE...: each LINE is a whole line of the kernel log, in this order
log_in_order()
{
	scen=$1
	shift
	log=$(dmesg | sed -n 's/^\[[^]]*\] *//p')
	at=0
	for want in "$@"; do
		n=$(printf '%s\n' "$log" | grep -n -F -x -e "$want" | cut -d : -f 1 |
			awk -v at="$at" '$1 > at { print; exit }')
		if [ -z "$n" ]; then
			echo "$scen: the kernel log lacks '$want' (after line $at), which the upstream selftest expects"
			return 1
		fi
		at=$n
	done
}

# enabled SCENARIO PATCH: the livepatch is enabled and settled
enabled()
{
	if [ "$(cat "/sys/kernel/livepatch/$2/enabled" 2>/dev/null)" != 1 ] ||
		[ "$(cat "/sys/kernel/livepatch/$2/transition" 2>/dev/null)" != 0 ]; then
		echo "$1: livepatch '$2' is not enabled and settled"
		return 1
	fi
}

# gone SCENARIO PATCH: the livepatch is not in /sys/kernel/livepatch
gone()
{
	if [ -d "/sys/kernel/livepatch/$2" ]; then
		echo "$1: livepatch '$2' is still in /sys/kernel/livepatch"
		return 1
	fi
}

# shows SCENARIO FILE TEXT: FILE (a /proc file) has the line TEXT, or with TEXT "-", none
# of the selftest modules' "this has been live patched" lines
shows()
{
	if [ "$3" = - ]; then
		if grep -q "this has been live patched" "$2"; then
			echo "$1: $2 still shows a livepatch's text: $(grep "this has been live patched" "$2")"
			return 1
		fi
	elif ! grep -q -F -x -e "$3" "$2"; then
		echo "$1: $2 does not show '$3': $(head -n 1 "$2")"
		return 1
	fi
}

# prev_back SCENARIO: $PREV_MOD (prev.c) enabled and settled, its text in /proc/cmdline
prev_back()
{
	enabled "$1" "$PREV_MOD" || return 1
	shows "$1" /proc/cmdline "hotcanary livepatch replace-prev"
}
