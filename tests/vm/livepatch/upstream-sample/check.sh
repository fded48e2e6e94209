# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The unmodified upstream sample must behave in hotcanary's hands as it does in the
# kernel's own selftest (tools/testing/selftests/livepatch/test-livepatch.sh): its text in
# /proc/cmdline, and the kernel's log lines for loading a livepatch, in order. The
# selftest also expects "initializing" and "completing patching transition", which are
# pr_debug and so only in its log with dynamic debug on.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
s=upstream-sample
case $OUTCOME in
committed | held) ;;
*) exit 0 ;;
esac
shows $s /proc/cmdline "this has been live patched" || exit 1
log_in_order $s "livepatch: enabling patch '$PATCH'" \
	"livepatch: '$PATCH': starting patching transition" \
	"livepatch: '$PATCH': patching complete" || exit 1
echo "$s: $PATCH shows in /proc/cmdline and the kernel logged it as the selftest expects"
