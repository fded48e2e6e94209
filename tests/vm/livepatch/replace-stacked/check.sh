# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# After the rollback the previous, non-cumulative patch must be enabled and settled, the new
# one gone, and /proc/cmdline must show the previous text: what the new patch replaced is
# back, and nothing of it is left.
[ "$OUTCOME" = rolled-back ] || exit 0
sys=/sys/kernel/livepatch/$PREV_MOD
if [ "$(cat "$sys/enabled" 2>/dev/null)" != 1 ] || [ "$(cat "$sys/transition" 2>/dev/null)" != 0 ]; then
	echo "replace-stacked: $sys is not enabled and settled after the rollback"
	exit 1
fi
read -r shown </proc/cmdline
if [ "$shown" != "hotcanary livepatch replace-prev" ]; then
	echo "replace-stacked: /proc/cmdline shows '$shown' after the rollback, not the text of $PREV"
	exit 1
fi
echo "replace-stacked: $PREV_MOD is back on its own and /proc/cmdline shows it"
