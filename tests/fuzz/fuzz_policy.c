// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the policy parser (YAML walk, field table, cross-checks) */
#include <stddef.h>
#include <stdint.h>
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hc_policy *pol = NULL;
	struct policy_err err;
	char line[1024];

	if (policy__parse("fuzz.yaml", (const char *)data, size, &pol, &err))
		policy_err__format(&err, line, sizeof(line));
	policy__free(pol);
	return 0;
}
