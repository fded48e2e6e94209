# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC2154 # UP_<module> are set by run-scenario
#
# As the upstream selftest "busy target module": test_klp_callbacks_busy's worker sleeps in
# busymod_work_func, which test_klp_callbacks_demo patches, until block_transition is 0.
set -e
insmod "$UP_test_klp_callbacks_busy" block_transition=Y
echo "test_klp_callbacks_busy loaded with block_transition=Y"
