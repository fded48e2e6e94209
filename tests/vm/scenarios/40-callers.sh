# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# hctest-timeout: 300
#
# A watched function that ftrace cannot trace is refused, by check 4 and by watch, with the
# functions to watch instead, found in the running kernel's text (/proc/kcore): in the
# hc_calls test module, whose call graph is known by construction, and for a notrace function
# of the kernel proper, whose named callers must each be watchable (check 4 passes them).
# shellcheck source=tests/vm/lib.sh
. /lib/hctest.sh

mods=/lib/modules/$KVER
filter=/sys/kernel/tracing/available_filter_functions
dir=/hc-callers
# the kernel proper's function: notrace (it runs in NMI) on 6.1 and 6.12
kfn=ktime_get_mono_fast_ns

# policy FUNC...: a klp policy for klp_good watching the kernel functions FUNC...
policy()
{
	{
		printf 'name: callers\npatch:\n  type: klp\n  module: %s\nwatch:\n' \
			"$mods/klp_good.ko"
		for f in "$@"; do
			printf '  - function: kernel:%s\n' "$f"
		done
		printf 'stages:\n  - name: canary\n    duration: 1s\n'
	} >$dir/policy.yaml
}

# check4 FUNC...: check 4's line of 'hotcanary check' for a policy watching FUNC...
check4()
{
	policy "$@"
	"$HC" check $dir/policy.yaml >$dir/check.out 2>&1
	grep -E '^[a-z]+ +4 functions ' $dir/check.out || cat $dir/check.out
}

mkdir -p $dir && chmod 0755 $dir
if ! insmod "$mods/hc_calls.ko"; then
	hc_fail callers-module "cannot load $mods/hc_calls.ko; build the test modules with" \
		"'make vm-modules'"
	hc_exit
fi

# the premise: notrace is untraceable, the others traceable
for f in hc_calls_raw hc_calls_mid; do
	if grep -q "^$f " $filter; then
		hc_fail callers-premise "$f is in $filter: it should be notrace"
	fi
done
for f in hc_calls_direct hc_calls_top; do
	if ! grep -q "^$f \[hc_calls\]" $filter; then
		hc_fail callers-premise "$f [hc_calls] is not in $filter"
	fi
done

want="watched kernel:hc_calls:hc_calls_raw is not traceable"
want2="watch its nearest traceable callers instead: kernel:hc_calls:hc_calls_direct,"
want2="$want2 kernel:hc_calls:hc_calls_top (2 calls up) (2 direct call sites in /proc/kcore)"
line=$(check4 hc_calls:hc_calls_raw)
if printf '%s\n' "$line" | grep -q '^fail' && printf '%s\n' "$line" | grep -qF "$want" &&
	printf '%s\n' "$line" | grep -qF "$want2"; then
	hc_pass callers-module-check "check 4: ${line#*; }"
else
	hc_fail callers-module-check "check 4 said '$line', expected fail with '$want' and '$want2'"
fi
# watch refuses it the same way
if "$HC" watch -i 1s kernel:hc_calls:hc_calls_raw >$dir/watch.out 2>&1; then
	hc_fail callers-module-watch "watch accepted the untraceable hc_calls_raw"
elif grep -qF "$want2" $dir/watch.out; then
	hc_pass callers-module-watch "$(head -n 1 $dir/watch.out)"
else
	hc_fail callers-module-watch "watch said '$(cat $dir/watch.out)', expected '$want2'"
fi
rmmod hc_calls

# the kernel proper: every caller named is watchable, by check 4 itself
if grep -q "^$kfn\$" $filter || [ "$(grep -c " [tT] $kfn\$" /proc/kallsyms)" != 1 ]; then
	hc_fail callers-kernel-premise "$kfn is traceable or not one function in /proc/kallsyms" \
		"on $KVER: pick another notrace function"
	hc_exit
fi
t0=$(cut -d' ' -f1 /proc/uptime)
line=$(check4 "$kfn")
t1=$(cut -d' ' -f1 /proc/uptime)
list=$(printf '%s\n' "$line" | sed -n 's/.*caller[s]* instead: \(.*\) ([0-9]* direct call site.*/\1/p' |
	sed 's/ and [0-9]* more$//; s/ ([0-9]* calls up)//g; s/kernel://g' | tr ',' '\n' |
	sed 's/^ *//')
if [ -z "$list" ]; then
	hc_fail callers-kernel-check "check 4 named no caller of $kfn: '$line'"
	hc_exit
fi
n=$(printf '%s\n' "$list" | wc -l)
# shellcheck disable=SC2086 # one function a word
set -- $list
line2=$(check4 "$@")
if printf '%s\n' "$line2" | grep -q '^pass'; then
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	hc_pass callers-kernel-check "$n caller(s) of $kfn named in $secs s, all watchable:" \
		"$(printf '%s\n' "$list" | tr '\n' ' ')"
else
	hc_fail callers-kernel-check "callers named for $kfn ($list) are not all watchable:" \
		"$line2"
fi
hc_exit
