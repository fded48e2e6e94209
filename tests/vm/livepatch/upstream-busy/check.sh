# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The blocked transition was reversed, not forced: the kernel's lines of the selftest "busy
# target module" for the reversal, the callbacks' post_unpatch, no 'force' anywhere. Then
# the worker is let go, so that the runner can unload the module.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
s=upstream-busy
rc=0
if [ "$OUTCOME" = rolled-back ]; then
	gone $s test_klp_callbacks_demo || rc=1
	log_in_order $s "test_klp_callbacks_busy: busymod_work_func enter" \
		"livepatch: enabling patch 'test_klp_callbacks_demo'" \
		"test_klp_callbacks_demo: pre_patch_callback: vmlinux" \
		"livepatch: 'test_klp_callbacks_demo': starting patching transition" \
		"livepatch: 'test_klp_callbacks_demo': starting unpatching transition" \
		"test_klp_callbacks_demo: post_unpatch_callback: vmlinux" \
		"livepatch: 'test_klp_callbacks_demo': unpatching complete" || rc=1
	if dmesg | grep -q "test_klp_callbacks_demo.*forc\|forcing"; then
		echo "$s: the kernel log shows a forced transition"
		rc=1
	fi
fi
echo 0 >/sys/module/test_klp_callbacks_busy/parameters/block_transition
[ $rc = 0 ] && echo "$s: the blocked transition was reversed and never forced"
exit $rc
