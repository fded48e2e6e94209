# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Before hotcanary starts, another livepatch of cmdline_proc_show is already enabled: an
# ordinary (non-replace) one, as a foreign tool or a manual insmod would leave it.
set -e
insmod "$PREV"
sys=/sys/kernel/livepatch/$PREV_MOD
# Settled, so that hotcanary has a conflict to refuse (check 6) and not merely a
# transition in progress (check 5).
i=0
while [ "$(cat "$sys/transition")" != 0 ]; do
	[ $i -lt 300 ] || { echo "conflict: $sys/transition still 1 after 30 s"; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
read -r shown </proc/cmdline
[ "$shown" = "hotcanary livepatch conflict-other" ] ||
	{ echo "conflict: /proc/cmdline shows '$shown', not the text of $PREV"; exit 1; }
echo "conflict: $PREV_MOD enabled and settled"
