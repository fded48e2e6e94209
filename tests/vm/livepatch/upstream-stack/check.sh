# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Committed: test_klp_atomic_replace (replace=0) stacked on test_klp_livepatch; both
# enabled, each function showing its patch's text.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
s=upstream-stack
[ "$OUTCOME" = committed ] || exit 0
enabled $s test_klp_atomic_replace || exit 1
enabled $s test_klp_livepatch || exit 1
shows $s /proc/meminfo "test_klp_atomic_replace: this has been live patched" || exit 1
shows $s /proc/cmdline "test_klp_livepatch: this has been live patched" || exit 1
log_in_order $s "livepatch: enabling patch 'test_klp_atomic_replace'" \
	"livepatch: 'test_klp_atomic_replace': starting patching transition" \
	"livepatch: 'test_klp_atomic_replace': patching complete" || exit 1
echo "$s: both patches enabled, as the selftest expects"
