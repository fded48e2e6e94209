# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# After the rollback the previous cumulative patch must be back, enabled and settled, and
# its behaviour visible: an atomic replace leaves no moment with the original function,
# and a plain disable of the new patch would have shown the original text instead.
[ "$OUTCOME" = rolled-back ] || exit 0
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
prev_back replace || exit 1
# atomic: the original cmdline_proc_show never ran again (no unpatching transition)
if dmesg | grep -q "'$PATCH': starting unpatching transition"; then
	echo "replace: $PATCH was unpatched (disabled) rather than replaced by $PREV_MOD"
	exit 1
fi
echo "replace: $PREV_MOD is back and /proc/cmdline shows it"
