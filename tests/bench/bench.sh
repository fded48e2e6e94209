#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Per-call overhead of hotcanary's probes, and hotcanary's own CPU use.
#
# 1. Cost per call of bench_fn in $OUTPUT/tests/bench_target, run in rounds, each round in a
#    rotated order: untraced; the floor (empty uprobe+uretprobe, $OUTPUT/tests/bench_floor);
#    hotcanary watch; bpftrace with a hist() one-liner. Uprobes trap, so every variant costs
#    microseconds per call in a VM and drifts with the host's load: only variants measured
#    side by side in the same run are compared, and each is the median over the rounds.
#    Targets on the added cost (variant minus untraced):
#      hotcanary/floor <= 1.10     hotcanary/bpftrace <= 1.0
# 2. hotcanary's CPU use (utime+stime from /proc/PID/stat over wall time) while watching
#    bench_fn0..bench_fn19 at 1 s intervals, the target calling them round robin:
#      <= 1% of one core
#    BPF programs run in the traced process's context and are charged to it, not to
#    hotcanary: this target is the controller's cost (reading maps, rendering, polling).
# 3. What a probe costs per call by the kind of its first instruction (emulated push, an
#    instruction single-stepped out of line, a 5-byte nop), side by side: figures, no target.
# 4. Userspace hotpatching ($OUTPUT/tests/ulp_bench): how long a process is stopped per patch
#    or unpatch, median and max, with 1, 8 and 32 threads calling the function at full
#    speed, and the redirect's cost per call against an unpatched call. Target:
#      freeze median <= 2 ms with 8 threads
#
# environment: OUTPUT (build directory, default build), CI (a missing tool fails instead
# of skipping), BENCH_CALLS (calls per timed run, default 150000), BENCH_ROUNDS (default 7),
# BENCH_CPU_SECS (length of the CPU test, default 15), BPFTRACE, BPFTOOL
set -u

OUTPUT=${OUTPUT:-build}
CALLS=${BENCH_CALLS:-150000}
ROUNDS=${BENCH_ROUNDS:-7}
CPU_SECS=${BENCH_CPU_SECS:-15}
BPFTRACE=${BPFTRACE:-bpftrace}
BPFTOOL=${BPFTOOL:-bpftool}
FLOOR_MAX=1.10
BPFTRACE_MAX=1.0
CPU_MAX=1

passed=0
failed=0
tool_missing=0
pids=()

say()
{
	echo "bench: $*"
}

die()
{
	echo "bench: $*" >&2
	exit 1
}

in_ci()
{
	case ${CI:-} in
	'' | false | 0) return 1 ;;
	esac
	return 0
}

pass()
{
	say "PASS $*"
	passed=$((passed + 1))
}

fail()
{
	say "FAIL $*"
	failed=$((failed + 1))
}

# A tool a target needs is missing: on a developer's machine that target is skipped, in CI
# it fails, since a skipped benchmark there would hide a broken setup.
missing()
{
	local target=$1 why=$2

	if in_ci; then
		fail "$target: $why (CI is set, so a missing tool is an error)"
		tool_missing=1
	else
		say "SKIPPED $target: $why"
	fi
}

# a reaped pid may be reused by anyone: drop it so cleanup kills only our own processes
forget()
{
	local p keep=()

	for p in "${pids[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	pids=("${keep[@]}")
}

cleanup()
{
	local p

	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	[ -n "${tmp:-}" ] && rm -rf "$tmp"
}

[ "$(id -u)" = 0 ] ||
	die "needs root to load BPF programs and attach uprobes; run 'sudo make bench'"

hc=$OUTPUT/hotcanary
target=$OUTPUT/tests/bench_target
floor=$OUTPUT/tests/bench_floor
for f in "$hc" "$target" "$floor"; do
	[ -x "$f" ] || die "no '$f'; build it with 'make bench' (OUTPUT=$OUTPUT)"
done
# uprobes are keyed by inode, and every tool must name the same file
target=$(realpath "$target")
have_bpftrace=1
command -v "$BPFTRACE" >/dev/null 2>&1 || have_bpftrace=0
have_bpftool=1
command -v "$BPFTOOL" >/dev/null 2>&1 || have_bpftool=0

tmp=$(mktemp -d /tmp/hotcanary-bench.XXXXXX) || die "cannot create a temporary directory"
trap cleanup EXIT
trap 'exit 130' INT TERM

