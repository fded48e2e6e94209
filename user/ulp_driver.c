// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ulp_driver.h"

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int ulp__find_exe(const char *exe, pid_t **pids, size_t *n)
{
	pid_t *v = NULL, self = getpid();
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	struct stat want;
	DIR *dir;

	*pids = NULL;
	*n = 0;
	if (stat(exe, &want))
		return -errno;
	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char path[64];
		struct stat st;
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		/* the same file, whatever name it was started by */
		if (pid == self || stat(path, &st) || st.st_dev != want.st_dev ||
		    st.st_ino != want.st_ino)
			continue;
		if (cnt == cap) {
			pid_t *nv = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!nv) {
				free(v);
				closedir(dir);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = pid;
	}
	closedir(dir);
	qsort(v, cnt, sizeof(*v), pid_cmp);
	*pids = v;
	*n = cnt;
	return 0;
}

static int find_procs(const struct hc_policy *pol, pid_t **pids, size_t *n, char *err,
		      size_t len)
{
	int ret;

	if (pol->processes.exe) {
		ret = ulp__find_exe(pol->processes.exe, pids, n);
		if (ret) {
			snprintf(err, len, "cannot look for processes of '%s': %s", pol->processes.exe,
				 strerror(-ret));
			return ret;
		}
		if (!*n) {
			snprintf(err, len, "no process runs '%s' (processes.exe in '%s'); start the "
				 "service first", pol->processes.exe, pol->source);
			return -ESRCH;
		}
		return 0;
	}
	*pids = malloc(pol->processes.nr_pids * sizeof(**pids));
	if (!*pids)
		return -ENOMEM;
	memcpy(*pids, pol->processes.pids, pol->processes.nr_pids * sizeof(**pids));
	*n = pol->processes.nr_pids;
	qsort(*pids, *n, sizeof(**pids), pid_cmp);
	return 0;
}

int ulp_driver__open(struct ulp_driver *d, const struct hc_policy *pol, struct steps *steps,
		     char *err, size_t len)
{
	const size_t nf = pol->patch.ulp.nr_functions;
	pid_t *pids = NULL;
	size_t i, n = 0;
	int ret;

	memset(d, 0, sizeof(*d));
	d->pol = pol;
	d->steps = steps;
	d->funcs = calloc(nf, sizeof(*d->funcs));
	d->names = calloc(nf, sizeof(*d->names));
	if (!d->funcs || !d->names)
		return -ENOMEM;
	for (i = 0; i < nf; i++) {
		d->funcs[i].old_sym = pol->patch.ulp.functions[i].old_sym;
		d->funcs[i].new_sym = pol->patch.ulp.functions[i].new_sym;
		d->names[i] = d->funcs[i].old_sym;
	}
	d->spec = (struct ulp_spec){
		.library = pol->patch.ulp.library,
		.target = pol->patch.ulp.target,
		.build_id = pol->patch.ulp.build_id,
		.build_id_len = pol->patch.ulp.build_id_len,
		.funcs = d->funcs,
		.nr_funcs = nf,
		.strict = pol->patch.ulp.consistency == HC_CONSISTENCY_STRICT,
		.deadline_ns = pol->patch.ulp.deadline_ns,
	};
	ret = ulp_image__open(&d->img, &d->spec, err, len);
	if (ret)
		return ret;
	ret = find_procs(pol, &pids, &n, err, len);
	if (ret)
		return ret;
	d->procs = calloc(n, sizeof(*d->procs));
	d->start_times = calloc(n, sizeof(*d->start_times));
	if (!d->procs || !d->start_times) {
		free(pids);
		return -ENOMEM;
	}
	d->pids = pids;
	d->nr = n;
	for (i = 0; i < n; i++) {
		ret = ulp_proc__preflight(d->img, pids[i], 0, &d->procs[i], err, len);
		if (ret)
			return ret;
		d->start_times[i] = d->procs[i]->start_time;
	}
	return 0;
}

void ulp_driver__free(struct ulp_driver *d)
{
	size_t i;

	for (i = 0; d->procs && i < d->nr; i++)
		ulp_proc__free(d->procs[i]);
	ulp_image__free(d->img);
	free(d->procs);
	free(d->pids);
	free(d->start_times);
	free(d->funcs);
	free(d->names);
	memset(d, 0, sizeof(*d));
}

int ulp_driver__patch_one(void *ctx, size_t i, char *err, size_t len)
{
	struct ulp_driver *d = ctx;
	struct ulp_proc *p = d->procs[i];
	int ret;

	/* the library stays loaded once it is in, as after a revert: inactive, harmless */
	if (!p->injected) {
		ret = ulp_proc__inject(d->img, p, err, len);
		if (ret)
			return ret;
	}
	return steps__ulp_patch(d->steps, d->img, p, d->names, d->spec.library, err, len);
}

int ulp_driver__revert_one(void *ctx, size_t i, char *err, size_t len)
{
	struct ulp_driver *d = ctx;

	return steps__ulp_revert(d->steps, d->img, d->procs[i], d->names, d->spec.library, err,
				 len);
}

int ulp_driver__newcomers(const struct ulp_driver *d, pid_t **pids, size_t *n)
{
	size_t i, k = 0, cnt;
	pid_t *now;
	int ret;

	*pids = NULL;
	*n = 0;
	if (!d->pol->processes.exe)
		return 0;
	ret = ulp__find_exe(d->pol->processes.exe, &now, &cnt);
	if (ret)
		return ret;
	for (i = 0; i < cnt; i++)
		if (!bsearch(&now[i], d->pids, d->nr, sizeof(*d->pids), pid_cmp))
			now[k++] = now[i];
	*pids = now;
	*n = k;
	return 0;
}
