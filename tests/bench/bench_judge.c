// SPDX-License-Identifier: GPL-2.0
/*
 * make bench-judge: the judge's own code (libhotcanary.a, not a copy) driven by simulated
 * windows shaped like real ones, with fixed seeds. Each case runs a whole rollout the way
 * user/rollout.c calls the judge: baseline windows, then per stage judge__window() every
 * window and judge__finish() at its end. A/A runs (the patch changes nothing) give the
 * false-rollback rate (any FAIL) and the false-hold rate (a stage neither FAILed nor PASSed);
 * regressions give the share detected in the first stage and the windows it took.
 *
 * Calls: lognormal latency (median 50 us, sigma 0.35), 1% errors, each call at a uniform
 * time in its 1-second window. Clustering, per case:
 *  - bursts: preemption bursts (Poisson, 0.5 a second, 50-500 ms) that make every call in
 *    them 4x slower, in every process at once;
 *  - procN: each ulp process keeps its own speed for its whole life, log sd N%;
 *  - load: a load common to every process, AR(1) over windows, log sd 10%;
 *  - onset: the regression starts at a random window 6-25 of the first stage;
 *  - rare: 1-5 calls a second;
 *  - crash: deaths by fatal signals, 0.02 per process-window in both arms; a storm is 3
 *    deaths of canary processes in one window.
 * Regressions at p50 slow every canary call; at p99 the calls above the p98 of the case's
 * latency relative to its process's speed, bursts included (the tail: p99 moves by the
 * factor, p50 does not; with bursts, a threshold on the draw alone would slow calls that
 * lie below the bursts' and leave the true p99 within 1% of where it was).
 *
 * Two workers (fork) share the cells; the table is printed in order at the end. The ulp
 * runs give the judge each stage's arms before the patch (judge__add_did_baseline) and count
 * deaths with struct judge_fatal, as rollout.c is to do. BENCH_DEBUG=1 names, on stderr, the
 * test behind every FAIL.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "judge.h"
#include "stats.h"
#include "rng.h"

#define MAX_PROCS    8
#define MAX_STAGES   3
#define BASE_WINDOWS 30
#define MED_NS	     50000.0
#define SIGMA	     0.35
#define TAIL_Q	     0.98 /* the calls an EFF_P99 regression slows: above this quantile */
#define AA_RUNS	     1000
#define EFFECT_RUNS  300
#define ALPHA	     0.01

struct sim_case {
	const char *name;
	bool ulp;
	unsigned int nproc;
	double rate;		 /* calls a second per process (klp: the host); 0 with rate_lo */
	double rate_lo, rate_hi; /* rare: drawn per run */
	double burst_rate;	 /* bursts a second */
	double proc_sd;		 /* persistent per-process log speed */
	double load_sd;		 /* common AR(1) log load, stationary sd */
	bool onset;
	bool crash;
	bool add_ms; /* rare: also the +5 ms regression */
};

enum effect_kind { EFF_AA, EFF_P50, EFF_P99, EFF_ADD, EFF_STORM };

struct cell {
	unsigned int c; /* index in cases[] */
	enum effect_kind kind;
	double factor; /* latency multiplier, or ns added for EFF_ADD */
	unsigned int runs;
};

struct cell_result {
	unsigned int idx;
	unsigned int runs, fails, holds, detected;
	double win_median, win_p90; /* windows to detect, among detected runs */
	double seconds;
};

