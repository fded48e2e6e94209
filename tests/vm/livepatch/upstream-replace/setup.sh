# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC2154 # UP_<module> are set by run-scenario
#
# test_klp_livepatch is in place before hotcanary starts, as in the upstream selftest.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
load_settled "$UP_test_klp_livepatch" &&
	shows "$0" /proc/cmdline "test_klp_livepatch: this has been live patched"
