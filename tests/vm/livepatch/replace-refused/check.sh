# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Refused up front: the previous patch is untouched, and the refusal names it and the way
# out (patch.restore).
[ "$OUTCOME" = refused ] || exit 0
sys=/sys/kernel/livepatch/$PREV_MOD
if [ "$(cat "$sys/enabled" 2>/dev/null)" != 1 ]; then
	echo "replace-refused: $sys is not enabled after the refusal"
	exit 1
fi
if ! grep -q "replaces the enabled livepatch '$PREV_MOD'" "$REPORT" ||
	! grep -q "patch.restore" "$REPORT"; then
	echo "replace-refused: the report does not name $PREV_MOD and patch.restore:"
	cat "$REPORT"
	exit 1
fi
echo "replace-refused: refused, naming $PREV_MOD; it stays enabled"
