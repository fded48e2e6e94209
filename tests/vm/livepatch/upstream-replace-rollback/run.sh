# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# hotcanary run, with a kernel warning 2 s into the canary stage: the guardrail must roll
# the patch back. Exits as hotcanary run does.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
run_with_warning
