# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Run cmocka unit test binaries and sum their results:
#   sh tests/unit/run.sh build/tests/test_a build/tests/test_b ...
# Shows each binary's cmocka output, then ends with the line "SUITE: N passed, N failed",
# SUITE being unit unless set (unit-asan for the sanitizer build), and
# N counting individual test cases. Exits non-zero if a test failed, a binary crashed or
# exited non-zero without a cmocka summary, or no test ran at all.

suite=${SUITE:-unit}
if [ $# -eq 0 ]; then
	echo "usage: sh tests/unit/run.sh TEST_BINARY..." >&2
	echo "$suite: 0 passed, 0 failed"
	exit 2
fi

# cmocka's own summary lines are what is parsed: make sure it prints them
CMOCKA_MESSAGE_OUTPUT=stdout
export CMOCKA_MESSAGE_OUTPUT
unset CMOCKA_XML_FILE

log=$(mktemp "${TMPDIR:-/tmp}/hc-unit.XXXXXX") || exit 2
trap 'rm -f "$log"' EXIT
trap 'rm -f "$log"; exit 130' INT TERM

passed=0
failed=0
skipped=0
broken=""

# the number after "[  TAG  ]" on cmocka's summary lines, summed over the groups of a binary
count() {
	sed -n "s/^\[  $1 *\] \([0-9][0-9]*\) test(s).*/\1/p" "$log" |
		awk '{ n += $1 } END { print n + 0 }'
}

lines() {
	grep -c "^\[ *$1 *\] " "$log"
}

for bin in "$@"; do
	echo "=== $bin"
	if [ ! -x "$bin" ]; then
		echo "run.sh: $bin: not an executable" >&2
		failed=$((failed + 1))
		broken="$broken $bin"
		continue
	fi
	"$bin" >"$log" 2>&1
	rc=$?
	cat "$log"

	p=$(count PASSED)
	f=$(count FAILED)
	s=$(count SKIPPED)
	if grep -q '^\[  PASSED  \] [0-9][0-9]* test(s)' "$log"; then
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			# a summary said all passed, yet the binary failed: count it, never hide it
			echo "run.sh: $bin exited with status $rc after its tests passed" >&2
			f=1
			broken="$broken $bin"
		elif [ $((p + f + s)) -eq 0 ]; then
			echo "run.sh: $bin ran no test" >&2
			f=1
			broken="$broken $bin"
		fi
	else
		# no summary: it crashed (or a group setup failed); count what got to run
		p=$(lines OK)
		started=$(lines RUN)
		f=$((started - p))
		[ "$f" -lt 1 ] && f=1
		if [ "$rc" -gt 128 ]; then
			echo "run.sh: $bin killed by signal $((rc - 128)) without a summary" >&2
		else
			echo "run.sh: $bin exited with status $rc without a cmocka summary" >&2
		fi
		broken="$broken $bin"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done

# a test that could not run is a failure in CI (CI set, not "false" or "0"); a printed skip
# is allowed only outside it
if [ "$skipped" -gt 0 ] && [ -n "${CI:-}" ] && [ "$CI" != false ] && [ "$CI" != 0 ]; then
	echo "run.sh: $skipped test(s) skipped under CI: that counts as failure; see the reasons above" >&2
	failed=$((failed + skipped))
	skipped=0
fi
[ -n "$broken" ] && echo "run.sh: failing binaries:$broken" >&2
[ "$passed" -eq 0 ] && [ "$failed" -eq 0 ] && echo "run.sh: no test ran" >&2
[ "$skipped" -gt 0 ] && echo "$suite: $skipped skipped"
# the closing line, last of all
echo "$suite: $passed passed, $failed failed"

[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