static const struct sim_case cases[] = {
	{ .name = "klp-indep", .rate = 400 },
	{ .name = "klp-bursts", .rate = 400, .burst_rate = 0.5 },
	{ .name = "ulp-indep", .ulp = true, .nproc = 8, .rate = 100 },
	{ .name = "ulp-bursts", .ulp = true, .nproc = 8, .rate = 100, .burst_rate = 0.5 },
	{ .name = "ulp-proc10", .ulp = true, .nproc = 8, .rate = 100, .proc_sd = 0.10 },
	{ .name = "ulp-proc30", .ulp = true, .nproc = 8, .rate = 100, .proc_sd = 0.30 },
	{ .name = "ulp-load", .ulp = true, .nproc = 8, .rate = 100, .load_sd = 0.10 },
	{ .name = "klp-onset", .rate = 400, .onset = true },
	{ .name = "ulp-onset", .ulp = true, .nproc = 8, .rate = 100, .onset = true },
	{ .name = "klp-rare", .rate_lo = 1, .rate_hi = 5, .add_ms = true },
	{ .name = "ulp-crash", .ulp = true, .nproc = 8, .rate = 100, .crash = true },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/*
 * stages: klp canary 30 s, soak 60 s; ulp canary 30 s, half 30 s, all 60 s (policies/), the
 * canary stage with 2 processes of 8: rollout_arms.c gives 2 to a service of 4 or more
 */
static unsigned int nstages(const struct sim_case *sc)
{
	return sc->ulp ? 3 : 2;
}

static unsigned int stage_len(const struct sim_case *sc, unsigned int s)
{
	return s + 1 == nstages(sc) ? 60 : 30;
}

static unsigned int stage_canaries(const struct sim_case *sc, unsigned int s)
{
	if (!sc->ulp)
		return 0;
	return s == 0 ? 2 : s == 1 ? sc->nproc / 2 : sc->nproc;
}

/* ---- the call generator ------------------------------------------------------------------ */

static double normal_tab[4096];

static void normal_init(void)
{
	unsigned int i;

	for (i = 0; i < 4096; i++)
		normal_tab[i] = stats__norm_quantile((i + 0.5) / 4096);
}

static inline double fast_normal(void)
{
	return normal_tab[rng_next() >> 52];
}

static uint64_t poisson(double mean)
{
	double l = exp(-mean), p = 1;
	uint64_t k = 0;

	if (mean > 50)
		return (uint64_t)fmax(0, round(mean + sqrt(mean) * rng_normal()));
	for (;;) {
		p *= rng_unit();
		if (p <= l)
			return k;
		k++;
	}
}

struct bursts {
	unsigned int n;
	double start[16], end[16];
};

static void bursts_draw(struct bursts *b, double rate)
{
	unsigned int i;

	b->n = rate > 0 ? (unsigned int)poisson(rate) : 0;
	if (b->n > 16)
		b->n = 16;
	for (i = 0; i < b->n; i++) {
		b->start[i] = rng_unit();
		b->end[i] = b->start[i] + 0.05 + 0.45 * rng_unit();
	}
}

static bool bursts_hit(const struct bursts *b, double t)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		if (t >= b->start[i] && t < b->end[i])
			return true;
	return false;
}

struct effect {
	enum effect_kind kind;
	double factor;
	bool on;
};

/* a call's latency relative to MED_NS x its process's speed */
static double call_rel(const struct bursts *b)
{
	double rel = exp(SIGMA * fast_normal());

	return b->n && bursts_hit(b, rng_unit()) ? rel * 4 : rel;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* the TAIL_Q quantile of call_rel() under @sc's bursts, from its own seeded draws */
static int tail_init(const struct sim_case *sc, double *tail)
{
	enum { WINDOWS = 1000, CALLS = 200 };
	double *v = malloc(sizeof(*v) * WINDOWS * CALLS);
	struct bursts b;
	unsigned int i, k;

	if (!v)
		return -ENOMEM;
	rng_seed(0x7a11);
	for (i = 0; i < WINDOWS; i++) {
		bursts_draw(&b, sc->burst_rate);
		for (k = 0; k < CALLS; k++)
			v[i * CALLS + k] = call_rel(&b);
	}
	qsort(v, WINDOWS * CALLS, sizeof(*v), cmp_double);
	*tail = v[(size_t)(TAIL_Q * WINDOWS * CALLS)];
	free(v);
	return 0;
}

static double case_tail[NCASES];

/* one process's (or the host's) window: @speed its persistent and common multipliers */
static void window_gen(struct hc_snapshot *w, double rate, double speed, const struct bursts *b,
		       const struct effect *e, double tail)
{
	uint64_t n = poisson(rate), i;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < n; i++) {
		double rel = call_rel(b), ns = MED_NS * speed * rel;

		if (e && e->on) {
			if (e->kind == EFF_P50 || (e->kind == EFF_P99 && rel > tail))
				ns *= e->factor;
			else if (e->kind == EFF_ADD)
				ns += e->factor;
		}
		w->hist[hc_hist_bucket((uint64_t)ns)]++;
		if (rng_unit() < 0.01)
			w->errors++;
	}
	w->calls = n;
}

