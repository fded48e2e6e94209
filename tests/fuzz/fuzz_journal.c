// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the journal reader and its fold into a phase and a recovery plan */
#include <stddef.h>
#include <stdint.h>
#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal_recs recs;
	struct journal_state st;
	char err[512];

	if (journal__parse("fuzz.journal", (const char *)data, size, &recs, err, sizeof(err)))
		return 0;
	if (!journal__state("fuzz", recs.v, recs.n, &st, err, sizeof(err))) {
		journal__check_resolved(&st, err, sizeof(err));
		journal_state__free(&st);
	}
	journal_recs__free(&recs);
	return 0;
}