# The target gets a CPU of its own, the tracers another: a tracer waking up (hotcanary's
# interval tick, bpftrace's poll loop) then does not preempt the timed loop.
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
pin_target=()
pin_tools=()
if [ "$ncpu" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
	pin_target=(taskset -c $((ncpu - 1)))
	pin_tools=(taskset -c 0-$((ncpu - 2)))
fi

# wait until @out or @err has a line matching @pattern; fail if @pid exits or @secs pass
wait_line()
{
	local pid=$1 out=$2 err=$3 pattern=$4 tries=$(($5 * 20))

	while [ "$tries" -gt 0 ]; do
		grep -q -- "$pattern" "$out" "$err" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
		tries=$((tries - 1))
	done
	return 1
}

# A tool's "attached" message can come before its probes are live (bpftrace prints
# "Attaching N probes..." before attaching), so also wait until the kernel lists @n uprobes
# and @n uretprobes of process @pid on the target binary.
wait_probes()
{
	local pid=$1 n=$2 tries=200 list up ret

	[ "$have_bpftool" = 1 ] || return 0
	while [ "$tries" -gt 0 ]; do
		list=$("$BPFTOOL" perf show 2>/dev/null | grep "^pid $pid .* filename $target ")
		up=$(grep -c ' uprobe ' <<<"$list")
		ret=$(grep -c ' uretprobe ' <<<"$list")
		[ "$up" -ge "$n" ] && [ "$ret" -ge "$n" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
		tries=$((tries - 1))
	done
	return 1
}

# SIGINT, as a user stops a tracer, so it detaches and prints its totals; KILL if it hangs
stop()
{
	local pid=$1 tries=200

	kill -INT "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	forget "$pid"
}

# run the target's timed loop; sets ns to its ns/call, empty if it failed
run_target()
{
	ns=
	"${pin_target[@]}" "$target" -n "$CALLS" >"$tmp/target.out" || return 1
	ns=$(sed -n 's/.* ns_per_call=\([0-9.]*\) .*/\1/p' "$tmp/target.out")
	[ -n "$ns" ]
}

# start a tracer in the background: start_tool NAME READY_PATTERN TIMEOUT NPROBES CMD...
# sets tool_pid; output goes to $tmp/NAME.out and $tmp/NAME.err
start_tool()
{
	local name=$1 pattern=$2 secs=$3 n=$4

	shift 4
	: >"$tmp/$name.out"
	: >"$tmp/$name.err"
	"${pin_tools[@]}" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	tool_pid=$!
	pids+=("$tool_pid")
	if ! wait_line "$tool_pid" "$tmp/$name.out" "$tmp/$name.err" "$pattern" "$secs"; then
		stop "$tool_pid"
		echo "bench: $name did not attach: $(tail -n 3 "$tmp/$name.err" | tr '\n' ' ')" >&2
		return 1
	fi
	if ! wait_probes "$tool_pid" "$n"; then
		stop "$tool_pid"
		echo "bench: $name said it attached, but the kernel lists no probes of it" >&2
		return 1
	fi
	return 0
}

# hotcanary's final JSON line counts every call it saw: the sum of calls_total
hc_counted()
{
	grep '"final":true' "$tmp/hotcanary.out" | tail -n 1 | grep -o '"calls_total":[0-9]*' |
		awk -F: '{ s += $2 } END { print s + 0 }'
}

# bpftrace prints @h at exit: the sum of the hist() bucket counts
bt_counted()
{
	awk '/^[[(]/ { for (i = 2; i <= NF; i++) if ($i ~ /^\|/) { s += $(i - 1); break } }
	     END { print s + 0 }' "$tmp/bpftrace.out"
}

bt_script="uprobe:$target:bench_fn { @s[tid] = nsecs; }
uretprobe:$target:bench_fn /@s[tid]/ { @h = hist(nsecs - @s[tid]); delete(@s[tid]); }"

hc_bad=0
bt_bad=0

# one timed run of variant @1; sets ns to its ns/call, empty if the run is invalid
run_variant()
{
	local got

	ns=
	case $1 in
	none)
		run_target
		;;
	floor)
		start_tool floor ready 10 1 "$floor" "$target:bench_fn" || return 1
		run_target
		stop "$tool_pid"
		;;
	hotcanary)
		start_tool hotcanary watching 10 1 "$hc" watch --json -i 1s \
			"user:$target:bench_fn" || return 1
		run_target
		stop "$tool_pid"
		got=$(hc_counted)
		if [ "$got" != "$CALLS" ]; then
			echo "bench: hotcanary counted $got of $CALLS calls" >&2
			ns=
		fi
		;;
	bpftrace)
		start_tool bpftrace Attaching 60 1 "$BPFTRACE" -e "$bt_script" || return 1
		run_target
		stop "$tool_pid"
		got=$(bt_counted)
		if [ "$got" != "$CALLS" ]; then
			echo "bench: bpftrace counted $got of $CALLS calls" >&2
			ns=
		fi
		;;
	esac
}

