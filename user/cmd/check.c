// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary check POLICY [--json]: the pre-flight of 'run' alone, its findings printed;
 * nothing is changed.
 */
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "cmd.h"
#include "patch/patch.h"
#include "policy.h"
#include "run_exec.h"

int cmd_check(int argc, char **argv)
{
	struct hc_policy *pol = NULL;
	struct patch *patch = NULL;
	int rc, json = argc > 2 && !strcmp(argv[2], "--json");

	if (argc < 2 || argc > 3 || (argc == 3 && !json)) {
		p_err("usage: hotcanary check POLICY [--json]");
		return HC_EXIT_USAGE;
	}
	rc = run__load_policy(argv[1], &pol);
	if (rc)
		return rc;
	if (patch__new(&patch, pol)) {
		p_err("out of memory");
		policy__free(pol);
		return HC_EXIT_ERROR;
	}
	/* the same pre-flight as 'run', nothing changed */
	rc = patch->ops->check_needs_root && require_bpf_privileges() ? HC_EXIT_ERROR :
	     run__precheck(patch, json);
	if (json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "policy", json_object_new_string(pol->source));
		patch->ops->describe(patch, PATCH_VIEW_CHECK, o);
		json_object_object_add(o, "result", json_object_new_string(
			rc == HC_EXIT_REFUSED ? "refused" : rc ? "error" : "passed"));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	patch__free(patch);
	policy__free(pol);
	return rc;
}
