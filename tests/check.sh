#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'make check': every suite, each in its own make run so that one that fails to build or to
# pass does not keep the others from running. Each suite's output goes to the terminal and
# to $OUTPUT/check/SUITE.log. At the end, one line per suite, then the closing line
# "check: N passed, N failed, N skipped" summed over the suites; the exit status is non-zero
# if any suite failed.
#
# usage: bash tests/check.sh [SUITE...]
#        (default: lint unit unit-asan fuzz deb host ulp vm scenarios)
# environment: OUTPUT (build directory), MAKE, CI (a skipped suite is a failure under CI)

out=${OUTPUT:-build}
make=${MAKE:-make}
suites=${*:-lint unit unit-asan fuzz deb host ulp vm scenarios}
logdir=$out/check
mkdir -p "$logdir" || exit 2

summary=
tp=0
tf=0
ts=0
bad=0

# the suite's own closing line: "NAME: N passed, N failed" (the scenario runner says
# "run-scenario: N scenario runs, M as expected, K not"); SKIPPED lines carry a reason
counts()
{
	sed -n -e 's/^[a-z-]*: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1 \2/p' \
		-e 's/^run-scenario: [0-9][0-9]* scenario runs, \([0-9][0-9]*\) as expected, \([0-9][0-9]*\) not.*/\1 \2/p' \
		"$1" | tail -n 1
}

for s in $suites; do
	log=$logdir/$s.log
	echo "=== check-$s"
	start=$(date +%s)
	$make --no-print-directory "check-$s" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - start))
	c=$(counts "$log")
	p=${c% *}
	f=${c#* }
	skip=$(sed -n 's/^[a-z-]*: SKIPPED: //p' "$log" | head -n 1)
	if [ -z "$c" ]; then
		p=0
		f=0
	fi
	if [ -n "$skip" ] && [ "$rc" -eq 0 ] && [ -z "$c" ]; then
		state="skipped ($skip)"
		ts=$((ts + 1))
	elif [ "$rc" -ne 0 ]; then
		# a build error or a crash before the suite's summary still fails it, visibly
		[ "$f" -eq 0 ] && f=1
		state="FAILED (exit $rc)"
		bad=1
	elif [ -z "$c" ]; then
		state="FAILED (no summary line; see $log)"
		f=1
		bad=1
	else
		state=passed
	fi
	tp=$((tp + p))
	tf=$((tf + f))
	summary="$summary$(printf 'check: %-10s %-8s %5s passed, %3s failed, %4s s' "$s" \
		"${state%% *}" "$p" "$f" "$secs")"
	case $state in
	passed) ;;
	*) summary="$summary  ${state#* }" ;;
	esac
	summary="$summary
"
done

echo
printf '%s' "$summary"
echo "check: logs in $logdir/"
echo "check: $tp passed, $tf failed, $ts skipped"
[ "$bad" -eq 0 ]
