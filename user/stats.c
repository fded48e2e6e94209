// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics for the canary judge. Every formula cites the section of
 * tools/docs/design/statistics.md that it rests on ([stats §N]) or the paper it comes from.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "stats.h"

/* ---- distributions ------------------------------------------------------------------------ */

/*
 * Phi(z) = erfc(-z / sqrt 2) / 2: erfc keeps full relative precision in its tail, where
 * 1 - erf() would round a 1e-20 tail probability to 0 (Abramowitz & Stegun 7.1.2, 26.2.29).
 */
double stats__norm_cdf(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

double stats__norm_sf(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

/*
 * Start from Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4), then polish with Halley steps on
 * Phi(x) - p, which converge cubically: three give full double precision. The lower tail is
 * solved directly (Phi is accurate there) and the upper one by symmetry; 1 - p is exact for
 * p >= 0.5 (Sterbenz).
 */
double stats__norm_quantile(double p)
{
	const double c0 = 2.515517, c1 = 0.802853, c2 = 0.010328;
	const double d1 = 1.432788, d2 = 0.189269, d3 = 0.001308;
	double t, x;
	int i;

	if (isnan(p))
		return NAN;
	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	if (p > 0.5)
		return -stats__norm_quantile(1.0 - p);
	if (p == 0.5)
		return 0;
	t = sqrt(-2.0 * log(p));
	x = -(t - (c0 + c1 * t + c2 * t * t) / (1 + d1 * t + d2 * t * t + d3 * t * t * t));
	/* below ~1e-300 the density underflows; the starting point is then as good as it gets */
	if (p < 1e-300)
		return x;
	for (i = 0; i < 4; i++) {
		/* u = (Phi(x) - p) / phi(x); Halley: x -= u / (1 + x u / 2) */
		double u = (stats__norm_cdf(x) - p) * sqrt(2 * M_PI) * exp(0.5 * x * x);

		x -= u / (1 + 0.5 * x * u);
		if (fabs(u) < 1e-16 * fabs(x))
			break;
	}
	return x;
}

/*
 * Continued fraction for I_x(a, b) by the modified Lentz method (Numerical Recipes, 3rd ed.,
 * section 6.4, betacf). It converges quickly for x < (a + 1) / (a + b + 2), in O(sqrt(max(a, b)))
 * terms; the caller uses the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) otherwise.
 */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-16;
	double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d, h;
	int m;

	d = 1 - qab * x / qap;
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 1000000; m++) {
		int m2 = 2 * m;
		double aa = m * (b - m) * x / ((qam + m2) * (a + m2)), del;

		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < eps)
			return h;
	}
	return NAN;
}

double stats__beta_inc(double a, double b, double x)
{
	double lfront;

	if (!(a > 0) || !(b > 0) || isnan(x))
		return NAN;
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	/* x^a (1-x)^b / (a B(a, b)), in logs: the Gammas overflow long before the result does */
	lfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lfront) * beta_cf(a, b, x) / a;
	return 1 - exp(lfront) * beta_cf(b, a, 1 - x) / b;
}

/*
 * I_x(a, b) increases with x, so bisect. 200 halvings of [0, 1] reach far below the smallest
 * bounds a Clopper-Pearson interval needs (1e-9 of a 1e9-call window).
 */
double stats__beta_quantile(double a, double b, double p)
{
	double lo = 0, hi = 1;
	int i;

	if (!(a > 0) || !(b > 0) || isnan(p))
		return NAN;
	if (p <= 0)
		return 0;
	if (p >= 1)
		return 1;
	for (i = 0; i < 200; i++) {
		double mid = 0.5 * (lo + hi);

		if (mid <= lo || mid >= hi)
			break;
		if (stats__beta_inc(a, b, mid) < p)
			lo = mid;
		else
			hi = mid;
		if (hi - lo <= 1e-15 * hi)
			break;
	}
	return 0.5 * (lo + hi);
}

/* P(X >= k) = I_p(k, n - k + 1) (NR 6.4.12): one continued fraction instead of a sum of k terms */
double stats__binom_sf(uint64_t k, uint64_t n, double p)
{
	if (k == 0)
		return 1;
	if (k > n)
		return 0;
	return stats__beta_inc((double)k, (double)(n - k + 1), p);
}

