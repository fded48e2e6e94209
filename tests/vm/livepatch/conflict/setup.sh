# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Before hotcanary starts, another livepatch of cmdline_proc_show is already enabled: an
# ordinary (non-replace) one, as a foreign tool or a manual insmod would leave it. Settled,
# so that hotcanary has a conflict to refuse (check 6) and not merely a transition in
# progress (check 5).
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
load_settled "$PREV" && shows conflict /proc/cmdline "hotcanary livepatch conflict-other"
