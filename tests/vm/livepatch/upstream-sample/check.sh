# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The unmodified upstream sample must behave in hotcanary's hands as it does in the
# kernel's own selftest (tools/testing/selftests/livepatch/test-livepatch.sh): its text in
# /proc/cmdline, and the kernel's log lines for loading a livepatch, in order. The
# selftest also expects "initializing" and "completing patching transition", which are
# pr_debug and so only in its log with dynamic debug on.
case $OUTCOME in
committed | held) ;;
*) exit 0 ;;
esac
read -r shown </proc/cmdline
if [ "$shown" != "this has been live patched" ]; then
	echo "upstream-sample: /proc/cmdline shows '$shown', not the sample's 'this has been live patched'"
	exit 1
fi
log=$(dmesg | sed -n 's/^\[[^]]*\] *//p')
at=0
for want in "livepatch: enabling patch '$PATCH'" \
	"livepatch: '$PATCH': starting patching transition" \
	"livepatch: '$PATCH': patching complete"; do
	n=$(printf '%s\n' "$log" | grep -n -F -x -m 1 -e "$want" | cut -d : -f 1)
	if [ -z "$n" ]; then
		echo "upstream-sample: the kernel log lacks '$want', which the upstream selftest expects"
		exit 1
	fi
	if [ "$n" -le "$at" ]; then
		echo "upstream-sample: '$want' came before the line the upstream selftest expects first"
		exit 1
	fi
	at=$n
done
echo "upstream-sample: $PATCH shows in /proc/cmdline and the kernel logged it as the selftest expects"
