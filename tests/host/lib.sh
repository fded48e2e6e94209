# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the host test scripts share (run.sh, ulp.sh): where things are, skips, background
# processes, results and the group runner. A script sets SUITE (the prefix of its summary
# lines) and sources this first; it then creates $tmp, which cleanup removes.

here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUTPUT:-build}
case $out in
/*) ;;
*) out=$root/$out ;;
esac
# promtool is unpacked there by tools/install-deps.sh, not installed
PATH=$PATH:${HOTCANARY_CACHE:-/var/cache/hotcanary}/bin

# prereq REASON HINT: skip outside CI, fail loudly in CI
prereq()
{
	case ${CI:-} in
	'' | false | 0)
		echo "$SUITE: SKIPPED: $1; $2"
		exit 0
		;;
	esac
	echo "$SUITE: FAILED: $1; $2 (CI is set, so a missing prerequisite is an error)" >&2
	exit 1
}

# need_uprobes: uprobes, and tracefs mounted (hotcanary's tracepoints, uprobe_events)
need_uprobes()
{
	[ -e /sys/bus/event_source/devices/uprobe/type ] ||
		prereq "this kernel has no uprobes (CONFIG_UPROBE_EVENTS)" \
			"run on a kernel with uprobes"
	if [ ! -e /sys/kernel/tracing/uprobe_events ]; then
		mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
		[ -e /sys/kernel/tracing/uprobe_events ] ||
			prereq "cannot mount tracefs at /sys/kernel/tracing" "mount it by hand"
	fi
}

bg_pids=()
tmp=

# alive PID: the process exists and is not a zombie
alive()
{
	local st

	st=$(sed -n 's/^.*) \([A-Z]\).*$/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

cleanup()
{
	local p

	for p in "${bg_pids[@]}"; do
		alive "$p" && kill -9 "$p" 2>/dev/null
	done
	# KEEP=1 keeps the reports and logs of a failing run to look at
	if [ -n "${KEEP:-}" ] && [ -n "$tmp" ]; then
		echo "$SUITE: kept $tmp" >&2
	elif [ -n "$tmp" ]; then
		cd / && rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

npass=0
nfail=0

# A result is one line: a multi-line detail (stderr, JSON) is folded onto it.
result()
{
	local verdict=$1 name=$2 detail

	shift 2
	detail=$(printf '%s' "$*" | tr '\n\r\t' '   ')
	echo "$verdict $name${detail:+ $detail}"
	if [ "$verdict" = PASS ]; then
		npass=$((npass + 1))
	else
		nfail=$((nfail + 1))
	fi
}

pass()
{
	result PASS "$@"
}

fail()
{
	result FAIL "$@"
}

# run_groups "GROUPS" [PATTERN...]: run t_GROUP for every group a shell glob selects (all
# without patterns), then the summary; the exit status says whether every case passed.
# A script may define at_end, run after the groups and before the summary.
run_groups()
{
	local groups=$1 selected='' g pat start

	shift
	for g in $groups; do
		if [ $# -eq 0 ]; then
			selected="$selected $g"
			continue
		fi
		for pat in "$@"; do
			# shellcheck disable=SC2254 # the pattern is meant to glob
			case $g in
			$pat) selected="$selected $g" && break ;;
			esac
		done
	done
	if [ -z "$selected" ]; then
		echo "$SUITE: no group matches '$*'; groups: $groups" >&2
		exit 2
	fi
	start=$(date +%s)
	for g in $selected; do
		"t_$g"
	done
	declare -F at_end >/dev/null && at_end
	echo "$SUITE: took $(($(date +%s) - start)) s"
	echo "$SUITE: $npass passed, $nfail failed"
	[ $nfail -eq 0 ]
}
