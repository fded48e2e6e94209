# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Rolled back: /sys/kernel/livepatch holds what it held before the run, test_klp_livepatch
# alone, enabled, with its text in /proc/cmdline and /proc/meminfo original again.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
s=upstream-replace-rollback
[ "$OUTCOME" = rolled-back ] || exit 0
enabled $s test_klp_livepatch || exit 1
gone $s test_klp_atomic_replace || exit 1
left=$(ls /sys/kernel/livepatch)
if [ "$left" != test_klp_livepatch ]; then
	echo "$s: /sys/kernel/livepatch holds '$left', not test_klp_livepatch alone as before the run"
	exit 1
fi
shows $s /proc/cmdline "test_klp_livepatch: this has been live patched" || exit 1
shows $s /proc/meminfo - || exit 1
echo "$s: test_klp_livepatch restored, as before the run"