/* ---- one rollout ---------------------------------------------------------------------------- */

struct run_out {
	bool failed, held;
	int detect_window;  /* 1-based window of stage 1 it FAILed in, 0 if not */
	unsigned int onset; /* 1-based window the regression began in (1: from the start) */
};

static void cfg_for(const struct sim_case *sc, struct judge_config *cfg, enum judge_design d)
{
	judge__config_defaults(cfg);
	cfg->design = d;
	/*
	 * as rollout.c: the run's alpha over functions x stages, plus one for the fatal guard
	 * and, ulp, one for the staggered last stage's guard
	 */
	cfg->alpha = ALPHA / (double)(nstages(sc) + 1 + sc->ulp);
	cfg->max_windows = 60;
}

/*
 * every process's baseline windows, for the DiD split of each stage, and the previous
 * stage's, for the split of a staggered one
 */
static struct hc_snapshot base_w[BASE_WINDOWS][MAX_PROCS];
static struct hc_snapshot stage_w[2][60][MAX_PROCS];

static void snap_add(struct hc_snapshot *acc, const struct hc_snapshot *w)
{
	unsigned int i;

	acc->calls += w->calls;
	acc->errors += w->errors;
	for (i = 0; i < HC_HIST_BUCKETS; i++)
		acc->hist[i] += w->hist[i];
}

