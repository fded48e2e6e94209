# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The load every livepatch scenario runs under: reads of /proc/cmdline, each one call of
# cmdline_proc_show, 350 to 450 a second under TCG, leaving the VM's second CPU to
# hotcanary. Shell builtins only, no process per read: the exit path of every process
# crosses hundreds of cond_resched() call sites, which 6.12 rewrites (int3 text pokes)
# at each livepatch transition, and under TCG a vCPU now and then runs a stale int3
# there and the kernel dies ("Oops: int3"); forking loads made that about 20 times
# more likely. "read -t" on a fifo that nobody writes to is a 2 ms sleep without a fork.
# A scenario's workload.conf may set WORKLOAD_PAUSE (seconds between reads) and
# WORKLOAD_READS=0 (no reads at all), and WORKLOAD_BURST=N: N reads flat out before each
# WORKLOAD_PACED paced ones, in a loop (bursty load), and WORKLOAD_FILE: the file read
# (/proc/meminfo calls meminfo_proc_show, which the kernel's atomic-replace selftest patches).
WORKLOAD_FILE=/proc/cmdline
WORKLOAD_PAUSE=0.002
WORKLOAD_READS=1
WORKLOAD_BURST=0
WORKLOAD_PACED=1
# shellcheck source=/dev/null
[ -f "$LP_DIR/workload.conf" ] && . "$LP_DIR/workload.conf"
f=/tmp/workload.$$
mkfifo "$f"
exec 3<>"$f"
rm -f "$f"
while :; do
	i=0
	while [ "$i" -lt "$WORKLOAD_BURST" ]; do
		read -r _ <"$WORKLOAD_FILE" 2>/dev/null
		i=$((i + 1))
	done
	i=0
	while [ "$i" -lt "$WORKLOAD_PACED" ]; do
		# fails with EIO in the errors scenario, as intended
		[ "$WORKLOAD_READS" = 0 ] || read -r _ <"$WORKLOAD_FILE" 2>/dev/null
		# shellcheck disable=SC3045 # busybox ash has read -t, with fractions of a second
		read -r -t "$WORKLOAD_PAUSE" _ <&3
		i=$((i + 1))
	done
done
