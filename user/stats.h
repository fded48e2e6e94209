/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics for the canary judge: pure functions and one small state machine, no I/O and no
 * printing. "[stats §N]" cites section N of tools/docs/design/statistics.md, which says what
 * each test rests on and where it comes from.
 */
#ifndef HC_STATS_H
#define HC_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- distributions ------------------------------------------------------------------------ */

/* standard normal P(Z <= z) and P(Z > z), through erfc so that both tails keep their digits */
double stats__norm_cdf(double z);
double stats__norm_sf(double z);
/* the z with P(Z <= z) = p; -inf for p <= 0, +inf for p >= 1 */
double stats__norm_quantile(double p);

/* regularized incomplete beta I_x(a, b), a, b > 0; NAN on bad arguments */
double stats__beta_inc(double a, double b, double x);
/* the x with I_x(a, b) = p */
double stats__beta_quantile(double a, double b, double p);
/* binomial tails: P(X >= k) and P(X <= k) for X ~ Binomial(n, p) */
double stats__binom_sf(uint64_t k, uint64_t n, double p);
double stats__binom_cdf(uint64_t k, uint64_t n, double p);
/*
 * one-sided Clopper-Pearson upper bound: P(true p > bound) <= alpha; 1 when x = n. The _eff
 * form takes effective counts, which need not be whole (counts divided by a dispersion).
 */
double stats__binom_upper(uint64_t x, uint64_t n, double alpha);
double stats__binom_upper_eff(double x, double n, double alpha);

/*
 * Overdispersion of a count of bad events over cells (a process's window, a window): how
 * many times the binomial variance the cells' counts vary. Accumulate cells with
 * dispersion__add(), read the estimate with dispersion__phi().
 */
struct dispersion {
	unsigned int cells;
	uint64_t bad, n;
	double sq; /* sum over the cells of bad^2 / n */
};

void dispersion__add(struct dispersion *d, uint64_t bad, uint64_t n);
/*
 * Pearson's X^2 / (cells - 1) around the pooled rate, at least 1; 1 when fewer than 2 cells
 * or no bad event (nothing to measure it with).
 */
double dispersion__phi(const struct dispersion *d);
/*
 * An upper confidence bound on phi, at least 1: X^2 over the (1 - conf) quantile of
 * chi^2 with cells - 1 degrees of freedom. A few cells can show little of the spread, so the
 * tests discount by this rather than by the estimate.
 */
double dispersion__phi_upper(const struct dispersion *d, double conf);

/* ---- Mann-Whitney U and Hodges-Lehmann ---------------------------------------------------- */

/* force the normal approximation even where the exact distribution would be used */
#define STATS_MW_NORMAL	   (1U << 0)
/* exact null distribution when both samples are smaller than this and have no ties (as R) */
#define STATS_MW_EXACT_MAX 50

struct stats_mw {
	uint64_t nx, ny;
	double u;	  /* pairs with x > y, ties counting 1/2 (R's W) */
	double auc;	  /* u / (nx ny) = P(X > Y) + P(X = Y) / 2 [stats §3] */
	double sigma;	  /* null sd of u, tie-corrected; 0 when every value is tied */
	double z;	  /* (u - nx ny / 2) / sigma, no continuity correction */
	double p_greater; /* H1: x tends to be larger than y */
	double p_less;
	double p_two;
	bool exact; /* p from the exact null distribution, else the normal one */
	bool ties;
};

/*
 * Mann-Whitney U of x against y with midranks. The normal approximation uses the tie-corrected
 * variance and a continuity correction, which is R's wilcox.test(x, y, exact = FALSE,
 * correct = TRUE). 0, -EINVAL for an empty or non-finite sample, -ENOMEM.
 */
int stats__mann_whitney(const double *x, size_t nx, const double *y, size_t ny, unsigned int flags,
			struct stats_mw *out);
/*
 * The same test on two histograms over the same ordered buckets, each bucket a tie group
 * [stats §3]: x is the canary, y the reference. Always the normal approximation.
 */
int stats__mann_whitney_hist(const uint64_t *x, const uint64_t *y, size_t nbuckets,
			     struct stats_mw *out);
/*
 * For samples too small for the normal approximation (each below STATS_MW_EXACT_MAX): the
 * one-sided p_greater from the exact null distribution of U, with every tie counted for y
 * (conservative: breaking the ties could only raise U). @min_p, if not NULL: the smallest p
 * samples of these sizes can give, P(U = nx ny). Only nx, ny, u, auc, exact and p_greater
 * are set. 0, -EINVAL (an empty sample), -E2BIG (a sample too large), -ENOMEM.
 */
int stats__mann_whitney_hist_exact(const uint64_t *x, const uint64_t *y, size_t nbuckets,
				   struct stats_mw *out, double *min_p);

