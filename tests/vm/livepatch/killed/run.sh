# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The controller dies in the middle of the canary stage (SIGKILL: no handler runs, as in
# an OOM kill or a crash), leaving an active, uncommitted patch. "hotcanary recover" must
# roll it back from the journal, and a second recover must find nothing to do.
# Exit status as for "hotcanary run": 3 when the host is clean again, 1 otherwise.
sys=/sys/kernel/livepatch/$PATCH

"$HC" run policy.yaml --report "$REPORT" &
hc=$!
# the patch settles after the baseline; the canary stage starts then
i=0
while [ "$(cat "$sys/transition" 2>/dev/null)" != 0 ]; do
	if [ $i -ge 600 ] || ! kill -0 "$hc" 2>/dev/null; then
		echo "killed: $PATCH never settled within 60 s; hotcanary run ended or hung before its canary stage"
		kill -KILL "$hc" 2>/dev/null
		exit 1
	fi
	sleep 0.1
	i=$((i + 1))
done
# well inside the 8 s canary stage
sleep 3
if ! kill -0 "$hc" 2>/dev/null; then
	echo "killed: hotcanary run ended on its own before it could be killed mid-stage"
	exit 1
fi
kill -KILL "$hc"
wait "$hc"
echo "killed: hotcanary run SIGKILLed in its canary stage"
[ -d "$sys" ] || { echo "killed: $sys vanished before recover; nothing left to recover"; exit 1; }

"$HC" recover
rc=$?
[ $rc -eq 0 ] || { echo "killed: hotcanary recover exited with $rc"; exit 1; }
if [ -e "$sys" ] || grep -q "^$PATCH " /proc/modules; then
	echo "killed: after recover $PATCH is still $([ -e "$sys" ] && echo enabled || echo loaded)"
	exit 1
fi
# idempotent: nothing left to do, and saying so is not an error
"$HC" recover
rc=$?
[ $rc -eq 0 ] || { echo "killed: a second hotcanary recover exited with $rc"; exit 1; }
echo "killed: recover rolled $PATCH back"
exit 3
