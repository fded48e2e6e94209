# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# hotcanary run, with a kernel warning (hc_warn.ko, tests/vm/modules) 2 s into the canary
# stage: the guardrail must roll the patch back. Exits as hotcanary run does.
"$HC" run policy.yaml --report "$REPORT" &
hc=$!
sys=/sys/kernel/livepatch/$PATCH
i=0
while [ "$(cat "$sys/transition" 2>/dev/null)" != 0 ]; do
	if [ $i -ge 600 ] || ! kill -0 "$hc" 2>/dev/null; then
		echo "upstream-state-rollback: $PATCH never settled within 60 s"
		wait "$hc"
		exit 1
	fi
	sleep 0.1
	i=$((i + 1))
done
sleep 2
insmod "/lib/modules/$KVER/hc_warn.ko"
wait "$hc"
rc=$?
rmmod hc_warn
exit $rc
