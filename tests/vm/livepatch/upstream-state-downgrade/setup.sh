# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC2154 # UP_<module> are set by run-scenario
#
# test_klp_state2 is in place before hotcanary starts, as in the upstream selftest. Its callbacks
# raise the console log level to "motormouth"; it goes back to emergencies only, so
# that kernel messages cannot split the harness's result lines.
set -e
insmod "$UP_test_klp_state2"
dmesg -n 1
sys=/sys/kernel/livepatch/test_klp_state2
i=0
while [ "$(cat "$sys/transition")" != 0 ]; do
	[ $i -lt 300 ] || { echo "$0: $sys/transition still 1 after 30 s"; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
echo "test_klp_state2 enabled and settled"
