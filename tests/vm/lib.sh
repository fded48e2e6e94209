# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers for VM test scenarios, installed in the initramfs as /lib/hctest.sh; a scenario
# sources it with ". /lib/hctest.sh". Results are only ever reported through hc_pass and
# hc_fail so that every line the host parses has the exact "HCTEST PASS|FAIL" form.

hc_failed=0

# The host reads one result per line, so a multi-line detail is folded onto one.
hc__line()
{
	hc__verdict=$1
	hc__name=$2
	shift 2
	hc__detail=$(printf '%s' "$*" | tr '\n\r\t' '   ')
	echo "HCTEST $hc__verdict $hc__name${hc__detail:+ $hc__detail}"
}

# hc_pass TEST-NAME [DETAIL...]
hc_pass()
{
	hc__line PASS "$@"
}

# hc_fail TEST-NAME [DETAIL...]
hc_fail()
{
	hc_failed=$((hc_failed + 1))
	hc__line FAIL "$@"
}

# hc_exit: end the scenario; non-zero when any hc_fail was reported.
hc_exit()
{
	[ "$hc_failed" -eq 0 ] && exit 0
	exit 1
}
