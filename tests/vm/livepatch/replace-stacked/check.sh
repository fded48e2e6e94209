# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# After the rollback the previous, non-cumulative patch must be enabled and settled, the new
# one gone, and /proc/cmdline must show the previous text: what the new patch replaced is
# back, and nothing of it is left.
[ "$OUTCOME" = rolled-back ] || exit 0
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
prev_back replace-stacked || exit 1
echo "replace-stacked: $PREV_MOD is back on its own and /proc/cmdline shows it"
