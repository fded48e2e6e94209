# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC2154 # UP_<module> are set by run-scenario
#
# The previous patch, the kernel's test_klp_atomic_replace, made cumulative by its parameter
# (replace=1), as a host could have it before hotcanary starts.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
load_settled "$UP_test_klp_atomic_replace" replace=1
