# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Refused up front, naming both patches; both still enabled (the runner checks that the
# enabled livepatches are those of before the run).
[ "$OUTCOME" = refused ] || exit 0
if ! grep -q "the 2 enabled livepatches ('test_klp_atomic_replace', 'test_klp_livepatch')" "$REPORT"; then
	echo "replace-two: the refusal does not name both enabled patches"
	exit 1
fi
echo "replace-two: refused, naming both enabled patches"
