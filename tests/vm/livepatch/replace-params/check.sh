# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# After the rollback test_klp_atomic_replace must be back as it was: enabled, with
# replace=1 (and, where the kernel shows it, a cumulative patch), as check 13 said.
[ "$OUTCOME" = rolled-back ] || exit 0
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
s=replace-params
m=test_klp_atomic_replace
enabled $s $m || exit 1
v=$(cat /sys/module/$m/parameters/replace)
if [ "$v" != 1 ]; then
	echo "$s: $m was loaded again with replace=$v, not the replace=1 it had"
	exit 1
fi
if [ -f /sys/kernel/livepatch/$m/replace ] && [ "$(cat /sys/kernel/livepatch/$m/replace)" != 1 ]; then
	echo "$s: /sys/kernel/livepatch/$m/replace is not 1 after the rollback"
	exit 1
fi
if ! grep -q "'$m' is loaded again with the parameters it has: replace=1" "$REPORT"; then
	echo "$s: check 13 did not say that $m is loaded again with replace=1"
	exit 1
fi
echo "$s: $m is back with replace=1"