/* P(X <= k) = I_{1-p}(n - k, k + 1): the direct form, not 1 - sf, keeps small lower tails */
double stats__binom_cdf(uint64_t k, uint64_t n, double p)
{
	if (k >= n)
		return 1;
	return stats__beta_inc((double)(n - k), (double)(k + 1), 1 - p);
}

/* Clopper-Pearson: the p with P(X <= x | p) = alpha is the 1 - alpha quantile of Beta(x+1, n-x) */
double stats__binom_upper(uint64_t x, uint64_t n, double alpha)
{
	return stats__binom_upper_eff((double)x, (double)n, alpha);
}

double stats__binom_upper_eff(double x, double n, double alpha)
{
	if (x >= n)
		return 1;
	return stats__beta_quantile(x + 1, n - x, 1 - alpha);
}

/* ---- overdispersion ----------------------------------------------------------------------- */

void dispersion__add(struct dispersion *d, uint64_t bad, uint64_t n)
{
	if (!n)
		return;
	if (bad > n)
		bad = n;
	d->cells++;
	d->bad += bad;
	d->n += n;
	d->sq += (double)bad * (double)bad / (double)n;
}

/*
 * X^2 = sum_i (b_i - n_i p)^2 / (n_i p (1 - p)) with p = B / N expands to
 * (sum_i b_i^2 / n_i - B^2 / N) / (p (1 - p)), so the cells need not be kept. Its mean is
 * cells - 1 when every cell's count is binomial with the same rate; clustered events (calls
 * slowed together by one preemption, one process scheduled worse than another for a while)
 * make it larger [stats §1].
 */
static double dispersion_x2(const struct dispersion *d)
{
	double p;

	if (d->cells < 2 || !d->bad || d->bad >= d->n)
		return NAN;
	p = (double)d->bad / (double)d->n;
	return (d->sq - (double)d->bad * p) / (p * (1 - p));
}

double dispersion__phi(const struct dispersion *d)
{
	double x2 = dispersion_x2(d);

	return isnan(x2) ? 1 : fmax(1, x2 / (d->cells - 1));
}

/*
 * The chi^2 quantile by Wilson and Hilferty's cube-root normal approximation (Biometrika
 * 1931): within a few percent from 2 degrees of freedom on, all this bound needs.
 */
double dispersion__phi_upper(const struct dispersion *d, double conf)
{
	double x2 = dispersion_x2(d), nu = (double)d->cells - 1, c, q;

	if (isnan(x2) || !(conf > 0 && conf < 1))
		return 1;
	c = 1 - 2 / (9 * nu) + stats__norm_quantile(1 - conf) * sqrt(2 / (9 * nu));
	q = c > 0 ? nu * c * c * c : 0;
	return q > 0 ? fmax(1, x2 / q) : INFINITY;
}

/* ---- rates ---------------------------------------------------------------------------------- */

/*
 * [stats §5] Conditional exact test: given x = xc + xb bad events (Poisson rates), the canary's
 * share is Binomial(x, pi) with pi = nc R / (nc R + nb), so H0: R <= r0 has
 * p = P(X >= xc | pi0) = I_pi0(xc, x - xc + 1) (R's poisson.test). The Clopper-Pearson interval
 * for pi maps to R = pi / (1 - pi) * nb / nc. The pooled two-proportion z is reported beside it
 * for readers who know that one.
 */
int stats__rate_ratio(uint64_t xc, uint64_t nc, uint64_t xb, uint64_t nb, double r0, double conf,
		      struct stats_rate *out)
{
	uint64_t x = xc + xb;
	double a2 = (1 - conf) / 2, scale, pi0, ph, se, pl, pu;

