// SPDX-License-Identifier: GPL-2.0
/*
 * The rank tests of the canary judge (stats.h): Mann-Whitney U, on samples and on
 * histograms, normal and exact, and the Hodges-Lehmann shift with its distribution-free
 * interval. Split from stats.c, whose conventions hold: every formula cites the section of
 * tools/docs/design/statistics.md that it rests on ([stats §N]).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "stats.h"

/* ---- Mann-Whitney U ----------------------------------------------------------------------- */

/*
 * The normal approximation with tie and continuity corrections, exactly as R's wilcox.test
 * (exact = FALSE, correct = TRUE) and Kayenta's port of it [stats §4, §3]:
 *   sigma^2 = nx ny / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1))),  N = nx + ny
 *   z = (U - nx ny / 2 - c) / sigma, c = 0.5 (greater), -0.5 (less), sign(U - nx ny / 2) / 2
 *   (two-sided, then p = 2 min(Phi(z), 1 - Phi(z))).
 */
static void mw_normal(struct stats_mw *r, long double tie_sum)
{
	double nx = (double)r->nx, ny = (double)r->ny, n = nx + ny, mn = nx * ny;
	double d = r->u - mn / 2, var, zt;

	var = mn / 12 * ((n + 1) - (double)(tie_sum / ((long double)n * (n - 1))));
	r->sigma = var > 0 ? sqrt(var) : 0;
	r->exact = false;
	if (r->sigma == 0) {
		/* every value tied: no evidence either way */
		r->z = 0;
		r->p_greater = r->p_less = r->p_two = 1;
		return;
	}
	r->z = d / r->sigma;
	r->p_greater = stats__norm_sf((d - 0.5) / r->sigma);
	r->p_less = stats__norm_cdf((d + 0.5) / r->sigma);
	zt = (d - (d > 0 ? 0.5 : d < 0 ? -0.5 : 0)) / r->sigma;
	r->p_two = fmin(1, 2 * fmin(stats__norm_cdf(zt), stats__norm_sf(zt)));
}

/*
 * The exact null distribution of U for samples of m and n without ties: every choice of the m
 * ranks of x among N = m + n is equally likely. Choosing ranks r_1 < .. < r_m gives
 * U = sum(r_i - i), so a knapsack over the ranks counts the choices per U, with additions only
 * (no cancellation; the counts reach C(98, 49) ~ 2.5e28, fine in double). @pmf has m n + 1
 * entries. 0 or -ENOMEM.
 */
