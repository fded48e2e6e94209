# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# After the rollback the previous cumulative patch must be back, enabled and settled, with
# its text in /proc/cmdline, though the policy never said the new patch replaces it; and the
# module hotcanary loaded is the copy it keeps in its state directory.
[ "$OUTCOME" = rolled-back ] || exit 0
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
prev_back replace-implicit || exit 1
if ! grep -q "replaces '$PREV_MOD'" "$REPORT" && ! grep -q "'$PATCH' replaces '$PREV_MOD'" "$REPORT"; then
	echo "replace-implicit: the report does not say that $PATCH replaces $PREV_MOD (check 13)"
	exit 1
fi
if ! cmp -s "$MODULE" "/var/lib/hotcanary/modules/$PATCH.ko"; then
	echo "replace-implicit: /var/lib/hotcanary/modules/$PATCH.ko is not a copy of $MODULE"
	exit 1
fi
echo "replace-implicit: $PREV_MOD is back and /proc/cmdline shows it"
