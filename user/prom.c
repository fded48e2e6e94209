// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomic_file.h"
#include "prom.h"

/*
 * Four bounds per power of two, from 1 us to 68 s: the resolution of a Prometheus native
 * histogram at schema 2, for a tenth of the series that every bucket of bpf/hist.h would
 * take. Each bound is an edge of bpf/hist.h, so every cumulative count is exact.
 */
#define PROM_MIN_LOG2	10
#define PROM_MAX_LOG2	36
#define PROM_PER_OCTAVE 4
#define PROM_NBOUNDS	((PROM_MAX_LOG2 - PROM_MIN_LOG2) * PROM_PER_OCTAVE + 1)

static uint64_t bounds[PROM_NBOUNDS];
static unsigned int bound_bucket[PROM_NBOUNDS]; /* the first bucket above each bound */

static void init_bounds(void)
{
	unsigned int i, k, j;

	if (bounds[0])
		return;
	for (i = 0, k = PROM_MIN_LOG2; k <= PROM_MAX_LOG2; k++)
		for (j = 0; j < PROM_PER_OCTAVE && i < PROM_NBOUNDS; j++, i++) {
			uint64_t edge = (1ULL << k) + j * ((1ULL << k) / PROM_PER_OCTAVE);

			bound_bucket[i] = hc_hist_bucket(edge);
			/*
			 * Buckets are [lower, upper) of integer nanoseconds and le means "at
			 * most": the calls below an edge are exactly those of at most edge - 1.
			 */
			bounds[i] = edge - 1;
		}
}

size_t prom__bucket_bounds(const uint64_t **b)
{
	init_bounds();
	*b = bounds;
	return PROM_NBOUNDS;
}

/* nanoseconds as exact decimal seconds, without trailing zeros: "0.000001023", "2" */
static void put_seconds(FILE *out, uint64_t ns)
{
	char frac[16];
	int n;

	n = snprintf(frac, sizeof(frac), "%09llu", (unsigned long long)(ns % 1000000000ULL));
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	fprintf(out, "%llu%s%s", (unsigned long long)(ns / 1000000000ULL), n ? "." : "", frac);
}

/* a label value: backslash, double quote and line feed escaped, as the format requires */
static void put_label(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '"')
			fputs("\\\"", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* "name{function="F"" without the closing brace, for more labels to follow */
static void series(FILE *out, const char *name, const char *key, const char *val)
{
	fprintf(out, "%s{%s=\"", name, key);
	put_label(out, val);
	fputc('"', out);
}

static void format_funcs(FILE *out, const struct prom_func *f, size_t nr)
{
	size_t i;
	unsigned int k, b;

	family(out, "hotcanary_function_calls_total", "counter",
	       "Calls of the function that returned, since hotcanary started.");
	for (i = 0; i < nr; i++) {
		series(out, "hotcanary_function_calls_total", "function", f[i].name);
		fprintf(out, "} %llu\n", (unsigned long long)f[i].total->calls);
	}
	family(out, "hotcanary_function_errors_total", "counter",
	       "Calls of the function that returned an error (the -e predicate).");
	for (i = 0; i < nr; i++) {
		series(out, "hotcanary_function_errors_total", "function", f[i].name);
		fprintf(out, "} %llu\n", (unsigned long long)f[i].total->errors);
	}
	family(out, "hotcanary_function_latency_seconds", "histogram",
	       "Time from entry to return of each call of the function.");
	for (i = 0; i < nr; i++) {
		const uint64_t *h = f[i].total->hist;
		uint64_t cum = 0;

		for (k = 0, b = 0; k < PROM_NBOUNDS; k++) {
			for (; b < bound_bucket[k]; b++)
				cum += h[b];
			series(out, "hotcanary_function_latency_seconds_bucket", "function",
			       f[i].name);
			fputs(",le=\"", out);
			put_seconds(out, bounds[k]);
			fprintf(out, "\"} %llu\n", (unsigned long long)cum);
		}
		for (; b < HC_HIST_BUCKETS; b++)
			cum += h[b];
		series(out, "hotcanary_function_latency_seconds_bucket", "function", f[i].name);
		fprintf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
		series(out, "hotcanary_function_latency_seconds_sum", "function", f[i].name);
		fputs("} ", out);
		put_seconds(out, f[i].total->sum_ns);
		fputc('\n', out);
		/* the count of the timed calls, which is what the buckets and the sum hold */
		series(out, "hotcanary_function_latency_seconds_count", "function", f[i].name);
		fprintf(out, "} %llu\n", (unsigned long long)cum);
	}
}

static void format_rollout(FILE *out, const struct prom_rollout *r)
{
	size_t i;
	int listed = 0;

	family(out, "hotcanary_rollout_stage", "gauge",
	       "The stage the rollout is in, 1-based; 0 before the first stage.");
	series(out, "hotcanary_rollout_stage", "rollout", r->name);
	fputs(",stage=\"", out);
	put_label(out, r->stage ? r->stage : "");
	fprintf(out, "\"} %u\n", r->stage_index);
	family(out, "hotcanary_rollout_stages", "gauge", "How many stages the rollout has.");
	series(out, "hotcanary_rollout_stages", "rollout", r->name);
	fprintf(out, "} %u\n", r->stage_count);
	family(out, "hotcanary_rollout_state", "gauge",
	       "1 for the state the rollout is in, 0 for the others.");
	for (i = 0; r->states && i < r->nr_states; i++) {
		int cur = r->state && !strcmp(r->states[i], r->state);

		series(out, "hotcanary_rollout_state", "rollout", r->name);
		fputs(",state=\"", out);
		put_label(out, r->states[i]);
		fprintf(out, "\"} %d\n", cur);
		listed |= cur;
	}
	if (r->state && !listed) {
		series(out, "hotcanary_rollout_state", "rollout", r->name);
		fputs(",state=\"", out);
		put_label(out, r->state);
		fputs("\"} 1\n", out);
	}
	if (!r->decision)
		return;
	family(out, "hotcanary_rollout_last_decision", "gauge",
	       "1, labelled with the rollout's last decision.");
	series(out, "hotcanary_rollout_last_decision", "rollout", r->name);
	fputs(",decision=\"", out);
	put_label(out, r->decision);
	fputs("\"} 1\n", out);
	family(out, "hotcanary_rollout_last_decision_timestamp_seconds", "gauge",
	       "When the rollout took its last decision, in seconds since the Unix epoch.");
	series(out, "hotcanary_rollout_last_decision_timestamp_seconds", "rollout", r->name);
	fprintf(out, "} %.3f\n", r->decision_unix_s);
}

int prom__format(FILE *out, const struct prom_func *funcs, size_t nr,
		 const struct prom_rollout *rollout)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!funcs[i].name || !funcs[i].total)
			return -EINVAL;
	if (rollout && (!rollout->name || !isfinite(rollout->decision_unix_s)))
		return -EINVAL;
	init_bounds();
	if (nr)
		format_funcs(out, funcs, nr);
	if (rollout)
		format_rollout(out, rollout);
	return ferror(out) ? -EIO : 0;
}

struct prom_fill {
	const struct prom_func *funcs;
	size_t nr;
	const struct prom_rollout *rollout;
};

static int prom_fill(FILE *f, void *ctx)
{
	const struct prom_fill *p = ctx;

	return prom__format(f, p->funcs, p->nr, p->rollout);
}

int prom__write_file(const char *path, const struct prom_func *funcs, size_t nr,
		     const struct prom_rollout *rollout)
{
	struct prom_fill p = { funcs, nr, rollout };

	return atomic_file__write(path, prom_fill, &p);
}
