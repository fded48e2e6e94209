# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# hctest-timeout: 180
#
# Guardrail events on a real kernel: a fatal signal and the death it causes, an OOM kill,
# a kernel WARN (from the hc_warn test module) and the taint bits it sets. Each must appear
# as an "event" line of 'watch --json' while a kernel function is watched.
# shellcheck source=tests/vm/lib.sh
. /lib/hctest.sh

out=/tmp/guard.json
err=/tmp/guard.err
"$HC" watch --json -i 1s kernel:cmdline_proc_show >"$out" 2>"$err" &
hc=$!
i=0
while [ $i -lt 300 ] && ! grep -q watching "$err"; do
	sleep 0.1
	i=$((i + 1))
done
if ! grep -q watching "$err"; then
	hc_fail guard-attach "hotcanary did not attach: $(cat "$err")"
	kill -9 $hc
	hc_exit
fi
# the OOM killer must pick the memory hog, never the monitor
echo -1000 >/proc/$hc/oom_score_adj

# wait_event PATTERN: until a line of the output matches, up to 30 s
wait_event()
{
	j=0
	while [ $j -lt 300 ]; do
		grep -q "$1" "$out" && return 0
		sleep 0.1
		j=$((j + 1))
	done
	return 1
}

sh -c 'kill -SEGV $$'
victim=$(sh -c 'echo $$; kill -ABRT $$')
if wait_event "\"event\":\"fatal_signal\".*\"signal\":\"SIGSEGV\"" &&
   wait_event "\"event\":\"fatal_exit\".*\"signal\":\"SIGSEGV\""; then
	hc_pass guard-fatal-signal "SIGSEGV reported as fatal_signal and fatal_exit"
else
	hc_fail guard-fatal-signal "no fatal_signal/fatal_exit SIGSEGV event: $(grep event "$out")"
fi
if wait_event "\"event\":\"fatal_exit\",[^}]*\"pid\":$victim,.*\"signal\":\"SIGABRT\""; then
	hc_pass guard-fatal-abort "SIGABRT death of pid $victim reported"
else
	hc_fail guard-fatal-abort "no fatal_exit SIGABRT event for pid $victim: $(grep event "$out")"
fi

# tail keeps a line that never ends in memory: an OOM kill within seconds
tail /dev/zero &
wait $! 2>/dev/null
if wait_event '"event":"oom_kill".*"comm":"tail"'; then
	hc_pass guard-oom "$(grep -o '"event":"oom_kill"[^}]*' "$out" | head -n 1)"
else
	hc_fail guard-oom "no oom_kill event for tail: $(grep event "$out")"
fi

if ! insmod "/lib/modules/$KVER/hc_warn.ko"; then
	hc_fail guard-warn "insmod hc_warn.ko failed; was it built by 'make vm-modules'?"
else
	if wait_event '"event":"kernel_log".*"class":"warning"'; then
		hc_pass guard-warn "$(grep -o '"class":"warning","message":"[^"]*' "$out" | head -n 1)"
	else
		hc_fail guard-warn "no kernel_log warning event: $(grep event "$out")"
	fi
	if wait_event '"event":"taint".*"new":"[A-Z]*W'; then
		hc_pass guard-taint "$(grep -o '"event":"taint"[^}]*"new":"[A-Z]*W[^}]*' "$out" | head -n 1)"
	else
		hc_fail guard-taint "no taint event with W: $(grep event "$out")"
	fi
	rmmod hc_warn
fi

# a record written by a process is not the kernel's, whatever it says
echo "WARNING: CPU: 0 PID: 1 at fake.c:1 not a kernel warning" >/dev/kmsg
sleep 1.5
if grep -q 'not a kernel warning' "$out"; then
	hc_fail guard-kmsg-user "a user-space /dev/kmsg record was reported as a kernel warning"
else
	hc_pass guard-kmsg-user "user-space /dev/kmsg record ignored"
fi

kill -TERM $hc
wait $hc
rc=$?
if [ $rc -eq 0 ] && grep -q '"final":true' "$out"; then
	hc_pass guard-exit "SIGTERM: final line and exit 0"
else
	hc_fail guard-exit "exit status $rc, final line: $(grep -c '"final":true' "$out")"
fi
hc_exit