median()
{
	sort -g | awk '{ v[NR] = $1 } END {
		if (!NR)
			exit 1
		if (NR % 2)
			print v[(NR + 1) / 2]
		else
			printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# ---- preflight: the floor's programs really run once per entry and once per exit ------

say "bench_fn of $target: $ROUNDS rounds of $CALLS calls per variant" \
	"${pin_target:+(target on CPU $((ncpu - 1)))}"
[ "$have_bpftool" = 1 ] ||
	say "note: no '$BPFTOOL': attaches are confirmed by the tools' own messages only"

check_calls=1000
if start_tool floor ready 10 1 "$floor" -s "$target:bench_fn"; then
	"$target" -n "$check_calls" >/dev/null
	stop "$tool_pid"
	fe=$(sed -n 's/^bench_floor: entry runs=\([0-9]*\) .*/\1/p' "$tmp/floor.err")
	fx=$(sed -n 's/^bench_floor: exit runs=\([0-9]*\) .*/\1/p' "$tmp/floor.err")
	if [ "${fe:-0}" = "$check_calls" ] && [ "${fx:-0}" = "$check_calls" ]; then
		say "floor check: $fe entry and $fx exit runs for $check_calls calls" \
			"(BPF run statistics, untimed)"
	else
		die "floor check: ${fe:-no} entry and ${fx:-no} exit runs for $check_calls calls;" \
			"the floor's probes do not fire on bench_fn"
	fi
else
	die "cannot attach the floor probes; see the message above"
fi

# ---- per-call overhead --------------------------------------------------------------

variants=(none floor hotcanary bpftrace)
[ "$have_bpftrace" = 1 ] || variants=(none floor hotcanary)
declare -A results
nv=${#variants[@]}
declare -A pairs
for ((r = 0; r < ROUNDS; r++)); do
	declare -A round=()
	line=
	for ((i = 0; i < nv; i++)); do
		# rotate the order so no variant always runs first, warm or right after a tracer
		v=${variants[$(((i + r) % nv))]}
		run_variant "$v"
		if [ -z "$ns" ]; then
			case $v in
			hotcanary) hc_bad=1 ;;
			bpftrace) bt_bad=1 ;;
			esac
			line+=" $v=invalid"
			continue
		fi
		results[$v]+="$ns "
		round[$v]=$ns
		line+=" $v=$ns"
	done
	for o in floor bpftrace; do
		if [ -z "${round[none]:-}" ] || [ -z "${round[hotcanary]:-}" ] ||
		   [ -z "${round[$o]:-}" ]; then
			continue
		fi
		pairs[$o]+="$(awk -v h="${round[hotcanary]}" -v o="${round[$o]}" \
			-v n="${round[none]}" 'BEGIN { printf "%.3f", (h - n) / (o - n) }') "
	done
	say "round $((r + 1))/$ROUNDS (ns/call):$line"
done

declare -A med
for v in "${variants[@]}"; do
	med[$v]=$(tr ' ' '\n' <<<"${results[$v]:-}" | grep . | median)
done
[ "$hc_bad" = 0 ] &&
	say "hotcanary counted all $CALLS calls in every round (final JSON calls_total)"
[ "$have_bpftrace" = 1 ] && [ "$bt_bad" = 0 ] &&
	say "bpftrace counted all $CALLS calls in every round (sum of the hist() buckets)"

echo
printf '  %-10s %12s %14s   (median of %d rounds)\n' variant ns/call "added ns/call" "$ROUNDS"
for v in "${variants[@]}"; do
	if [ -z "${med[$v]}" ]; then
		printf '  %-10s %12s %14s\n' "$v" - -
	elif [ "$v" = none ]; then
		printf '  %-10s %12.1f %14s\n' "$v" "${med[$v]}" -
	else
		printf '  %-10s %12.1f %14.1f\n' "$v" "${med[$v]}" \
			"$(awk -v a="${med[$v]}" -v b="${med[none]}" 'BEGIN { print a - b }')"
	fi
