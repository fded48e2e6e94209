# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# After the rollback the previous cumulative patch must be back, enabled and settled, and
# its behaviour visible: an atomic replace leaves no moment with the original function,
# and a plain disable of the new patch would have shown the original text instead.
[ "$OUTCOME" = rolled-back ] || exit 0
sys=/sys/kernel/livepatch/$PREV_MOD
if [ "$(cat "$sys/enabled" 2>/dev/null)" != 1 ] || [ "$(cat "$sys/transition" 2>/dev/null)" != 0 ]; then
	echo "replace: $sys is not enabled and settled after the rollback; patch.replaces was not loaded back"
	exit 1
fi
read -r shown </proc/cmdline
if [ "$shown" != "hotcanary livepatch replace-prev" ]; then
	echo "replace: /proc/cmdline shows '$shown' after the rollback, not 'hotcanary livepatch replace-prev' of $PREV"
	exit 1
fi
# atomic: the original cmdline_proc_show never ran again (no unpatching transition)
if dmesg | grep -q "'$PATCH': starting unpatching transition"; then
	echo "replace: $PATCH was unpatched (disabled) rather than replaced by $PREV_MOD"
	exit 1
fi
echo "replace: $PREV_MOD is back and /proc/cmdline shows it"
