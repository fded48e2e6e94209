# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# After the rollback of the upgrade the previous version is back, enabled and settled, and
# the new patch was unpatched before the previous one was loaded (the kernel's order).
[ "$OUTCOME" = rolled-back ] || exit 0
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
prev_back state-upgrade || exit 1
unpatch=$(dmesg | grep -n "'$PATCH': starting unpatching transition" | tail -n 1 | cut -d: -f1)
repatch=$(dmesg | grep -n "'$PREV_MOD': starting patching transition" | tail -n 1 | cut -d: -f1)
if [ -z "$unpatch" ] || [ -z "$repatch" ] || [ "$unpatch" -gt "$repatch" ]; then
	echo "state-upgrade: the kernel log does not show $PATCH unpatched before $PREV_MOD was loaded again"
	exit 1
fi
echo "state-upgrade: $PATCH taken out first, then $PREV_MOD back with klp_state version 1"