done
echo

# The same ratios within each round, for the spread: the targets use the medians above.
for o in floor bpftrace; do
	[ -n "${pairs[$o]:-}" ] || continue
	vals=$(tr ' ' '\n' <<<"${pairs[$o]}" | grep . | sort -g)
	say "per-round hotcanary/$o: $(head -n 1 <<<"$vals") .. $(tail -n 1 <<<"$vals")," \
		"median $(median <<<"$vals")"
done

# ratio of added costs, hotcanary over @1; prints nothing if either is missing
ratio()
{
	[ -n "${med[hotcanary]:-}" ] && [ -n "${med[$1]:-}" ] && [ -n "${med[none]:-}" ] ||
		return 0
	awk -v h="${med[hotcanary]}" -v o="${med[$1]}" -v n="${med[none]}" \
		'BEGIN { if (o - n > 0) printf "%.3f\n", (h - n) / (o - n) }'
}

# judge NAME RATIO MAX
judge()
{
	local name=$1 r=$2 max=$3

	if [ -z "$r" ]; then
		fail "$name: no valid measurement; see the messages above"
	elif awk -v r="$r" -v m="$max" 'BEGIN { exit !(r <= m) }'; then
		pass "$name = $r (target <= $max)"
	else
		fail "$name = $r (target <= $max)"
	fi
}

# A round whose tracer missed calls or did not attach measured something else: no pass.
if [ "$hc_bad" = 1 ]; then
	fail "hotcanary/floor: hotcanary did not attach or count every call in every round;" \
		"see above"
else
	judge hotcanary/floor "$(ratio floor)" "$FLOOR_MAX"
fi
if [ "$have_bpftrace" = 1 ]; then
	if [ "$hc_bad" = 1 ] || [ "$bt_bad" = 1 ]; then
		fail "hotcanary/bpftrace: a tracer did not attach or count every call in every" \
			"round; see above"
	else
		judge hotcanary/bpftrace "$(ratio bpftrace)" "$BPFTRACE_MAX"
	fi
else
	missing hotcanary/bpftrace "no '$BPFTRACE'; install Debian's bpftrace" \
		"('apt-get install bpftrace' or 'make deps')"
fi

# ---- hotcanary's own CPU use -------------------------------------------------------

# utime+stime of @pid, in clock ticks
cpu_ticks()
{
	local stat f

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	# the command name is in parentheses and may hold spaces: count fields after it, from
	# field 3 (state); utime and stime are fields 14 and 15
	read -ra f <<<"${stat##*) }"
	echo $((f[11] + f[12]))
}

# on-CPU time of @pid in ns: the same quantity as utime+stime without the tick's
# granularity (1% of 15 s is only 15 ticks), printed as a cross-check
cpu_ns()
{
	local t

	read -r t _ <"/proc/$1/schedstat" 2>/dev/null && echo "$t"
}

now_s()
{
	echo "$EPOCHREALTIME"
}

echo
funcs=()
for ((k = 0; k < 20; k++)); do
	funcs+=("user:$target:bench_fn$k")