static int run_one(const struct sim_case *sc, const struct cell *cl, struct run_out *out)
{
	unsigned int np = sc->ulp ? sc->nproc : 1, p, s, t, last_stage;
	double speed[MAX_PROCS], load = 0, rate;
	struct judge_config cfg, solo_cfg;
	struct judge j, solo;
	struct hc_snapshot w[MAX_PROCS], can, ctl, all;
	struct judge_result res, guard;
	struct judge_fatal fatal;
	struct judge_decision fd;
	bool effect_run = cl->kind != EFF_AA;
	struct effect eff = { .kind = cl->kind, .factor = cl->factor };
	struct bursts b;
	int err;

	memset(out, 0, sizeof(*out));
	rate = sc->rate ? sc->rate : sc->rate_lo + (sc->rate_hi - sc->rate_lo) * rng_unit();
	for (p = 0; p < np; p++)
		speed[p] = exp(sc->proc_sd * rng_normal());
	cfg_for(sc, &cfg, sc->ulp ? JUDGE_CONCURRENT : JUDGE_BEFORE_AFTER);
	cfg_for(sc, &solo_cfg, JUDGE_BEFORE_AFTER);
	err = judge__init(&j, "sim", &cfg);
	err = err ?: judge__init(&solo, "sim", &solo_cfg);
	err = err ?: judge_fatal__init(&fatal, cfg.alpha, 1.0);
	if (err)
		return err;
	out->onset = sc->onset ? 6 + (unsigned int)(rng_unit() * 20) : 1;

	for (t = 0; t < BASE_WINDOWS; t++) {
		if (sc->load_sd) {
			load = 0.9 * load + sc->load_sd * sqrt(1 - 0.81) * rng_normal();
		}
		bursts_draw(&b, sc->burst_rate);
		memset(&ctl, 0, sizeof(ctl));
		for (p = 0; p < np; p++) {
			window_gen(&w[p], rate, speed[p] * exp(load), &b, NULL, 0);
			snap_add(&ctl, &w[p]);
			base_w[t][p] = w[p];
		}
		judge__add_baseline(&j, &ctl);
		if (sc->ulp) {
			judge__add_baseline(&solo, &ctl);
			for (p = 0; p < np; p++) {
				judge__add_cell(&j, &w[p]);
				judge__add_cell(&solo, &w[p]);
			}
		}
		if (sc->crash)
			judge_fatal__add_baseline(&fatal, poisson(0.02 * np), np);
	}

	last_stage = effect_run ? 1 : nstages(sc);
	for (s = 0; s < last_stage; s++) {
		unsigned int nc = stage_canaries(sc, s), len = stage_len(sc, s);
		bool concurrent = sc->ulp && nc < np;
		/*
		 * as rollout_arms.c: no control left, the new canaries (p >= pnc) against the
		 * earlier ones, each against itself in the previous stage; the solo judge a guard
		 */
		unsigned int pnc = s ? stage_canaries(sc, s - 1) : 0,
			     plen = s ? stage_len(sc, s - 1) : 0;
		bool stag = sc->ulp && !concurrent && pnc && pnc < np;
		struct judge *jj = concurrent || stag ? &j : sc->ulp ? &solo : &j;

		/* the stage's arms before the patch: difference in differences */
		for (t = 0; concurrent && t < BASE_WINDOWS; t++) {
			memset(&can, 0, sizeof(can));
			memset(&ctl, 0, sizeof(ctl));
			for (p = 0; p < np; p++)
				snap_add(p < nc ? &can : &ctl, &base_w[t][p]);
			err = judge__add_did_baseline(&j, &can, &ctl);
			if (err)
				goto out;
		}
		for (t = 0; stag && t < plen; t++) {
			memset(&can, 0, sizeof(can));
			memset(&ctl, 0, sizeof(ctl));
			for (p = 0; p < np; p++)
				snap_add(p >= pnc ? &can : &ctl, &stage_w[(s - 1) % 2][t][p]);
			err = judge__add_did_baseline(&j, &can, &ctl);
			if (err)
				goto out;
		}
		for (t = 1; t <= len; t++) {
			if (sc->load_sd)
				load = 0.9 * load + sc->load_sd * sqrt(1 - 0.81) * rng_normal();
			bursts_draw(&b, sc->burst_rate);
			eff.on = effect_run && t >= out->onset && cl->kind != EFF_STORM;
			memset(&can, 0, sizeof(can));
			memset(&ctl, 0, sizeof(ctl));
			memset(&all, 0, sizeof(all));
			for (p = 0; p < np; p++) {
				bool canary = !sc->ulp || p < nc;

				window_gen(&w[p], rate, speed[p] * exp(load), &b,
					   canary ? &eff : NULL, case_tail[sc - cases]);
				snap_add(stag	? (p >= pnc ? &can : &ctl) :
					 canary ? &can :
						  &ctl,
					 &w[p]);
				snap_add(&all, &w[p]);
				stage_w[s % 2][t - 1][p] = w[p];
			}
			err = judge__window(jj, &can, concurrent || stag ? &ctl : NULL, &res);
			if (!err && stag) {
				err = judge__window(&solo, &all, NULL, &guard);
				if (guard.verdict == JUDGE_FAIL)
					res = guard;
			}
			if (err)
				goto out;
			if (concurrent || stag)
				for (p = stag ? 0 : nc; p < (stag ? pnc : np); p++)
					judge__add_cell(&j, &w[p]);
			if (sc->crash) {
				uint64_t dc = poisson(0.02 * nc), dr = poisson(0.02 * (np - nc));

				if (cl->kind == EFF_STORM && t == out->onset)
					dc += 3;
				judge_fatal__window(&fatal, dc, nc, dr, np - nc, &fd);
				if (fd.verdict == JUDGE_FAIL)
					res.verdict = JUDGE_FAIL;
			}
			if (res.verdict == JUDGE_FAIL) {
				if (getenv("BENCH_DEBUG") && res.reason >= 0)
					fprintf(stderr,
						"%s k%d s%u w%u: %s e=%g bar=%g obs=%g p=%g\n",
						sc->name, cl->kind, s, t,
						judge__metric_name(res.reason),
						res.d[res.reason].e_value, res.d[res.reason].e_bar,
						res.d[res.reason].observed,
						res.d[res.reason].p_value);
				out->failed = true;
				if (s == 0 && t >= out->onset)
					out->detect_window = (int)(t - out->onset + 1);
				goto out;
			}
		}
		err = judge__finish(jj, &res);
		if (!err && stag) {
			err = judge__finish(&solo, &guard);
			if (guard.verdict == JUDGE_FAIL)
				res = guard;
		}
		if (err)
			goto out;
		if (res.verdict == JUDGE_FAIL) {
			out->failed = true;
			if (s == 0)
				out->detect_window = (int)(len - out->onset + 1);
			goto out;
		}
		if (res.verdict != JUDGE_PASS)
			out->held = true;
		judge__next_stage(&j);
		judge__next_stage(&solo);
		judge_fatal__next_stage(&fatal);
	}
out:
	judge__free(&j);
	judge__free(&solo);
	return err;
}