	if (!out || !nc || !nb || xc > nc || xb > nb || !(r0 > 0) || !(conf > 0 && conf < 1))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->conf = conf;
	scale = (double)nb / (double)nc;
	if (!x) {
		out->ratio = NAN;
		out->lo = 0;
		out->hi = INFINITY;
		out->p = 1;
		out->z = 0;
		out->p_z = 0.5;
		return 0;
	}
	out->ratio = xb ? ((double)xc / nc) / ((double)xb / nb) : INFINITY;
	pl = xc ? stats__beta_quantile((double)xc, (double)(x - xc + 1), a2) : 0;
	pu = xc < x ? stats__beta_quantile((double)xc + 1, (double)(x - xc), 1 - a2) : 1;
	out->lo = pl / (1 - pl) * scale;
	out->hi = pu < 1 ? pu / (1 - pu) * scale : INFINITY;
	pi0 = (double)nc * r0 / ((double)nc * r0 + (double)nb);
	out->p = stats__binom_sf(xc, x, pi0);

	ph = (double)x / ((double)nc + (double)nb);
	se = sqrt(ph * (1 - ph) * (1.0 / nc + 1.0 / nb));
	out->z = se > 0 ? ((double)xc / nc - (double)xb / nb) / se : 0;
	out->p_z = stats__norm_sf(out->z);
	return 0;
}

/* ---- the always-valid sequential test ------------------------------------------------------ */

/*
 * Why this test may be looked at after every window and still reject a true H0 with
 * probability at most alpha.
 *
 * Both designs multiply, per alternative k, likelihood-ratio factors f_{k,w} >= 0 over the
 * windows w, and mix the products with fixed weights 1/K:
 *   E_t = sum_k (1/K) prod_{w <= t} f_{k,w}.
 * If every factor has E[f_{k,w} | everything before window w] <= 1 under H0, each product is a
 * nonnegative supermartingale starting at 1, so is their mixture, and Ville's inequality gives
 * P(sup_t E_t >= 1 / alpha) <= alpha: peeking costs nothing [stats §6; Ville 1939; Ramdas et
 * al., "Game-theoretic statistics and safe anytime-valid inference", Stat. Sci. 2023].
 * The alternatives are rate ratios r0 e^d_k, e^d_k in {1.1, 1.25, 1.5, 2, 4} [stats §6].
 *
 * SEQTEST_CONCURRENT (Lindon & Malek, "Anytime-valid inference for multinomial count data",
 * NeurIPS 2022, the conditioning of [stats §6]): in window w the arms see nc and nb calls and
 * x = xc + xb bad events. With Poisson rates, given x the canary's share is Binomial(x, pi),
 * pi = nc R / (nc R + nb): the common load lambda(t), however it moves, cancels. The factor
 * is the exponential tilt of that binomial from pi0 (R = r0) to pi_k (R = r0 e^d_k):
 *   ln f_{k,w} = xc d_k - x ln((nb + nc r0 e^d_k) / (nb + nc r0)),
 * whose mean is exactly 1 under R = r0 and below 1 for R < r0 (the binomial MGF increases with
 * pi). With per-call Bernoulli outcomes and fixed nc, nb instead, xc given x is hypergeometric
 * when r0 = 1, which is smaller than the binomial in convex order (Hoeffding 1963, Thm. 4);
 * f is convex in xc, so its mean stays <= 1 [stats §6]. (For r0 != 1 the Bernoulli case is the
 * Poisson approximation; the unit test checks its false-alarm rate at r0 = 1.5 too.)
 *
 * SEQTEST_BASELINE: the reference is one count (xB of nB calls) taken before activation and
 * reused in every window. Feeding it to the conditional factor each window is NOT valid: all
 * factors then share the baseline's sampling error. A baseline that came out low by chance
 * makes every window look like a regression, E[f | past] > 1 in each, and the product grows
 * geometrically; the unit test measures this naive scheme's false-alarm rate above alpha.
 * Instead, split alpha = alpha1 + alpha2 (half each):
 *   1. p+ = Clopper-Pearson upper bound for the baseline rate at 1 - alpha1: P(pB > p+) <= alpha1.
 *   2. Given the baseline, test the canary windows alone against the fixed null rate
 *      p0 = r0 p+ with a one-sample e-process, rejecting at 1 / alpha2. Per window (n calls,
 *      x bad) the factor is the binomial tilt from p0 to the odds-ratio alternative
 *      p_k = p0 e^d_k / (1 - p0 + p0 e^d_k):
 *        ln f_{k,w} = x d_k - n ln(1 - p0 + p0 e^d_k),
 *      mean (1 - p + p e^d_k)^n / (1 - p0 + p0 e^d_k)^n <= 1 whenever the canary rate p <= p0.
 * Under H0 (pC <= r0 pB): on the event pB <= p+ we have pC <= p0, so step 2 rejects with
 * probability <= alpha2 given the baseline (the canary windows are independent of it, and p0
 * is fixed before they start). Hence P(reject) <= P(pB > p+) + alpha2 <= alpha1 + alpha2 =
 * alpha. The price is the bound's margin, about z_{alpha1} / sqrt(xB) of the rate, and the
 * bar 2 / alpha instead of 1 / alpha. A threshold that defines a bad event must not be chosen
 * from the same baseline counts that give xB.
 *
 * Overdispersion. Both factors take bad events to be independent call by call. They are not:
 * one preemption slows every call it catches, and one process may be scheduled worse than the
 * others for seconds. Counts then vary phi times more than binomially: for ulp_target on 2
 * CPUs, phi was 10 over 250 ms cells and 120 over 1 s cells, one process and window per cell.
 * Under H0 the factors' mean then exceeds 1, and a good fix was rolled back with E = 4e24 at
 * a canary share 1.6 times the control's (a CI run of tests/host/ulp.sh). Tempering helps: a count near normal
 * with mean m and variance phi v, where the binomial's is v, gives
 *   E[f^(1/phi)] = exp((d m + d^2 v / 2 - C(d)) / phi),
 * C(d) being the binomial cumulant generating function of the factor. C(d) = d m + d^2 v / 2
 * to second order, so E[f^(1/phi)] <= 1 to that order: the quasi-likelihood of McCullagh and
 * Nelder (Generalized Linear Models, 2nd ed., ch. 9) in e-process form. phi comes from the
 * reference alone and only from data before the window, so the product stays a test
 * supermartingale to that order; the baseline bound p+ is taken on the effective counts
 * xB / phi of nB / phi. phi is estimated, so the judge tempers by an upper bound on it
 * (SEQTEST_PHI_CONF). tests/unit/test_stats.c measures this on cells whose rates wander as the
 * host's did: untempered, 75% of A/A runs alarm; tempered, 1.8% at alpha 5%. The price is
 * power, a window being worth n / phi calls: a canary with 9 times the control's share of
 * slow calls is caught by the second window in 397 of 400 runs, 348 of them in the first.
 */
