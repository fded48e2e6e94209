# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Committed: test_klp_atomic_replace (replace=1) replaced test_klp_livepatch, as in the
# upstream selftest "atomic replace livepatch": its text in /proc/meminfo, the original
# /proc/cmdline, and the kernel's lines for it in order.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
s=upstream-replace
[ "$OUTCOME" = committed ] || exit 0
enabled $s test_klp_atomic_replace || exit 1
gone $s test_klp_livepatch || exit 1
shows $s /proc/meminfo "test_klp_atomic_replace: this has been live patched" || exit 1
shows $s /proc/cmdline - || exit 1
log_in_order $s "livepatch: enabling patch 'test_klp_livepatch'" \
	"livepatch: 'test_klp_livepatch': starting patching transition" \
	"livepatch: 'test_klp_livepatch': patching complete" \
	"livepatch: enabling patch 'test_klp_atomic_replace'" \
	"livepatch: 'test_klp_atomic_replace': starting patching transition" \
	"livepatch: 'test_klp_atomic_replace': patching complete" || exit 1
echo "$s: test_klp_atomic_replace replaced test_klp_livepatch, as the selftest expects"
