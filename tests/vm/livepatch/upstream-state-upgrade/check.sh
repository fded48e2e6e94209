# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Committed: test_klp_state2 replaced test_klp_state and took its state over, with the
# kernel's lines of the upstream selftest "upgrade" in order.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
s=upstream-state-upgrade
[ "$OUTCOME" = committed ] || exit 0
enabled $s test_klp_state2 || exit 1
gone $s test_klp_state || exit 1
log_in_order $s "livepatch: enabling patch 'test_klp_state'" \
	"test_klp_state: pre_patch_callback: vmlinux" \
	"test_klp_state: allocate_loglevel_state: allocating space to store console_loglevel" \
	"livepatch: 'test_klp_state': starting patching transition" \
	"test_klp_state: post_patch_callback: vmlinux" \
	"test_klp_state: fix_console_loglevel: fixing console_loglevel" \
	"livepatch: 'test_klp_state': patching complete" \
	"livepatch: enabling patch 'test_klp_state2'" \
	"test_klp_state2: pre_patch_callback: vmlinux" \
	"test_klp_state2: allocate_loglevel_state: space to store console_loglevel already allocated" \
	"livepatch: 'test_klp_state2': starting patching transition" \
	"test_klp_state2: post_patch_callback: vmlinux" \
	"test_klp_state2: fix_console_loglevel: taking over the console_loglevel change" \
	"livepatch: 'test_klp_state2': patching complete" || exit 1
echo "$s: test_klp_state2 took the state over, as the selftest expects"