done
hz=$(getconf CLK_TCK)
if start_tool hotcanary watching 10 20 "$hc" watch --json -i 1s "${funcs[@]}"; then
	hc_pid=$tool_pid
	# the window is the target's whole run, so every call it makes is one hotcanary saw
	"${pin_target[@]}" "$target" -t "$CPU_SECS" >"$tmp/target.out" &
	tp=$!
	pids+=("$tp")
	t0=$(now_s)
	c0=$(cpu_ticks "$hc_pid")
	s0=$(cpu_ns "$hc_pid")
	wait "$tp"
	forget "$tp"
	c1=$(cpu_ticks "$hc_pid")
	s1=$(cpu_ns "$hc_pid")
	t1=$(now_s)
	stop "$hc_pid"
	made=$(sed -n 's/.* calls=\([0-9]*\) .*/\1/p' "$tmp/target.out")
	got=$(hc_counted)
	nfuncs=$(grep '"final":true' "$tmp/hotcanary.out" | tail -n 1 |
		grep -o '"calls_total":[1-9][0-9]*' | wc -l)
	if [ -z "$c0" ] || [ -z "$c1" ] || [ -z "$made" ]; then
		fail "hotcanary CPU: no measurement (hotcanary or the target ended early)"
	else
		pct=$(awk -v c="$((c1 - c0))" -v hz="$hz" -v t0="$t0" -v t1="$t1" \
			'BEGIN { printf "%.2f\n", 100 * c / hz / (t1 - t0) }')
		wall=$(awk -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f\n", t1 - t0 }')
		say "hotcanary CPU: 20 functions at 1 s intervals for $wall s; target made" \
			"$made calls, hotcanary counted $got in $nfuncs functions"
		[ -n "$s0" ] && [ -n "$s1" ] &&
			say "hotcanary CPU: $(awk -v a="$s0" -v b="$s1" -v t0="$t0" -v t1="$t1" \
			    'BEGIN { printf "%.3f%% of one core by /proc/PID/schedstat (%.1f ms)",
				     100 * (b - a) / 1e9 / (t1 - t0), (b - a) / 1e6 }')"
		if [ "$got" != "$made" ] || [ "$nfuncs" != 20 ]; then
			fail "hotcanary CPU: hotcanary did not count every call of the 20 functions"
		elif awk -v p="$pct" -v m="$CPU_MAX" 'BEGIN { exit !(p <= m) }'; then
			pass "hotcanary CPU = $pct% of one core ($((c1 - c0)) ticks of 1/$hz s;" \
				"target <= $CPU_MAX%)"
		else
			fail "hotcanary CPU = $pct% of one core ($((c1 - c0)) ticks of 1/$hz s;" \
				"target <= $CPU_MAX%)"
		fi
	fi
else
	fail "hotcanary CPU: cannot watch bench_fn0..bench_fn19; see the message above"
fi

# ---- what a probe costs by the kind of instruction it is on -----------------------------

