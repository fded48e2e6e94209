# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Both fixes committed and stacked, each doing its part with the shadow variables: fix1's
# dummy_alloc attaches the leak, fix2's dummy_free frees it and shows its dummy_check
# counter (dummies expire after 12 s, checked every 3 s).
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
s=upstream-shadow
[ "$OUTCOME" = committed ] || exit 0
enabled $s livepatch_shadow_fix1 || exit 1
enabled $s livepatch_shadow_fix2 || exit 1
sleep 4
log=$(dmesg | sed -n 's/^\[[^]]*\] *//p')
for want in "livepatch_shadow_fix1: livepatch_fix1_dummy_alloc: dummy @" \
	"livepatch_shadow_fix2: livepatch_fix2_dummy_leak_dtor: dummy @ .*, prevented leak @" \
	"livepatch_shadow_fix2: livepatch_fix2_dummy_free: dummy @ .*, check counter = "; do
	if ! printf '%s\n' "$log" | grep -q -e "^$want"; then
		echo "$s: the kernel log has no line '$want...': a fix is not doing its part"
		exit 1
	fi
done
log_in_order $s "livepatch: 'livepatch_shadow_fix1': patching complete" \
	"livepatch: 'livepatch_shadow_fix2': patching complete" || exit 1
# the runner reverts this policy's patch; fix2's is this script's to revert
"$HC" revert lp-upstream-shadow-fix2 >/dev/null || { echo "$s: revert of fix2 failed"; exit 1; }
echo "$s: fix1 and fix2 stacked, both working on the shadow variables"
