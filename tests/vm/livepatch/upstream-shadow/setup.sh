# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC2154 # UP_<module> are set by run-scenario
#
# livepatch_shadow_mod allocates a dummy every second (dummy_alloc) and checks them every 3
# (dummy_check), leaking memory that fix1 and fix2 plug with shadow variables.
set -e
insmod "$UP_livepatch_shadow_mod"
echo "livepatch_shadow_mod loaded"
