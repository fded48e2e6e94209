# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# "hotcanary ab" on the livepatch: 4 rounds of 3 s off and 3 s on. Exit 0 (committed: it
# ends applied) only when the p50 delta of cmdline_proc_show is significant and its whole
# 95% interval is above zero; the comparison is kept in ab.json for the log.
"$HC" ab policy.yaml --rounds 4 --period 3s --json >ab.json
rc=$?
cat ab.json
[ $rc -eq 0 ] || exit $rc
# the function's p50, not the geomean's, which follows it
p50=$(sed -e 's/"geomean".*//' -e 's/.*"p50":{\([^}]*\)}.*/\1/' ab.json)
lo=$(printf '%s\n' "$p50" | sed -n 's/.*"delta_lo":\([-0-9.e+]*\).*/\1/p')
sig=$(printf '%s\n' "$p50" | sed -n 's/.*"significant":\([a-z]*\).*/\1/p')
echo "ab: p50 delta_lo $lo significant $sig"
[ "$sig" = true ] || exit 1
case $lo in
-* | 0 | '') exit 1 ;;
esac
exit 0