struct stats_hl {
	double shift;  /* median of the nx * ny differences x_i - y_j */
	double lo, hi; /* distribution-free CI; +-inf with too few data */
	double conf;
	bool exact; /* CI ranks from the exact U distribution */
};

/* Hodges-Lehmann shift of x against y with the Moses CI at level @conf (two-sided) */
int stats__hodges_lehmann(const double *x, size_t nx, const double *y, size_t ny, double conf,
			  struct stats_hl *out);

/* ---- rates ---------------------------------------------------------------------------------- */

struct stats_rate {
	double ratio;  /* (xc / nc) / (xb / nb); inf if xb = 0 < xc, NAN if both 0 */
	double lo, hi; /* CI of the rate ratio at conf, conditional exact [stats §5] */
	double conf;
	double p;   /* one-sided exact conditional p-value of H0: ratio <= r0 */
	double z;   /* pooled two-proportion z of xc/nc - xb/nb */
	double p_z; /* one-sided normal p of z, H0: equal proportions */
};

/*
 * Compare the canary's xc bad events in nc calls with the reference's xb in nb. 0, or -EINVAL
 * when a count exceeds its calls, a side has no calls, r0 <= 0 or conf is not in (0, 1).
 */
int stats__rate_ratio(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double r0, double conf,
		      struct stats_rate *out);

/* ---- the always-valid sequential test ------------------------------------------------------ */

enum seqtest_design {
	/* a control arm measured in the same windows as the canary (the ulp path) */
	SEQTEST_CONCURRENT,
	/* one reference measured before activation and reused for every window (the klp path) */
	SEQTEST_BASELINE,
};

/* the alternatives mixed over: rate ratios 1.1, 1.25, 1.5, 2 and 4 against the null [stats §6] */
#define SEQTEST_NALT 5

/*
 * H0: the canary's rate of bad events is at most r0 times the reference's. The state is an
 * e-process E_t over windows; H0 is rejected the first time E_t >= 1 / alpha (or 2 / alpha in
 * the baseline design) and stays rejected. See stats.c for why each design is valid.
 */
struct seqtest {
	enum seqtest_design design;
	double alpha; /* the whole budget of this test */
	double r0;
	double log_bar;		   /* reject when ln E_t >= log_bar */
	double logl[SEQTEST_NALT]; /* ln of each alternative's likelihood ratio */
	double log_e;		   /* ln E_t */
	double log_e_max;	   /* ln max_{s <= t} E_s */
	double phi;		   /* the dispersion the next window is tempered by, >= 1 */
	/* SEQTEST_BASELINE: the frozen reference and the null rate derived from it */
	bool have_ref;
	bool disabled; /* the null covers every rate: the test can never reject */
	uint64_t base_bad, base_n;
	double p0;
	/* totals over the windows seen, for reports */
	uint64_t canary_bad, canary_n, ref_bad, ref_n;
	unsigned int windows;
	unsigned int reject_window; /* 1-based window of the first rejection, 0 if none */
};

/* 0, or -EINVAL unless 0 < alpha < 1 and r0 > 0 */
int seqtest__init(struct seqtest *t, double alpha, enum seqtest_design design, double r0);
/*
 * The overdispersion phi >= 1 of the bad-event counts, estimated from reference data seen
 * before the next window (never from that window: the factors must stay predictable). Each
 * later window's factor is tempered by 1 / phi; the baseline design also widens its bound on
 * the reference rate to the effective counts bad / phi of n / phi, and keeps the phi it had
 * at its first window. -EINVAL unless phi >= 1 and finite.
 */
int seqtest__set_phi(struct seqtest *t, double phi);
/*
 * The confidence of the bound on phi (dispersion__phi_upper) that the judge tempers by: at
 * 0.8 the A/A false-alarm rate of tests/unit/test_stats.c stays within alpha, with the point
 * estimate it does not.
 */
#define SEQTEST_PHI_CONF 0.8
/*
 * One window: the canary's bad events and calls, and the reference's. In the concurrent design
 * the reference is the control arm's same window; in the baseline design it is the baseline
 * totals, which must be the same in every call (-EINVAL otherwise, or if ref_n is 0).
 * -EINVAL also when bad > n.
 */
int seqtest__update(struct seqtest *t, uint64_t canary_bad, uint64_t canary_n, uint64_t ref_bad,
		    uint64_t ref_n);
bool seqtest__rejected(const struct seqtest *t);
/* E_t, the current e-value (1 before any data) */
double seqtest__evalue(const struct seqtest *t);
/* the largest E_s so far: what rejection is decided on */
double seqtest__evalue_max(const struct seqtest *t);
/* the e-value that rejects: 1 / alpha, or 2 / alpha in the baseline design */
double seqtest__bar(const struct seqtest *t);

