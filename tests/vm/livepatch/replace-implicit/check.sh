# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# After the rollback the previous cumulative patch must be back, enabled and settled, with
# its text in /proc/cmdline, though the policy never said the new patch replaces it; and the
# module hotcanary loaded is the copy it keeps in its state directory.
[ "$OUTCOME" = rolled-back ] || exit 0
sys=/sys/kernel/livepatch/$PREV_MOD
if [ "$(cat "$sys/enabled" 2>/dev/null)" != 1 ] || [ "$(cat "$sys/transition" 2>/dev/null)" != 0 ]; then
	echo "replace-implicit: $sys is not enabled and settled after the rollback: the replaced patch was lost"
	exit 1
fi
read -r shown </proc/cmdline
if [ "$shown" != "hotcanary livepatch replace-prev" ]; then
	echo "replace-implicit: /proc/cmdline shows '$shown' after the rollback, not the text of $PREV"
	exit 1
fi
if ! grep -q "replaces '$PREV_MOD'" "$REPORT" && ! grep -q "'$PATCH' replaces '$PREV_MOD'" "$REPORT"; then
	echo "replace-implicit: the report does not say that $PATCH replaces $PREV_MOD (check 13)"
	exit 1
fi
if ! cmp -s "$MODULE" "/var/lib/hotcanary/modules/$PATCH.ko"; then
	echo "replace-implicit: /var/lib/hotcanary/modules/$PATCH.ko is not a copy of $MODULE"
	exit 1
fi
echo "replace-implicit: $PREV_MOD is back and /proc/cmdline shows it"