static const double seqtest_ratio[SEQTEST_NALT] = { 1.1, 1.25, 1.5, 2.0, 4.0 };

int seqtest__init(struct seqtest *t, double alpha, enum seqtest_design design, double r0)
{
	if (!t || !(alpha > 0 && alpha < 1) || !(r0 > 0) || !isfinite(r0) ||
	    (design != SEQTEST_CONCURRENT && design != SEQTEST_BASELINE))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->design = design;
	t->alpha = alpha;
	t->r0 = r0;
	t->phi = 1;
	/* e-process half of the budget in the baseline design, all of it otherwise */
	t->log_bar = design == SEQTEST_BASELINE ? log(2 / alpha) : log(1 / alpha);
	return 0;
}

/* ln sum_k exp(logl_k) / K, shifted by the largest term so nothing overflows */
int seqtest__set_phi(struct seqtest *t, double phi)
{
	if (!t || !(phi >= 1) || !isfinite(phi))
		return -EINVAL;
	if (t->design == SEQTEST_CONCURRENT || !t->have_ref)
		t->phi = phi;
	return 0;
}

static double seqtest_mix(const struct seqtest *t)
{
	double m = t->logl[0], s = 0;
	int k;

	for (k = 1; k < SEQTEST_NALT; k++)
		if (t->logl[k] > m)
			m = t->logl[k];
	for (k = 0; k < SEQTEST_NALT; k++)
		s += exp(t->logl[k] - m);
	return m + log(s / SEQTEST_NALT);
}