/* ---- cells, workers, the table ------------------------------------------------------------- */

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int cell_run(const struct cell *cl, unsigned int idx, struct cell_result *r)
{
	const struct sim_case *sc = &cases[cl->c];
	struct timespec t0, t1;
	int *win = calloc(cl->runs, sizeof(*win));
	unsigned int i, nd = 0;
	struct run_out o;
	int err = 0;

	if (!win)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->idx = idx;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < cl->runs; i++) {
		rng_seed(0x5eed0000ULL + 7919ULL * idx + 104729ULL * i);
		err = run_one(sc, cl, &o);
		if (err)
			break;
		r->runs++;
		r->fails += o.failed;
		r->holds += !o.failed && o.held;
		if (o.detect_window > 0)
			win[nd++] = o.detect_window;
	}
	r->detected = nd;
	if (nd) {
		qsort(win, nd, sizeof(*win), cmp_int);
		r->win_median = win[nd / 2];
		r->win_p90 = win[(nd * 9) / 10 < nd ? (nd * 9) / 10 : nd - 1];
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	free(win);
	return err;
}

static void wilson(unsigned int k, unsigned int n, double *lo, double *hi)
{
	double z = 1.959964, p = n ? (double)k / n : 0, d = 1 + z * z / n;
	double c = (p + z * z / (2.0 * n)) / d;
	double h = z * sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / d;

	*lo = fmax(0, c - h);
	*hi = fmin(1, c + h);
}

static size_t cells_build(struct cell *cells, size_t max)
{
	static const double factors[] = { 1.05, 1.25, 2, 100 };
	size_t n = 0, c, f, k;

	for (c = 0; c < NCASES && n < max; c++) {
		const struct sim_case *sc = &cases[c];

		cells[n++] = (struct cell){ c, EFF_AA, 1, AA_RUNS };
		if (sc->crash) {
			cells[n++] = (struct cell){ c, EFF_STORM, 1, EFFECT_RUNS };
			continue;
		}
		for (k = 0; k < 2; k++)
			for (f = 0; f < 4; f++) {
				/* onsets: the sizes a few windows can show */
				if (sc->onset && factors[f] < 2)
					continue;
				cells[n++] = (struct cell){ c, k ? EFF_P99 : EFF_P50, factors[f],
							    EFFECT_RUNS };
			}
		if (sc->add_ms)
			cells[n++] = (struct cell){ c, EFF_ADD, 5e6, EFFECT_RUNS };
	}
	return n;
}