# The kernel emulates some first instructions of a probed function (push, nop, jmp) and
# single-steps the others out of line, a second trap; kernels with optimized uprobes turn a
# probe on a 5-byte nop into a call. Two functions whose first instructions are of different
# kinds pay different probe costs, and a latency ratio between them measures the probes too.
# Per kind, in each round: untraced, then under hotcanary watch, rotated; the medians.
# site_endbr begins with an endbr64, which the kernel single-steps as it does site_xol's
# imul: hotcanary probes it on the push after it (insn__probe_skip()), at a push's cost.
echo
kinds=(site_push site_xol site_nop5 site_endbr)
declare -A kind_none kind_hc kind_cost
for ((r = 0; r < ROUNDS; r++)); do
	line=
	for ((i = 0; i < ${#kinds[@]}; i++)); do
		k=${kinds[$(((i + r) % ${#kinds[@]}))]}
		"${pin_target[@]}" "$target" -f "$k" -n "$CALLS" >"$tmp/target.out" || continue
		n0=$(sed -n 's/.* ns_per_call=\([0-9.]*\) .*/\1/p' "$tmp/target.out")
		start_tool hotcanary watching 10 1 "$hc" watch --json -i 1s "user:$target:$k" ||
			continue
		"${pin_target[@]}" "$target" -f "$k" -n "$CALLS" >"$tmp/target.out"
		stop "$tool_pid"
		n1=$(sed -n 's/.* ns_per_call=\([0-9.]*\) .*/\1/p' "$tmp/target.out")
		[ "$(hc_counted)" = "$CALLS" ] || n1=
		if [ -z "$n0" ] || [ -z "$n1" ]; then
			continue
		fi
		kind_none[$k]+="$n0 "
		kind_hc[$k]+="$n1 "
		line+=" $k=$n0/$n1"
	done
	say "probe sites, round $((r + 1))/$ROUNDS (ns/call untraced/watched):$line"
done
printf '\n  %-10s %-22s %12s %14s   (median of %d rounds)\n' site "first instruction" \
	ns/call "probe ns/call" "$ROUNDS"
declare -A kind_insn=([site_push]="push %rbx (emulated)" [site_xol]="imul (out of line)"
	[site_nop5]="nopl, 5 bytes" [site_endbr]="endbr64; push %rbx")
kind_bad=0
for k in "${kinds[@]}"; do
	a=$(tr ' ' '\n' <<<"${kind_none[$k]:-}" | grep . | median)
	b=$(tr ' ' '\n' <<<"${kind_hc[$k]:-}" | grep . | median)
	if [ -z "$a" ] || [ -z "$b" ]; then
		printf '  %-10s %-22s %12s %14s\n' "$k" "${kind_insn[$k]}" - -
		kind_bad=1
		continue
	fi
	printf '  %-10s %-22s %12.1f %14.1f\n' "$k" "${kind_insn[$k]}" "$b" \
		"$(awk -v a="$a" -v b="$b" 'BEGIN { print b - a }')"
	kind_cost[$k]=$(awk -v a="$a" -v b="$b" 'BEGIN { print b - a }')
done
echo
if [ "$kind_bad" = 1 ]; then
	fail "probe sites: a kind of site has no valid measurement; see above"
else
	# figures to read, not a target: what a site costs is the kernel's
	say "probe sites: added ns/call push ${kind_cost[site_push]}, out of line" \
		"${kind_cost[site_xol]}, nop5 ${kind_cost[site_nop5]}, endbr64 then push" \
		"${kind_cost[site_endbr]} (probed past the endbr64); out of line / push" \
		"$(awk -v x="${kind_cost[site_xol]}" -v p="${kind_cost[site_push]}" \
		'BEGIN { printf "%.2f", x / p }')"
fi

# ---- what a probe's place among the probes of its site costs -----------------------------------

# 6 processes of site_push, each with its own PID-filtered probe on it, attached one after the
# other, then in the reverse order: hotcanary's p50 of each, by the place of its probe. A
# probe's time includes the handlers of the probes before it on the site, which is why a ulp
# rollout keeps each process's place (README, "What happens to each process").
echo
ORDER_PROCS=6
for dir in forward reverse; do
	opids=()
	for ((i = 0; i < ORDER_PROCS; i++)); do
		rm -f "$tmp/order.$i"
		mkfifo "$tmp/order.$i"
		# read-write, so that neither side blocks in open()
		eval "exec $((20 + i))<>\"$tmp/order.$i\""
		"$target" -w -f site_push -n 1000000 <"$tmp/order.$i" >/dev/null &
		opids+=($!)
		pids+=($!)
	done
	specs=()
	for ((i = 0; i < ORDER_PROCS; i++)); do
		j=$i
		[ "$dir" = reverse ] && j=$((ORDER_PROCS - 1 - i))
		specs+=("user:$target:site_push@${opids[j]}")
	done
	line=
	if start_tool hotcanary watching 10 "$ORDER_PROCS" "$hc" watch --json -i 1s "${specs[@]}"
	then
		for ((i = 0; i < ORDER_PROCS; i++)); do
			echo go >&$((20 + i))
		done
		wait "${opids[@]}"
		stop "$tool_pid"
		line=$(grep '"final":true' "$tmp/hotcanary.out" | tail -n 1 |
			jq -r '[.functions[].p50_ns | tostring] | join(" ")' 2>/dev/null)
	fi
	for ((i = 0; i < ORDER_PROCS; i++)); do
		eval "exec $((20 + i))>&-"
		kill "${opids[i]}" 2>/dev/null
	done
	if ! command -v jq >/dev/null 2>&1; then
		missing "probe order" "jq not found (package jq; run 'make deps')"
		break
	fi
	if [ -z "$line" ]; then
		fail "probe order ($dir): no p50 per process; see the messages above"
		continue
	fi
	# figures to read, not a target: the cost is the kernel's
	say "probe order ($dir): p50 ns by the place of the probe, first attached first: $line;" \
		"each later place adds $(awk '{ printf "%.0f", ($NF - $1) / (NF - 1) }' <<<"$line")" \
		"ns"
done

# ---- userspace hotpatching: how long a process is stopped, and what the redirect costs ------

# ulp_bench prints the table itself; the 8-thread median is the issue's target (2 ms)
FREEZE_MAX_MS=2
if "$OUTPUT/tests/ulp_bench" >"$tmp/ulp.out" 2>&1; then
	sed 's/^/bench: /' "$tmp/ulp.out"
	med8=$(awk '$1 == 8 { print $2 }' "$tmp/ulp.out")
	if [ -z "$med8" ]; then
		fail "ulp freeze: no 8-thread row in the output of ulp_bench"
	elif awk -v m="$med8" -v t="$FREEZE_MAX_MS" 'BEGIN { exit !(m <= t) }'; then
		pass "ulp freeze: median $med8 ms with 8 threads (target <= $FREEZE_MAX_MS ms)"
	else
		fail "ulp freeze: median $med8 ms with 8 threads (target <= $FREEZE_MAX_MS ms)"
	fi
else
	sed 's/^/bench: /' "$tmp/ulp.out"
	fail "ulp_bench failed; see its output above"
fi

say "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$tool_missing" = 0 ]
