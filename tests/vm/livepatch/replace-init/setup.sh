# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The previous patch (PREV, prev.c) is in place before hotcanary starts, as it would be on
# a host that received the last release of a livepatch series.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
load_settled "$PREV" && prev_back "$0"
