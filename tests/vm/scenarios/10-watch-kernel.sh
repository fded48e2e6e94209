# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# 'hotcanary watch kernel:cmdline_proc_show' must count exactly the reads of /proc/cmdline
# this script makes, in fentry and in kprobe mode, and judge every return (always 0) with
# '-e zero' as an error. auto mode must pick fentry, which both kernels support.
# shellcheck source=tests/vm/lib.sh
. /lib/hctest.sh

N=57

# json_field LINE FIELD: the first numeric value of FIELD in a JSON line
json_field()
{
	printf '%s\n' "$1" | grep -o "\"$2\":[0-9]*" | head -n 1 | cut -d: -f2
}

# wait_ready ERRFILE PID: until hotcanary says it is attached, or it died
wait_ready()
{
	i=0
	while [ $i -lt 300 ]; do
		grep -q 'watching' "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

for mode in fentry kprobe auto; do
	out=/tmp/watch-$mode.json
	err=/tmp/watch-$mode.err
	"$HC" watch --json -i 1s -e zero --mode "$mode" kernel:cmdline_proc_show >"$out" 2>"$err" &
	pid=$!
	if ! wait_ready "$err" "$pid"; then
		hc_fail "watch-kernel-$mode" "hotcanary did not attach: $(cat "$err")"
		kill -9 "$pid" 2>/dev/null
		continue
	fi
	# the detach check below means something only if the probes showed up here first
	on=$(grep -c '^cmdline_proc_show' /sys/kernel/tracing/enabled_functions 2>/dev/null)
	if [ "${on:-0}" -eq 0 ]; then
		hc_fail "watch-kernel-$mode-attach" "cmdline_proc_show not in enabled_functions while watched"
	fi
	i=0
	while [ $i -lt $N ]; do
		read -r _ </proc/cmdline
		i=$((i + 1))
	done
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	final=$(grep '"final":true' "$out")
	calls=$(json_field "$final" calls_total)
	errors=$(json_field "$final" errors_total)
	used=$(printf '%s\n' "$final" | grep -o '"mode":"[a-z]*"' | cut -d'"' -f4)
	want=$mode
	[ "$mode" = auto ] && want=fentry
	if [ "$rc" -ne 0 ]; then
		hc_fail "watch-kernel-$mode" "exit status $rc: $(cat "$err")"
	elif [ "$used" != "$want" ]; then
		hc_fail "watch-kernel-$mode" "probe mode '$used', expected '$want'"
	elif [ "$calls" != "$N" ] || [ "$errors" != "$N" ]; then
		hc_fail "watch-kernel-$mode" "counted calls=$calls errors=$errors, expected $N and $N; final line: $final"
	else
		hc_pass "watch-kernel-$mode" "calls=$calls errors=$errors mode=$used on $KVER"
	fi
	# nothing may stay attached after exit
	left=$(grep -c cmdline_proc_show /sys/kernel/tracing/enabled_functions 2>/dev/null)
	if [ "${left:-0}" -ne 0 ]; then
		hc_fail "watch-kernel-$mode-detach" "cmdline_proc_show still has ftrace users after exit"
	else
		hc_pass "watch-kernel-$mode-detach" "no ftrace user left on cmdline_proc_show"
	fi
done

hc_exit
