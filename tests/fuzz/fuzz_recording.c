// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the recording reader, then what compare does with a good one */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "recording.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recording r;
	struct rec_window w;
	char err[512];
	size_t i;

	if (recording__parse((const char *)data, size, &r, err, sizeof(err)))
		return 0;
	for (i = 0; i < r.nr_funcs; i++)
		recording__total(&r, i, &w);
	recording__free(&r);
	return 0;
}
