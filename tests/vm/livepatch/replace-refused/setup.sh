# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The previous cumulative patch (PREV, prev.c) is in place before hotcanary starts, as it
# would be on a host that received the last release of a livepatch series.
set -e
insmod "$PREV"
sys=/sys/kernel/livepatch/$PREV_MOD
i=0
while [ "$(cat "$sys/transition")" != 0 ]; do
	[ $i -lt 300 ] || { echo "replace-refused: $sys/transition still 1 after 30 s"; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
read -r shown </proc/cmdline
[ "$shown" = "hotcanary livepatch replace-prev" ] ||
	{ echo "replace-refused: /proc/cmdline shows '$shown', not the text of $PREV"; exit 1; }
echo "replace-refused: $PREV_MOD enabled and settled"
