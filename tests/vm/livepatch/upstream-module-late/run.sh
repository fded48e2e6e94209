# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC2154 # UP_<module> are set by run-scenario
#
# hotcanary run; livepatch_shadow_mod loaded 2 s into the canary stage (8 s) and unloaded
# 11 s in, in soak: rmmod must work while hotcanary watches the module (rmmod.rc for
# check.sh). Exits as hotcanary run does.
# shellcheck source=tests/vm/livepatch/scenario-lib.sh
. "$LP_DIR/scenario-lib.sh"
run_settled
sleep 2
insmod "$UP_livepatch_shadow_mod" && echo "livepatch_shadow_mod loaded"
sleep 9
rmmod livepatch_shadow_mod
echo $? >rmmod.rc
wait "$hc"
