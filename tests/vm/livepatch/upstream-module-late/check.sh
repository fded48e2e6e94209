# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Accepted with its target module absent (check 2) and a watched function of it (check 4);
# the kernel patched the module as it loaded mid-run; hotcanary attached to dummy_check then,
# counted its calls, did not judge it (no baseline), let it go when the module was unloaded,
# and never held the module.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
s=upstream-module-late
fn=kernel:livepatch_shadow_mod:dummy_check
[ "$OUTCOME" = committed ] || exit 0
enabled $s livepatch_shadow_fix1 || exit 1
for want in "target module 'livepatch_shadow_mod' is not loaded: patched when it loads" \
	"$fn: module 'livepatch_shadow_mod' is not loaded: watched when it loads" \
	"$fn: module 'livepatch_shadow_mod' is not loaded: attached when it loads" \
	"$fn attached at [0-9.]* s: module loaded (kprobe; canary)" \
	"$fn detached at [0-9.]* s: module unloaded (soak)" \
	"loaded after the baseline: its calls are counted"; do
	if ! grep -q -e "$want" "$REPORT"; then
		echo "$s: the report does not say '$want'"
		exit 1
	fi
done
if [ "$(cat rmmod.rc 2>/dev/null)" != 0 ]; then
	echo "$s: rmmod livepatch_shadow_mod failed (status $(cat rmmod.rc 2>/dev/null)) while hotcanary watched it"
	exit 1
fi
# the calls of the function's canary figures: every stage window it was probed in
calls=$(awk -v fn="\"$fn\"" 'index($0, fn) { f = 1 } f && /"canary"/ { c = 1 }
	c && /"calls"/ { gsub(/[^0-9]/, ""); print; exit }' "$REPORT")
if [ "${calls:-0}" -le 0 ]; then
	echo "$s: no call of $fn counted after it was attached"
	exit 1
fi
log_in_order $s "livepatch: enabling patch 'livepatch_shadow_fix1'" \
	"livepatch: 'livepatch_shadow_fix1': patching complete" \
	"livepatch: applying patch 'livepatch_shadow_fix1' to loading module 'livepatch_shadow_mod'" || exit 1
if ! dmesg | grep -q "livepatch_shadow_fix1: livepatch_fix1_dummy_alloc: dummy @"; then
	echo "$s: fix1's dummy_alloc never ran: the module was not patched as it loaded"
	exit 1
fi
echo "$s: $(grep -o -e "$fn attached at [0-9.]* s" -e "$fn detached at [0-9.]* s" "$REPORT" | tr '\n' ' ')$calls calls counted; rmmod worked"
