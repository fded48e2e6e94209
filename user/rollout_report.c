// SPDX-License-Identifier: GPL-2.0
/* The rollout's accessors: its outcome, phase and stage, and the figures for the report. */
#include "rollout_int.h"

enum rollout_outcome rollout__outcome(const struct rollout *r)
{
	return r->outcome;
}

const char *rollout__outcome_name(enum rollout_outcome o)
{
	switch (o) {
	case ROLLOUT_RUNNING:
		return "running";
	case ROLLOUT_COMMITTED:
		return "committed";
	case ROLLOUT_ROLLED_BACK:
		return "rolled-back";
	case ROLLOUT_HELD:
		return "held";
	case ROLLOUT_REFUSED:
		return "refused";
	case ROLLOUT_FAILED:
		return "failed";
	}
	return "unknown";
}

const char *rollout__reason(const struct rollout *r)
{
	return r->reason;
}

bool rollout__tripped(const struct rollout *r)
{
	return r->tripped;
}

enum rollout_phase rollout__phase(const struct rollout *r)
{
	return r->phase;
}

const char *rollout__stage_name(const struct rollout *r)
{
	switch (r->phase) {
	case ROLLOUT_PHASE_BASELINE:
		return "baseline";
	case ROLLOUT_PHASE_ACTIVATE:
		return "activate";
	case ROLLOUT_PHASE_STAGE:
		return r->stage;
	case ROLLOUT_PHASE_ROLLBACK:
		return "rollback";
	case ROLLOUT_PHASE_DONE:
		return "done";
	}
	return "?";
}

const char *rollout__last_stage(const struct rollout *r)
{
	return r->stage;
}

unsigned int rollout__stage_index(const struct rollout *r)
{
	return r->stage_idx;
}

uint64_t rollout__remaining_ns(const struct rollout *r)
{
	uint64_t now = clock_ns(r);

	if (r->phase == ROLLOUT_PHASE_DONE || r->phase == ROLLOUT_PHASE_ROLLBACK)
		return 0;
	return r->phase_end_ns > now ? r->phase_end_ns - now : 0;
}

size_t rollout__func_cnt(const struct rollout *r)
{
	return r->nr;
}

const struct rollout_func *rollout__func(const struct rollout *r, size_t i)
{
	return i < r->nr ? &r->funcs[i] : NULL;
}

size_t rollout__timeline(const struct rollout *r, const struct rollout_mark **marks)
{
	*marks = r->marks;
	return r->nr_marks;
}

const char *rollout__probe_mode(const struct rollout *r)
{
	return r->src->ops->mode_name(r->src);
}

uint64_t rollout__detect_ns(const struct rollout *r)
{
	return r->rollback_ns && r->applied_ns ? r->rollback_ns - r->applied_ns : 0;
}