static int seqtest_freeze(struct seqtest *t, uint64_t ref_bad, uint64_t ref_n)
{
	double pu;

	if (!ref_n)
		return -EINVAL;
	t->have_ref = true;
	t->base_bad = ref_bad;
	t->base_n = ref_n;
	pu = stats__binom_upper_eff(ref_bad / t->phi, ref_n / t->phi, t->alpha / 2);
	t->p0 = t->r0 * pu;
	/* a null rate of 1 or more admits any canary: such a test can never reject */
	t->disabled = !(t->p0 < 1);
	return 0;
}

int seqtest__update(struct seqtest *t, uint64_t canary_bad, uint64_t canary_n, uint64_t ref_bad,
		    uint64_t ref_n)
{
	int k, err;

	if (!t || canary_bad > canary_n || ref_bad > ref_n)
		return -EINVAL;
	if (t->design == SEQTEST_BASELINE) {
		if (!t->have_ref) {
			err = seqtest_freeze(t, ref_bad, ref_n);
			if (err)
				return err;
		} else if (ref_bad != t->base_bad || ref_n != t->base_n) {
			return -EINVAL;
		}
	}
	t->windows++;
	t->canary_bad += canary_bad;
	t->canary_n += canary_n;
	if (t->design == SEQTEST_CONCURRENT) {
		t->ref_bad += ref_bad;
		t->ref_n += ref_n;
	} else {
		t->ref_bad = ref_bad;
		t->ref_n = ref_n;
	}

	if (t->design == SEQTEST_CONCURRENT) {
		double nc = (double)canary_n, nb = (double)ref_n;
		double x = (double)canary_bad + (double)ref_bad;

		/* a window where an arm saw no call, or nothing went wrong, tells nothing */
		if (!canary_n || !ref_n || x == 0)
			goto done;
		for (k = 0; k < SEQTEST_NALT; k++) {
			double d = log(seqtest_ratio[k]);
			double base = nb + nc * t->r0;

			t->logl[k] += ((double)canary_bad * d -
				       x * log((nb + nc * t->r0 * seqtest_ratio[k]) / base)) /
				      t->phi;
		}
	} else {
		if (t->disabled || !canary_n)
			goto done;
		for (k = 0; k < SEQTEST_NALT; k++) {
			double d = log(seqtest_ratio[k]);

			t->logl[k] += ((double)canary_bad * d -
				       (double)canary_n * log1p(t->p0 * (seqtest_ratio[k] - 1))) /
				      t->phi;
		}
	}
	t->log_e = seqtest_mix(t);
	if (t->log_e > t->log_e_max)
		t->log_e_max = t->log_e;
done:
	if (!t->reject_window && t->log_e_max >= t->log_bar)
		t->reject_window = t->windows;
	return 0;
}

bool seqtest__rejected(const struct seqtest *t)
{
	return t->reject_window != 0;
}

double seqtest__evalue(const struct seqtest *t)
{
	return exp(t->log_e);
}

double seqtest__evalue_max(const struct seqtest *t)
{
	return exp(t->log_e_max);
}

double seqtest__bar(const struct seqtest *t)
{
	return exp(t->log_bar);
}

/* ---- the per-window e-process ---------------------------------------------------------------- */

static const double eproc_lambda[EPROC_NLAMBDA] = { 0.5, 1, 2, 4 };

int eproc__init(struct eproc *e, enum eproc_kind kind, double alpha, unsigned int horizon)
{
	double bar;
	int k;

	if (!e || !(alpha > 0 && alpha < 1) || (kind != EPROC_TEST && kind != EPROC_ONSET))
		return -EINVAL;
	if (kind == EPROC_ONSET && !horizon)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->alpha = alpha;
	bar = kind == EPROC_TEST ? 1 / alpha : (double)horizon * EPROC_NLAMBDA / alpha;
	e->log_bar = log(bar);
	for (k = 0; k < EPROC_NLAMBDA; k++) {
		double l = eproc_lambda[k];

		e->lambda[k] = l;
		/* lambda cap - lambda^2 / 2 = ln(bar) / 2: one window gives at most sqrt(bar) */
		e->cap[k] = (e->log_bar / 2 + l * l / 2) / l;
	}
	return 0;
}

