# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC2154 # UP_<module> are set by run-scenario
#
# Two livepatches enabled before the run, stacked (neither is cumulative).
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
load_settled "$UP_test_klp_livepatch" &&
	load_settled "$UP_test_klp_atomic_replace" replace=0
