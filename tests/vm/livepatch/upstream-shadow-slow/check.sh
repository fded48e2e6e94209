# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Rolled back by the judge on dummy_alloc's latency (not a guardrail), in the first stage.
[ "$OUTCOME" = rolled-back ] || exit 0
if ! grep -q '"decision":"rolled-back"' "$REPORT" || ! grep -q "dummy_alloc" "$REPORT"; then
	echo "upstream-shadow-slow: the report does not roll back on dummy_alloc"
	exit 1
fi
if grep -q '"reason":"kernel warning\|"reason":"taint' "$REPORT"; then
	echo "upstream-shadow-slow: rolled back by a guardrail, not by the judge"
	exit 1
fi
echo "upstream-shadow-slow: the slow fix of a once-a-second function was rolled back"