int eproc__update(struct eproc *e, double z)
{
	double m = -INFINITY, s = 0;
	int k;

	if (!e || isnan(z) || z == -INFINITY)
		return -EINVAL;
	for (k = 0; k < EPROC_NLAMBDA; k++) {
		double l = e->lambda[k], f = l * fmin(z, e->cap[k]) - l * l / 2;

		if (e->kind == EPROC_ONSET)
			e->logw[k] = fmax(0, e->logw[k]) + f;
		else
			e->logw[k] += f;
		m = fmax(m, e->logw[k]);
	}
	if (e->kind == EPROC_ONSET) {
		e->log_e = m;
	} else {
		for (k = 0; k < EPROC_NLAMBDA; k++)
			s += exp(e->logw[k] - m);
		e->log_e = m + log(s / EPROC_NLAMBDA);
	}
	e->windows++;
	e->log_e_max = e->windows == 1 ? e->log_e : fmax(e->log_e_max, e->log_e);
	if (!e->reject_window && e->log_e >= e->log_bar)
		e->reject_window = e->windows;
	return 0;
}

bool eproc__rejected(const struct eproc *e)
{
	return e->reject_window > 0;
}

double eproc__evalue(const struct eproc *e)
{
	return e->windows ? exp(e->log_e) : 1;
}

double eproc__evalue_max(const struct eproc *e)
{
	return e->windows ? exp(fmax(0, e->log_e_max)) : 1;
}

double eproc__bar(const struct eproc *e)
{
	return exp(e->log_bar);
}

double stats__rank_score(double x, const double *ref, size_t n)
{
	double below = 0;
	size_t i;

	if (!n)
		return NAN;
	for (i = 0; i < n; i++)
		below += ref[i] < x ? 1 : ref[i] == x ? 0.5 : 0;
	return stats__norm_quantile((below + 0.5) / ((double)n + 1));
}

void stats__mean_sd(const double *v, size_t n, double *mean, double *sd)
{
	double m = 0, ss = 0;
	size_t i;

	for (i = 0; i < n; i++)
		m += v[i];
	m = n ? m / (double)n : NAN;
	for (i = 0; i < n; i++)
		ss += (v[i] - m) * (v[i] - m);
	*mean = m;
	*sd = n >= 2 ? sqrt(ss / (double)(n - 1)) : NAN;
}

double stats__sd_upper(double sd, size_t n, double conf)
{
	double nu = (double)n - 1, c, q;

	if (n < 2 || !(conf > 0 && conf < 1))
		return INFINITY;
	c = 1 - 2 / (9 * nu) + stats__norm_quantile(1 - conf) * sqrt(2 / (9 * nu));
	q = c > 0 ? nu * c * c * c : 0;
	return q > 0 ? sd * sqrt(nu / q) : INFINITY;
}

/* ---- small samples and counts ------------------------------------------------------------- */

double stats__exceed_max_p(uint64_t k, uint64_t m, uint64_t n)
{
	double lp;

	if (k > m)
		return NAN;
	if (!k)
		return 1;
	/* C(m, k) / C(n + m, k) = m! (n + m - k)! / ((m - k)! (n + m)!) */
	lp = lgamma((double)m + 1) + lgamma((double)(n + m - k) + 1) - lgamma((double)(m - k) + 1) -
	     lgamma((double)(n + m) + 1);
	return exp(lp);
}

int stats__count_ratio_p(uint64_t xc, double ec, uint64_t xr, double er, double r0, double *p)
{
	if (!p || !(ec > 0) || !(er > 0) || !(r0 > 0) || !isfinite(ec) || !isfinite(er))
		return -EINVAL;
	*p = stats__binom_sf(xc, xc + xr, r0 * ec / (r0 * ec + er));
	return 0;
}

double stats__look_alpha(double alpha, unsigned int look)
{
	return look ? alpha * 6 / (M_PI * M_PI * (double)look * (double)look) : 0;
}
