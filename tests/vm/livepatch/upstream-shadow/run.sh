# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC2154 # UP_<module> are set by run-scenario
#
# fix1 through hotcanary run, then fix2 on top of it, judged on the function it patches.
# fix2 patches dummy_free too, superseding fix1's, as it is meant to: its policy says so
# (patch.stacks_on), or check 6 refuses. Exits as the last hotcanary run does (the first
# one's failure ends it).
"$HC" run policy.yaml --report "$REPORT" || exit $?
sed -e "s|^name: .*|name: lp-upstream-shadow-fix2|" \
	-e "s|^  module: .*|  module: $UP_livepatch_shadow_fix2|" \
	-e "s|function: kernel:livepatch_shadow_mod:dummy_alloc|function: kernel:livepatch_shadow_mod:dummy_check|" \
	-e "s|errors: zero|errors: none|" policy.yaml |
	awk '{ print } /^  module: / { print "  stacks_on: [livepatch_shadow_fix1]" }' >policy-fix2.yaml
"$HC" run policy-fix2.yaml --report report-fix2.json
