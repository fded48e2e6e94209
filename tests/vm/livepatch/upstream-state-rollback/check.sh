# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Rolled back: test_klp_state (version 1) enabled again with its state, never a 'failed'
# in between: test_klp_state2 restored the console log level and freed the state when it
# was disabled, then test_klp_state allocated and fixed it anew.
dmesg -n 1
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
s=upstream-state-rollback
[ "$OUTCOME" = rolled-back ] || exit 0
enabled $s test_klp_state || exit 1
gone $s test_klp_state2 || exit 1
log_in_order $s "test_klp_state2: fix_console_loglevel: taking over the console_loglevel change" \
	"livepatch: 'test_klp_state2': patching complete" \
	"test_klp_state2: pre_unpatch_callback: vmlinux" \
	"test_klp_state2: restore_console_loglevel: restoring console_loglevel" \
	"livepatch: 'test_klp_state2': starting unpatching transition" \
	"test_klp_state2: free_loglevel_state: freeing space for the stored console_loglevel" \
	"livepatch: 'test_klp_state2': unpatching complete" \
	"livepatch: enabling patch 'test_klp_state'" \
	"test_klp_state: allocate_loglevel_state: allocating space to store console_loglevel" \
	"test_klp_state: fix_console_loglevel: fixing console_loglevel" \
	"livepatch: 'test_klp_state': patching complete" || exit 1
echo "$s: test_klp_state2 out first, then test_klp_state back with its state"
