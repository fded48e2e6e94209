# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# What scenario checks share: the kernel log against the lines the
# kernel's own livepatch selftests expect (tools/testing/selftests/livepatch/*.sh), and the
# livepatch state in sysfs. run-scenario stages it into every DIR: check.sh sources
# "$LP_DIR/check-lib.sh".

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
