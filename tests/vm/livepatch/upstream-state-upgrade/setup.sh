# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC2154 # UP_<module> are set by run-scenario
#
# test_klp_state is in place before hotcanary starts, as in the upstream selftest. Its callbacks
# raise the console log level to "motormouth"; it goes back to emergencies only, so that
# kernel messages cannot split the harness's result lines.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
insmod "$UP_test_klp_state" && dmesg -n 1 && settled test_klp_state
