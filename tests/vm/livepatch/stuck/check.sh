# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# A stuck transition must be reversed, never forced: force marks every loaded patch as
# forced, so none can ever be unloaded again and the kernel docs ask for a reboot.
if dmesg | grep -q 'forcing remaining tasks'; then
	echo "stuck: the transition of $PATCH was forced; it must be reversed (enabled=0) instead"
	exit 1
fi
[ "$OUTCOME" = rolled-back ] || exit 0
if dmesg | grep -q "'$PATCH': patching complete"; then
	echo "stuck: the patching transition of $PATCH completed; the helper did not block it"
	exit 1
fi
if ! dmesg | grep -q "'$PATCH': unpatching complete"; then
	echo "stuck: no \"'$PATCH': unpatching complete\" in the kernel log; the transition was not reversed"
	exit 1
fi
echo "stuck: the transition was reversed, not forced"
