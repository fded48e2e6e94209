# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC2154 # UP_<module> are set by run-scenario
#
# Committed with its target modules absent; then livepatch_callbacks_mod is loaded and the
# kernel patches it as it comes, with the sample's callbacks, as the upstream selftest
# "target module not present" expects.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
s=upstream-callbacks-unloaded
[ "$OUTCOME" = committed ] || exit 0
enabled $s livepatch_callbacks_demo || exit 1
if ! grep -q "target module 'livepatch_callbacks_busymod' is not loaded: patched when it loads" "$REPORT"; then
	echo "$s: check 2 did not say that livepatch_callbacks_busymod is patched when it loads"
	exit 1
fi
insmod "$UP_livepatch_callbacks_mod" || exit 1
log_in_order $s "livepatch: enabling patch 'livepatch_callbacks_demo'" \
	"livepatch_callbacks_demo: pre_patch_callback: vmlinux" \
	"livepatch: 'livepatch_callbacks_demo': starting patching transition" \
	"livepatch_callbacks_demo: post_patch_callback: vmlinux" \
	"livepatch: 'livepatch_callbacks_demo': patching complete" \
	"livepatch: applying patch 'livepatch_callbacks_demo' to loading module 'livepatch_callbacks_mod'" \
	"livepatch_callbacks_demo: pre_patch_callback: livepatch_callbacks_mod -> [MODULE_STATE_COMING] Full formed, running module_init" \
	"livepatch_callbacks_demo: post_patch_callback: livepatch_callbacks_mod -> [MODULE_STATE_COMING] Full formed, running module_init" || exit 1
patched=$(cat /sys/kernel/livepatch/livepatch_callbacks_demo/livepatch_callbacks_mod/patched 2>/dev/null)
if [ "$patched" != 1 ]; then
	echo "$s: livepatch_callbacks_mod/patched is '$patched' after the module loaded, not 1"
	exit 1
fi
echo "$s: committed without its modules; livepatch_callbacks_mod patched as it loaded"