static int mw_exact_pmf(size_t m, size_t n, double *pmf)
{
	size_t umax = m * n, N = m + n, r, k, u, w = umax + 1;
	double *dp, total = 0;

	if (m > n) {
		/* U of x and of y have the same distribution: knapsack over the smaller set */
		size_t t = m;

		m = n;
		n = t;
	}
	dp = calloc((m + 1) * w, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp[0] = 1;
	for (r = 1; r <= N; r++) {
		for (k = m < r ? m : r; k >= 1; k--) {
			size_t step = r - k; /* rank r as the k-th chosen adds r - k to U */

			if (step > n)
				continue;
			for (u = umax; u + 1 > step; u--) {
				dp[k * w + u] += dp[(k - 1) * w + u - step];
				if (u == 0)
					break;
			}
		}
	}
	for (u = 0; u < w; u++)
		total += dp[m * w + u];
	for (u = 0; u < w; u++)
		pmf[u] = dp[m * w + u] / total;
	free(dp);
	return 0;
}

/* R's exact p-values: P(U >= u), P(U <= u), and twice the smaller tail on u's side */
static int mw_exact(struct stats_mw *r)
{
	size_t m = r->nx, n = r->ny, u = (size_t)llround(r->u), i;
	double *pmf, le = 0, ge = 0;
	int err;

	pmf = malloc((m * n + 1) * sizeof(*pmf));
	if (!pmf)
		return -ENOMEM;
	err = mw_exact_pmf(m, n, pmf);
	if (err) {
		free(pmf);
		return err;
	}
	for (i = 0; i <= m * n; i++) {
		if (i <= u)
			le += pmf[i];
		if (i >= u)
			ge += pmf[i];
	}
	free(pmf);
	r->exact = true;
	r->sigma = sqrt((double)m * n * (m + n + 1) / 12);
	r->z = (r->u - (double)m * n / 2) / r->sigma;
	r->p_greater = fmin(1, ge);
	r->p_less = fmin(1, le);
	r->p_two = fmin(1, 2 * (r->u > (double)m * n / 2 ? ge : le));
	return 0;
}

struct mw_item {
	double v;
	int from_x;
};

/* a NaN or an infinity has no rank */
static bool all_finite(const double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

static int cmp_item(const void *a, const void *b)
{
	const struct mw_item *x = a, *y = b;

	return (x->v > y->v) - (x->v < y->v);
}

int stats__mann_whitney(const double *x, size_t nx, const double *y, size_t ny, unsigned int flags,
			struct stats_mw *out)
{
	size_t n = nx + ny, i, j;
	struct mw_item *it;
	long double w = 0, tie_sum = 0;
	bool ties = false;

	if (!nx || !ny || !x || !y || !out || !all_finite(x, nx) || !all_finite(y, ny))
		return -EINVAL;
	it = malloc(n * sizeof(*it));
	if (!it)
		return -ENOMEM;
	for (i = 0; i < nx; i++)
		it[i] = (struct mw_item){ x[i], 1 };
	for (i = 0; i < ny; i++)
		it[nx + i] = (struct mw_item){ y[i], 0 };
	qsort(it, n, sizeof(*it), cmp_item);
	/* midranks: a tie group at 1-based positions i+1 .. j shares rank (i + 1 + j) / 2 */
	for (i = 0; i < n; i = j) {
		long double rank, t;
		size_t in_x = 0, k;

		for (j = i; j < n && it[j].v == it[i].v; j++)
			;
		for (k = i; k < j; k++)
			in_x += it[k].from_x;
		rank = (long double)(i + 1 + j) / 2;
		t = j - i;
		w += rank * in_x;
		tie_sum += t * t * t - t;
		if (j - i > 1)
			ties = true;
	}
	free(it);

	memset(out, 0, sizeof(*out));
	out->nx = nx;
	out->ny = ny;
	/* U = W - nx (nx + 1) / 2 [stats §3] */
	out->u = (double)(w - (long double)nx * (nx + 1) / 2);
	out->auc = out->u / ((double)nx * ny);
	out->ties = ties;
	if (!ties && !(flags & STATS_MW_NORMAL) && nx < STATS_MW_EXACT_MAX &&
	    ny < STATS_MW_EXACT_MAX)
		return mw_exact(out);
	mw_normal(out, tie_sum);
	return 0;
}

/*
 * [stats §3]: U_C = sum_i c_i (B_{<i} + b_i / 2), the pairs where the canary is in a higher bucket
 * plus half of those in the same one. It equals the midrank form W - n(n+1)/2 with every bucket
 * a tie group, so the tie-corrected variance applies with t_i = c_i + b_i. long double: t^3
 * passes 2^64 at t ~ 2.6e6 calls in one bucket.
 */
int stats__mann_whitney_hist(const uint64_t *x, const uint64_t *y, size_t nbuckets,
			     struct stats_mw *out)
{
	long double u = 0, below = 0, tie_sum = 0;
	uint64_t nx = 0, ny = 0;
	bool ties = false;
	size_t i;

	if (!x || !y || !out)
		return -EINVAL;
	for (i = 0; i < nbuckets; i++) {
		long double t = (long double)x[i] + y[i];

		u += (long double)x[i] * (below + (long double)y[i] / 2);
		below += y[i];
		tie_sum += t * t * t - t;
		if (x[i] + y[i] > 1)
			ties = true;
		nx += x[i];
		ny += y[i];
	}
	if (!nx || !ny)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->nx = nx;
	out->ny = ny;
	out->u = (double)u;
	out->auc = (double)(u / ((long double)nx * ny));
	out->ties = ties;
	mw_normal(out, tie_sum);
	return 0;
}

int stats__mann_whitney_hist_exact(const uint64_t *x, const uint64_t *y, size_t nbuckets,
				   struct stats_mw *out, double *min_p)
{
	long double u = 0, below = 0;
	uint64_t nx = 0, ny = 0;
	double *pmf, ge = 0;
	size_t i, umax;
	int err;

	if (!x || !y || !out)
		return -EINVAL;
	for (i = 0; i < nbuckets; i++) {
		/* a tie counts for the reference: U can only be larger with the ties broken */
		u += (long double)x[i] * below;
		below += y[i];
		nx += x[i];
		ny += y[i];
	}
	if (!nx || !ny)
		return -EINVAL;
	if (nx >= STATS_MW_EXACT_MAX || ny >= STATS_MW_EXACT_MAX)
		return -E2BIG;
	umax = (size_t)(nx * ny);
	pmf = malloc((umax + 1) * sizeof(*pmf));
	if (!pmf)
		return -ENOMEM;
	err = mw_exact_pmf((size_t)nx, (size_t)ny, pmf);
	if (err) {
		free(pmf);
		return err;
	}
	for (i = umax + 1; i-- > 0 && (long double)i >= u;)
		ge += pmf[i];
	memset(out, 0, sizeof(*out));
	out->nx = nx;
	out->ny = ny;
	out->u = (double)u;
	out->auc = (double)(u / ((long double)nx * ny));
	out->exact = true;
	out->p_greater = fmin(1, ge);
	if (min_p)
		*min_p = pmf[umax];
	free(pmf);
	return 0;
}

/* ---- Hodges-Lehmann ------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * #{(i, j): xs[i] - ys[j] <= t} over sorted samples, and the largest such difference, in
 * O(nx + ny): for each i the qualifying j form a suffix (the computed difference falls as ys[j]
 * grows, rounding is monotone) whose start does not move left as xs[i] grows. The differences
 * are always computed the same way, so the count and the values agree exactly.
 */
static uint64_t diffs_le(const double *xs, size_t nx, const double *ys, size_t ny, double t,
			 double *max_le)
{
	uint64_t count = 0;
	double best = -INFINITY;
	size_t i, j = 0;

	for (i = 0; i < nx; i++) {
		while (j < ny && xs[i] - ys[j] > t)
			j++;
		if (j == ny)
			break;
		count += ny - j;
		if (xs[i] - ys[j] > best)
			best = xs[i] - ys[j];
	}
	if (max_le)
		*max_le = best;
	return count;
}

/*
 * The k-th smallest (1-based) of the nx ny differences without storing them: bisect on the
 * value, keeping #(<= lo) < k <= #(<= hi) and snapping hi to an actual difference, until no
 * difference lies below hi with the count still reaching k.
 */
static double kth_diff(const double *xs, size_t nx, const double *ys, size_t ny, uint64_t k)
{
	double lo = nextafter(xs[0] - ys[ny - 1], -INFINITY), hi = xs[nx - 1] - ys[0];
	int i;

	for (i = 0; i < 4000; i++) {
		double mid, snap;

		if (diffs_le(xs, nx, ys, ny, nextafter(hi, -INFINITY), NULL) < k)
			break;
		mid = lo / 2 + hi / 2;
		if (mid <= lo || mid >= hi)
			break;
		if (diffs_le(xs, nx, ys, ny, mid, &snap) >= k)
			hi = snap;
		else
			lo = mid;
	}
	return hi;
}

/*
 * Hodges & Lehmann (1963): the shift estimate is the median of the differences x_i - y_j. Its
 * distribution-free CI (Moses; Hollander & Wolfe, Nonparametric Statistical Methods, 4.3) is
 * [D_(k), D_(mn + 1 - k)] with k the largest integer such that P(U <= k - 1) <= (1 - conf) / 2:
 * under a pure shift, the number of differences below the true shift has U's null distribution.
 * Exact U distribution below STATS_MW_EXACT_MAX per side, else the normal approximation with
 * continuity correction: k = floor(mn / 2 + 1/2 - z sqrt(mn (N + 1) / 12)).
 */
int stats__hodges_lehmann(const double *x, size_t nx, const double *y, size_t ny, double conf,
			  struct stats_hl *out)
{
	uint64_t mn = (uint64_t)nx * ny, k = 0;
	double *xs, *ys, a2 = (1 - conf) / 2;
	int err = 0;

	if (!nx || !ny || !x || !y || !out || !(conf > 0 && conf < 1) || !all_finite(x, nx) ||
	    !all_finite(y, ny))
		return -EINVAL;
	xs = malloc(nx * sizeof(*xs));
	ys = malloc(ny * sizeof(*ys));
	if (!xs || !ys) {
		err = -ENOMEM;
		goto out_free;
	}
	memcpy(xs, x, nx * sizeof(*xs));
	memcpy(ys, y, ny * sizeof(*ys));
	qsort(xs, nx, sizeof(*xs), cmp_double);
	qsort(ys, ny, sizeof(*ys), cmp_double);

	memset(out, 0, sizeof(*out));
	out->conf = conf;
	if (mn % 2)
		out->shift = kth_diff(xs, nx, ys, ny, mn / 2 + 1);
	else
		out->shift = (kth_diff(xs, nx, ys, ny, mn / 2) +
			      kth_diff(xs, nx, ys, ny, mn / 2 + 1)) /
			     2;

	if (nx < STATS_MW_EXACT_MAX && ny < STATS_MW_EXACT_MAX) {
		double *pmf = malloc((mn + 1) * sizeof(*pmf)), cdf = 0;
		uint64_t u;

		if (!pmf) {
			err = -ENOMEM;
			goto out_free;
		}
		err = mw_exact_pmf(nx, ny, pmf);
		if (err) {
			free(pmf);
			goto out_free;
		}
		/* k - 1 = the largest u with P(U <= u) <= a2; tiny slack for summation rounding */
		for (u = 0; u <= mn; u++) {
			cdf += pmf[u];
			if (cdf > a2 * (1 + 1e-12))
				break;
			k = u + 1;
		}
		free(pmf);
		out->exact = true;
	} else {
		double sd = sqrt((double)mn * (nx + ny + 1) / 12);
		double kk = floor((double)mn / 2 + 0.5 - stats__norm_quantile(1 - a2) * sd);

		k = kk >= 1 ? (uint64_t)kk : 0;
	}
	if (k >= 1 && k <= mn + 1 - k) {
		out->lo = kth_diff(xs, nx, ys, ny, k);
		out->hi = kth_diff(xs, nx, ys, ny, mn + 1 - k);
	} else {
		out->lo = -INFINITY;
		out->hi = INFINITY;
	}
out_free:
	free(xs);
	free(ys);
	return err;
}
