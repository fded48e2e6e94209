# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Refused up front, as the kernel would have refused the load: both versions named, and
# test_klp_state2 left enabled.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
s=upstream-state-downgrade
[ "$OUTCOME" = refused ] || exit 0
enabled $s test_klp_state2 || exit 1
if ! grep -q "'test_klp_state' has klp_state 1 version 1, older than version 2 of 'test_klp_state2'" "$REPORT"; then
	echo "$s: the refusal does not name both klp_state versions"
	exit 1
fi
echo "$s: refused before loading, naming klp_state 1 versions 1 and 2"