static void effect_name(const struct cell *cl, char *buf, size_t len)
{
	switch (cl->kind) {
	case EFF_AA:
		snprintf(buf, len, "A/A");
		break;
	case EFF_P50:
	case EFF_P99:
		if (cl->factor >= 2)
			snprintf(buf, len, "%gx @%s", cl->factor,
				 cl->kind == EFF_P50 ? "p50" : "p99");
		else
			snprintf(buf, len, "+%g%% @%s", round((cl->factor - 1) * 100),
				 cl->kind == EFF_P50 ? "p50" : "p99");
		break;
	case EFF_ADD:
		snprintf(buf, len, "+%gms", cl->factor / 1e6);
		break;
	case EFF_STORM:
		snprintf(buf, len, "storm 3");
		break;
	}
}

int main(int argc, char **argv)
{
	struct cell cells[128];
	struct cell_result *res;
	size_t n = cells_build(cells, 128), i;
	unsigned int workers = 2, k;
	int fds[2];
	double total = 0;

	if (argc > 1)
		workers = (unsigned int)atoi(argv[1]) ?: 1;
	normal_init();
	for (i = 0; i < NCASES; i++)
		if (tail_init(&cases[i], &case_tail[i]))
			return 1;
	res = calloc(n, sizeof(*res));
	if (!res || pipe(fds))
		return 1;
	for (k = 0; k < workers; k++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (!pid) {
			close(fds[0]);
			for (i = k; i < n; i += workers) {
				struct cell_result r;

				if (cell_run(&cells[i], (unsigned int)i, &r))
					_exit(1);
				if (write(fds[1], &r, sizeof(r)) != sizeof(r))
					_exit(1);
			}
			_exit(0);
		}
	}
	close(fds[1]);
	for (;;) {
		struct cell_result r;
		ssize_t got = read(fds[0], &r, sizeof(r));

		if (got != sizeof(r))
			break;
		if (r.idx < n)
			res[r.idx] = r;
	}
	for (k = 0; k < workers; k++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
	}

	printf("alpha %.2g per run; A/A: %d runs over every stage; regressions: %d runs, "
	       "first stage only\n",
	       ALPHA, AA_RUNS, EFFECT_RUNS);
	printf("%-11s %-11s %5s  %-24s %-24s %8s %9s\n", "case", "effect", "runs",
	       "false rollback [95%]", "false hold [95%]", "detected", "windows");
	for (i = 0; i < n; i++) {
		const struct cell *cl = &cells[i];
		const struct cell_result *r = &res[i];
		char eff[32], a[40], b[40], d[16], w[40];
		double lo, hi;

		effect_name(cl, eff, sizeof(eff));
		total += r->seconds;
		if (!r->runs) {
			printf("%-11s %-11s missing\n", cases[cl->c].name, eff);
			continue;
		}
		if (cl->kind == EFF_AA) {
			wilson(r->fails, r->runs, &lo, &hi);
			snprintf(a, sizeof(a), "%5.1f%% [%4.1f, %4.1f]", 100.0 * r->fails / r->runs,
				 100 * lo, 100 * hi);
			wilson(r->holds, r->runs, &lo, &hi);
			snprintf(b, sizeof(b), "%5.1f%% [%4.1f, %4.1f]", 100.0 * r->holds / r->runs,
				 100 * lo, 100 * hi);
			snprintf(d, sizeof(d), "-");
			snprintf(w, sizeof(w), "-");
		} else {
			snprintf(a, sizeof(a), "-");
			snprintf(b, sizeof(b), "-");
			snprintf(d, sizeof(d), "%5.1f%%", 100.0 * r->detected / r->runs);
			if (r->detected)
				snprintf(w, sizeof(w), "%g (p90 %g)", r->win_median, r->win_p90);
			else
				snprintf(w, sizeof(w), "-");
		}
		printf("%-11s %-11s %5u  %-24s %-24s %8s %s\n", cases[cl->c].name, eff, r->runs, a,
		       b, d, w);
	}
	printf("cpu %.0f s over %u workers\n", total, workers);
	return 0;
}