/* ---- the per-window e-process ---------------------------------------------------------------- */

/*
 * Evidence counted in windows: each window gives one standardized score z (its statistic minus
 * the null's bound, over the reference's between-window dispersion), and the e-process bets on
 * it. Valid when, under H0, z given the past is sub-Gaussian with variance proxy 1 and mean at
 * most 0: then exp(lambda z - lambda^2 / 2) has mean at most 1 for every lambda. Scores are
 * clipped from above (which keeps that bound) so that no single window, however extreme, gives
 * more than the square root of the rejection bar: two windows at least decide.
 *
 * EPROC_TEST: the mixture over EPROC_NLAMBDA bets of the products since the start; by Ville's
 * inequality P(ever >= 1 / alpha) <= alpha.
 * EPROC_ONSET: an e-detector, one CUSUM per bet (M_t = f_t max(M_{t-1}, 1)), which restarts
 * after evidence against a change and so sees a change that begins at any window as quickly as
 * one from the start. M_t is the largest product over the windows since any start s; each of
 * these is an e-process, so over at most @horizon starts and the bets the bar
 * horizon * EPROC_NLAMBDA / alpha keeps P(false alarm within the horizon) <= alpha.
 */
#define EPROC_NLAMBDA 4

enum eproc_kind {
	EPROC_TEST,
	EPROC_ONSET,
};

struct eproc {
	enum eproc_kind kind;
	double alpha;
	double log_bar; /* reject when the statistic's log reaches it */
	double lambda[EPROC_NLAMBDA];
	double cap[EPROC_NLAMBDA];  /* z is clipped to this for bet k */
	double logw[EPROC_NLAMBDA]; /* ln of bet k's product (or CUSUM) */
	double log_e, log_e_max;    /* ln of the statistic now, and its largest so far */
	unsigned int windows;
	unsigned int reject_window; /* 1-based, 0 if none */
};

/* 0, or -EINVAL unless 0 < alpha < 1 (and horizon >= 1 for EPROC_ONSET) */
int eproc__init(struct eproc *e, enum eproc_kind kind, double alpha, unsigned int horizon);
/* one window's score; -EINVAL if not finite (+inf is clipped) */
int eproc__update(struct eproc *e, double z);
bool eproc__rejected(const struct eproc *e);
double eproc__evalue(const struct eproc *e);
double eproc__evalue_max(const struct eproc *e);
double eproc__bar(const struct eproc *e);

/*
 * A window's statistic as a normal score of its rank among @n reference values, midranks for
 * ties: Phi^-1((below + ties / 2 + 1/2) / (n + 1)). Distribution-free when the window and the
 * reference are exchangeable; bounded, so heavy tails cannot inflate it. NAN when n is 0.
 */
double stats__rank_score(double x, const double *ref, size_t n);

/* mean and sample sd of @n values; sd NAN below 2 */
void stats__mean_sd(const double *v, size_t n, double *mean, double *sd);
/*
 * An upper confidence bound at @conf on a normal sd estimated with @n - 1 degrees of freedom:
 * sd * sqrt(nu / chi^2_{nu, 1 - conf}), Wilson-Hilferty. INFINITY below 2 values.
 */
double stats__sd_upper(double sd, size_t n, double conf);

/* ---- small samples and counts ------------------------------------------------------------- */

/*
 * Exceedances of the reference's maximum: of @m canary calls, @k lie above every one of @n
 * reference calls. When the m + n calls are exchangeable, K >= k exactly when the k largest
 * of all are canary calls, so P(K >= k) = C(m, k) / C(n + m, k), whatever the distribution.
 * 1 for k = 0; NAN when k > m.
 */
double stats__exceed_max_p(uint64_t k, uint64_t m, uint64_t n);

/*
 * Two Poisson counts: @xc events over exposure @ec (the canary's process-windows) against @xr
 * over @er (the reference's). H0: the canary's rate is at most r0 times the reference's. Given
 * the total, xc is binomial with p = r0 ec / (r0 ec + er) under the boundary of H0, so the
 * exact one-sided p-value is P(Bin(xc + xr, p) >= xc). 0, -EINVAL for exposure <= 0 or r0 <= 0.
 */
int stats__count_ratio_p(uint64_t xc, double ec, uint64_t xr, double er, double r0, double *p);

/*
 * The alpha of look @look (1, 2, ...) of a test looked at as often as new data asks: alpha
 * 6 / (pi^2 look^2), which sums to @alpha over every look (the rare-call tests, the fatal
 * signals)
 */
double stats__look_alpha(double alpha, unsigned int look);

#endif
