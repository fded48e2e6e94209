# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# After the rollback the previous cumulative patch must be back, enabled and settled, with its
# text in /proc/cmdline, though neither the policy nor the module's file said that the new
# patch replaces it; check 13 must have said that it may.
[ "$OUTCOME" = rolled-back ] || exit 0
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
prev_back replace-init || exit 1
if ! grep -q "'$PATCH' may replace '$PREV_MOD'" "$REPORT"; then
	echo "replace-init: the report does not say that $PATCH may replace $PREV_MOD (check 13)"
	exit 1
fi
echo "replace-init: $PREV_MOD is back after a replace only the load showed"
