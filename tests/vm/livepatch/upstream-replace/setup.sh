# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC2154 # UP_<module> are set by run-scenario
#
# test_klp_livepatch is in place before hotcanary starts, as in the upstream selftest.
set -e
insmod "$UP_test_klp_livepatch"
sys=/sys/kernel/livepatch/test_klp_livepatch
i=0
while [ "$(cat "$sys/transition")" != 0 ]; do
	[ $i -lt 300 ] || { echo "$0: $sys/transition still 1 after 30 s"; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
read -r shown </proc/cmdline
[ "$shown" = "test_klp_livepatch: this has been live patched" ] ||
	{ echo "$0: /proc/cmdline shows '$shown', not test_klp_livepatch's text"; exit 1; }
echo "test_klp_livepatch enabled and settled"
