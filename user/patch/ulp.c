// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace hotpatches: a fix library redirected into the running processes of a service,
 * which processes a policy names, their pre-flight, and the journaled patch and restore of
 * one process at a time for the rollout's stages.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "carriers.h"
#include "patch/patch.h"
#include "privs.h"
#include "proc.h"
#include "rollout.h"
#include "ulp.h"
#include "units.h"

struct ulp_driver {
	const struct hc_policy *pol;
	struct steps *steps;
	struct ulp_spec spec;
	struct ulp_spec_func *funcs;
	const char **names; /* the old symbols, for the journal */
	struct ulp_image *img;
	struct ulp_proc **procs; /* in PID order: the order the stages patch them */
	size_t nr;
	pid_t *pids; /* for rollout__set_procs() */
	uint64_t *start_times;
	bool ok;		   /* every process passed its pre-flight */
	struct patch_func *pfuncs; /* what the rollout watches */
	struct ulp_unload *unload; /* per process, once tidy() ran */
	char copy_dir[PATH_MAX];   /* <state dir>/ulp: the library's copies */
	/* the parents patched at commit (a service's master) */
	struct ulp_proc **parents;
	size_t nr_parents;
	/* listed, then exited before or during their pre-flight: left out */
	pid_t *vanished;
	size_t nr_vanished;
	/* after a rollback: the forks of patched processes it took the patch out of */
	struct ulp_fork *forks;
	size_t nr_forks;
};

/* a process that carried the patch without being patched, for the report */
struct ulp_fork {
	pid_t pid;
	char comm[16];
	int ret;
	char note[320];
};

/* what tidy() did with a process's library */
struct ulp_unload {
	bool tried;
	int ret;	    /* of ulp_proc__eject() */
	uint64_t freeze_ns; /* its stop */
	char note[256];	    /* why the library stays */
};

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static bool runs_file(pid_t pid, void *ctx)
{
	const struct stat *want = ctx;
	struct stat st;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	/* the same file, whatever name it was started by */
	return !stat(path, &st) && st.st_dev == want->st_dev && st.st_ino == want->st_ino;
}

/* the PIDs of the processes of @exe (same file), in PID order, without the caller */
static int find_exe(const char *exe, pid_t **pids, size_t *n)
{
	struct stat want;

	*pids = NULL;
	*n = 0;
	if (stat(exe, &want))
		return -errno;
	return proc__find(runs_file, &want, pids, n);
}

static int find_procs(const struct hc_policy *pol, pid_t **pids, size_t *n, char *err, size_t len)
{
	int ret;

	if (pol->processes.exe) {
		ret = find_exe(pol->processes.exe, pids, n);
		if (ret) {
			snprintf(err, len, "cannot look for processes of '%s': %s",
				 pol->processes.exe, strerror(-ret));
			return ret;
		}
		if (!*n) {
			snprintf(err, len,
				 "no process runs '%s' (processes.exe in '%s'); start the "
				 "service first",
				 pol->processes.exe, pol->source);
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

/*
 * A redirected function's first bytes become the redirect's jump, so a uprobe that watch:
 * puts there would sit on bytes the patch rewrites. Its calls are judged anyway, as one of
 * patch.functions, in both arms. -EINVAL, with the watch entry and the remedy.
 */
static int check_watch(const struct hc_policy *pol, char *err, size_t len)
{
	char *target = realpath(pol->patch.ulp.target, NULL), *path;
	size_t i, j;
	bool same;

	for (i = 0; target && i < pol->nr_watch; i++) {
		const struct hc_funcspec *f = &pol->watch[i].func;

		if (f->kind != HC_FUNC_USER)
			continue;
		path = realpath(f->path, NULL);
		same = path && !strcmp(path, target);
		free(path);
		for (j = 0; same && j < pol->patch.ulp.nr_functions; j++) {
			if (strcmp(f->symbol, pol->patch.ulp.functions[j].old_sym))
				continue;
			snprintf(err, len,
				 "watch[%zu] '%s' is patch.functions[%zu].old, which the "
				 "patch redirects: its calls are judged as patch.functions already, in "
				 "both arms; remove it from watch",
				 i, f->text, j);
			free(target);
			return -EINVAL;
		}
	}
	free(target);
	return 0;
}

/*
 * Resolve the policy's target and library, find its processes (processes.exe or .pids) and
 * pre-flight every one of them. Nothing is changed. Any failure is a refusal: @err names the
 * process or file and what to do.
 */
static int driver_open(struct ulp_driver *d, struct patch *pa, char *err, size_t len)
{
	const struct hc_policy *pol = pa->pol;
	const size_t nf = pol->patch.ulp.nr_functions;
	pid_t *pids = NULL;
	size_t i, n = 0;
	int ret;

	d->pol = pol;
	d->steps = &pa->steps;
	if ((size_t)snprintf(d->copy_dir, sizeof(d->copy_dir), "%s/ulp",
			     pa->state_dir ? pa->state_dir : JOURNAL_DEFAULT_DIR) >=
	    sizeof(d->copy_dir)) {
		snprintf(err, len, "the state directory path '%s' is too long", pa->state_dir);
		return -ENAMETOOLONG;
	}
	ret = check_watch(pol, err, len);
	if (ret)
		return ret;
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
		.sha256 = pol->patch.has_sha256 ? pol->patch.sha256 : NULL,
		.copy_dir = d->copy_dir,
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
	d->vanished = calloc(n, sizeof(*d->vanished));
	if (!d->vanished)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint64_t st0;
		bool alive = !proc__start_time(pids[i], &st0);

		ret = ulp_proc__preflight(d->img, pids[i], alive ? st0 : 0, &d->procs[d->nr], err,
					  len);
		/*
		 * One that processes.exe found and has exited since (a connection's process) is
		 * left out, and so is a listed PID that exits during its pre-flight: a refusal
		 * is for a live process that does not fit, or a listed PID that is no process
		 */
		if (ret && ret != -ENOMEM &&
		    (alive ? !proc__running(pids[i], st0) : pol->processes.exe != NULL)) {
			d->vanished[d->nr_vanished++] = pids[i];
			continue;
		}
		if (ret)
			return ret;
		d->pids[d->nr] = pids[i];
		d->start_times[d->nr] = d->procs[d->nr]->start_time;
		d->nr++;
	}
	if (!d->nr) {
		snprintf(err, len,
			 "every process of '%s' exited during its pre-flight; run it again",
			 pol->source);
		return -ESRCH;
	}
	return 0;
}

static void driver_free(struct ulp_driver *d)
{
	size_t i;

	for (i = 0; d->procs && i < d->nr; i++)
		ulp_proc__free(d->procs[i]);
	for (i = 0; i < d->nr_parents; i++)
		ulp_proc__free(d->parents[i]);
	free(d->parents);
	free(d->forks);
	free(d->vanished);
	ulp_image__free(d->img);
	free(d->procs);
	free(d->pids);
	free(d->start_times);
	free(d->funcs);
	free(d->names);
	free(d->unload);
	memset(d, 0, sizeof(*d));
}

/* @p exited or is exiting (or its PID is another process now) */
static bool gone(const struct ulp_proc *p)
{
	return !proc__running(p->pid, p->start_time);
}

/* -ESRCH: the process exited before its turn came, or while it was patched */
static int ulp_patch_one(struct patch *pa, size_t i, char *err, size_t len)
{
	struct ulp_driver *d = pa->priv;
	struct ulp_proc *p = d->procs[i];
	size_t j;
	int ret = 0;

	for (j = 0; j < p->nr_sites; j++)
		p->sites[j].probed = d->pfuncs[j].probe_on_site;
	/* in once for the run (ab patches and reverts again and again); tidy() unloads it */
	if (!p->injected)
		ret = steps__ulp_inject(d->steps, d->img, p, ulp_image__library(d->img), err, len);
	if (!ret)
		ret = steps__ulp_patch(d->steps, d->img, p, d->names, ulp_image__library(d->img),
				       err, len);
	if (ret && gone(p)) {
		snprintf(err, len, "pid %d exited before its turn", p->pid);
		return -ESRCH;
	}
	return ret == -ESRCH ? -EIO : ret;
}

static int ulp_revert_one(struct patch *pa, size_t i, char *err, size_t len)
{
	struct ulp_driver *d = pa->priv;

	return steps__ulp_revert(d->steps, d->img, d->procs[i], d->names,
				 ulp_image__library(d->img), err, len);
}

static bool is_target(const struct ulp_driver *d, pid_t pid)
{
	return bsearch(&pid, d->pids, d->nr, sizeof(*d->pids), pid_cmp) != NULL;
}

/*
 * The parent of a patched process that runs the same target (a service's master) starts
 * the processes that replace its children on a reload or a respawn: patched at commit, it
 * hands them the fix. A parent that does not map the target (a shell, a supervisor) is
 * none of the service's; one that cannot be patched is said, and the commit stands.
 */
static void ulp_commit(struct patch *pa, char *err, size_t len)
{
	struct ulp_driver *d = pa->priv;
	size_t i, j, n = 0;
	char why[512], eerr[256];
	long long pp;
	int ret;

	err[0] = '\0';
	d->parents = calloc(d->nr ? d->nr : 1, sizeof(*d->parents));
	if (!d->parents) {
		snprintf(err, len, "parents not patched: out of memory");
		return;
	}
	for (i = 0; i < d->nr; i++) {
		struct ulp_proc *p;
		bool seen = false;

		if (!d->procs[i]->patched || proc__status(d->procs[i]->pid, "PPid", &pp) ||
		    pp <= 1 || is_target(d, (pid_t)pp))
			continue;
		for (j = 0; j < d->nr_parents; j++)
			seen |= d->parents[j]->pid == (pid_t)pp;
		if (seen)
			continue;
		ret = ulp_proc__preflight(d->img, (pid_t)pp, 0, &p, why, sizeof(why));
		if (ret == -ENOENT)
			continue;
		if (!ret)
			ret = steps__ulp_inject(d->steps, d->img, p, ulp_image__library(d->img),
						why, sizeof(why));
		if (!ret) {
			ret = steps__ulp_patch(d->steps, d->img, p, d->names,
					       ulp_image__library(d->img), why, sizeof(why));
			/* no site leads there: out again, as tidy() does for the others */
			if (ret && !p->patched)
				steps__ulp_eject(d->steps, d->img, p, ulp_image__library(d->img),
						 eerr, sizeof(eerr));
		}
		if (ret) {
			n += (size_t)snprintf(err + n, n < len ? len - n : 0,
					      "%sparent pid %lld not patched, the processes it "
					      "starts run the old code: %s",
					      n ? "; " : "", pp, why);
			ulp_proc__free(p);
			continue;
		}
		d->parents[d->nr_parents++] = p;
		n += (size_t)snprintf(err + n, n < len ? len - n : 0,
				      "%sparent pid %d (%s) patched: the processes it starts carry "
				      "the fix",
				      n ? "; " : "", p->pid, p->comm);
	}
}

/*
 * A rollback's patch out of the processes that carry it without having been patched:
 * forks of the patched ones, found by the library they map.
 */
static void take_back_forks(struct ulp_driver *d)
{
	const char *lib = ulp_image__library(d->img);
	struct ulp_proc **known;
	struct carrier *c = NULL;
	size_t i, nk = 0, nc = 0;
	int ret;

	known = calloc(d->nr ? d->nr : 1, sizeof(*known));
	if (!known)
		return;
	for (i = 0; i < d->nr; i++)
		if (d->procs[i]->injected)
			known[nk++] = d->procs[i];
	ret = nk ? carriers__find(known, nk, lib, &c, &nc) : 0;
	free(known);
	d->forks = calloc(nc ? nc : 1, sizeof(*d->forks));
	if (ret || !d->forks) {
		d->forks = d->forks ?: calloc(1, sizeof(*d->forks));
		if (d->forks) {
			d->nr_forks = 1;
			d->forks[0].ret = ret ?: -ENOMEM;
			snprintf(d->forks[0].note, sizeof(d->forks[0].note),
				 "cannot look for forks of the patched processes: %s; run "
				 "'hotcanary revert %s'",
				 strerror(-d->forks[0].ret), d->pol->name);
		}
		carriers__free(c, nc);
		return;
	}
	for (i = 0; i < nc; i++) {
		struct ulp_fork *f = &d->forks[d->nr_forks++];

		f->pid = c[i].p.pid;
		memcpy(f->comm, c[i].p.comm, sizeof(f->comm));
		f->ret = carrier__take_back(d->steps, &c[i], lib, f->note, sizeof(f->note));
	}
	carriers__free(c, nc);
}

/*
 * After the run, the library out of every process it reverted, one by one: not earlier, so
 * that no revert of a rollback waits for another process's unload.
 */
static void ulp_tidy(struct patch *pa, bool rolled_back)
{
	struct ulp_driver *d = pa->priv;
	size_t i;

	if (rolled_back)
		take_back_forks(d);

	d->unload = calloc(d->nr ? d->nr : 1, sizeof(*d->unload));
	if (!d->unload)
		return;
	for (i = 0; i < d->nr; i++) {
		struct ulp_proc *p = d->procs[i];
		unsigned int patched, orig, attempts;
		uint64_t freeze_ns;

		if (!p->injected)
			continue;
		/* a revert that found the process gone leaves it marked patched */
		if (p->patched) {
			if (ulp_proc__probe(p, &patched, &orig) == -ESRCH)
				d->unload[i] = (struct ulp_unload){
					.tried = true,
					.ret = steps__ulp_eject(d->steps, d->img, p,
								ulp_image__library(d->img),
								d->unload[i].note,
								sizeof(d->unload[i].note)),
				};
			continue;
		}
		/* the report's freeze and stops stay the revert's; the unload has its own */
		freeze_ns = p->freeze_ns;
		attempts = p->attempts;
		d->unload[i].tried = true;
		d->unload[i].ret = steps__ulp_eject(d->steps, d->img, p, ulp_image__library(d->img),
						    d->unload[i].note, sizeof(d->unload[i].note));
		d->unload[i].freeze_ns = d->unload[i].ret ? 0 : p->freeze_ns;
		p->freeze_ns = freeze_ns;
		p->attempts = attempts;
	}
}

/* where a process's library is after the run, for the report */
static const char *library_state(const struct ulp_driver *d, size_t i)
{
	const struct ulp_unload *u = d->unload ? &d->unload[i] : NULL;

	if (u && u->tried)
		return !u->ret		 ? "unloaded" :
		       u->ret == -ESRCH	 ? "gone" :
		       u->ret == -EEXIST ? "mapped" :
					   "loaded";
	return d->procs[i]->injected ? "loaded" : "none";
}

/*
 * Processes that match the policy now but were not there at open: started during the
 * rollout, so unpatched. A new array in *@pids (free it), 0 or -errno.
 */
static int newcomers(const struct ulp_driver *d, pid_t **pids, size_t *n)
{
	size_t i, k = 0, cnt;
	pid_t *now;
	int ret;

	*pids = NULL;
	*n = 0;
	if (!d->pol->processes.exe)
		return 0;
	ret = find_exe(d->pol->processes.exe, &now, &cnt);
	if (ret)
		return ret;
	for (i = 0; i < cnt; i++)
		if (!bsearch(&now[i], d->pids, d->nr, sizeof(*d->pids), pid_cmp))
			now[k++] = now[i];
	*pids = now;
	*n = k;
	return 0;
}

static int ulp_open(struct patch *p)
{
	const struct hc_policy *pol = p->pol;
	struct patch_func *pf;
	size_t i;

	pf = calloc(pol->patch.ulp.nr_functions ? pol->patch.ulp.nr_functions : 1, sizeof(*pf));
	p->priv = calloc(1, sizeof(struct ulp_driver));
	if (!pf || !p->priv) {
		free(pf);
		free(p->priv);
		return -ENOMEM;
	}
	for (i = 0; i < pol->patch.ulp.nr_functions; i++)
		pf[i] = (struct patch_func){
			.target = pol->patch.ulp.target,
			.old_sym = pol->patch.ulp.functions[i].old_sym,
			.library = pol->patch.ulp.library,
			.new_sym = pol->patch.ulp.functions[i].new_sym,
			.errors = pol->patch.ulp.functions[i].errors,
		};
	((struct ulp_driver *)p->priv)->pfuncs = pf;
	return 0;
}

static void ulp_close(struct patch *p)
{
	struct ulp_driver *d = p->priv;

	if (d) {
		free(d->pfuncs);
		driver_free(d);
	}
	free(d);
	p->priv = NULL;
}

/*
 * Where function @i of a patched process is probed, so that both arms' probes cost the same:
 * a uprobe costs by the instruction it is on, 20 times more on one the kernel single-steps
 * than on one it emulates on this project's CI machine (make bench, "probe sites"). Each
 * function is probed past its endbr64 (insn__probe_skip()). On the new function if its
 * probe's instruction costs what the old one's does (insn__same_probe_cost(): the same, or
 * pushes of two registers): then the redirect's jumps are not in the measured time, which a
 * trap's cold caches would inflate. Else on the old function's entry, in both arms, if the
 * jump keeps it (an endbr64, single-stepped: slow, but alike). Else nowhere alike: 'check'
 * and 'run' warn (ulp_check_print()).
 */
static void probe_sites(struct ulp_driver *d, size_t i)
{
	struct patch_func *pf = &d->pfuncs[i];
	const char *a, *b;
	bool same = ulp_image__same_first(d->img, i, &a, &b);

	pf->probe_old = !same && ulp_image__entry_kept(d->img, i);
	pf->probe_on_site = !pf->probe_old && ulp_image__probe_on_site(d->img, i);
	if (same)
		snprintf(pf->probe_note, sizeof(pf->probe_note),
			 "probed on '%s' (%s) in patched processes, at the cost of '%s' (%s)",
			 pf->new_sym, b, pf->old_sym, a);
	else if (pf->probe_old)
		snprintf(pf->probe_note, sizeof(pf->probe_note),
			 "both arms probed on the endbr64 of '%s', which the jump keeps: '%s' (%s) "
			 "and '%s' (%s) differ",
			 pf->old_sym, pf->new_sym, b, pf->old_sym, a);
	else
		snprintf(pf->probe_note, sizeof(pf->probe_note),
			 "the arms' probes are on different instructions, '%s' in '%s' and '%s' "
			 "in '%s', whose costs differ: the latency ratio includes the difference",
			 a, pf->old_sym, b, pf->new_sym);
}

/* the ulp checks are per process: pre-flight every one, change nothing */
static int ulp_check(struct patch *p, char *err, size_t len)
{
	struct ulp_driver *d = p->priv;
	char why[1024];
	size_t i;
	int ret;

	ret = driver_open(d, p, why, sizeof(why));
	if (ret == -ENOMEM) {
		snprintf(err, len, "out of memory");
		return ret;
	}
	if (ret) {
		snprintf(p->refusal, sizeof(p->refusal), "%s", why);
		snprintf(err, len, "%s; nothing was changed", why);
		return -EPERM;
	}
	d->ok = true;
	/* the probes of the new functions go where the processes map them: on the copy */
	for (i = 0; i < p->pol->patch.ulp.nr_functions; i++) {
		d->pfuncs[i].library = (char *)ulp_image__library(d->img);
		probe_sites(d, i);
	}
	return 0;
}

static void ulp_check_print(const struct patch *p, FILE *out)
{
	const struct ulp_driver *d = p->priv;
	size_t i;

	if (d->ok)
		fprintf(out, "ok   library      %s, the copy the processes map\n",
			ulp_image__library(d->img));
	for (i = 0; d->ok && i < p->pol->patch.ulp.nr_functions; i++) {
		const char *a, *b;

		if (!ulp_image__same_first(d->img, i, &a, &b) && !d->pfuncs[i].probe_old)
			fprintf(out,
				"warn probes       %s; build '%s' so that it begins as '%s' does\n",
				d->pfuncs[i].probe_note, d->pfuncs[i].new_sym,
				d->pfuncs[i].old_sym);
	}
	for (i = 0; d->ok && i < d->nr; i++)
		fprintf(out,
			"ok   pid %-8d %-16s pre-flight passed: build-id, %zu site%s, ptrace\n",
			d->procs[i]->pid, d->procs[i]->comm, d->procs[i]->nr_sites,
			d->procs[i]->nr_sites == 1 ? "" : "s");
	for (i = 0; d->ok && i < d->nr_vanished; i++)
		fprintf(out, "gone pid %-8d %-16s exited during its pre-flight: left out\n",
			d->vanished[i], "");
}

/* a process is frozen for a few ms at most; its journal records wait no longer than this */
#define ULP_STEPS_TIMEOUT_MS 30000

static int ulp_begin(struct patch *p, struct journal *j, char *err, size_t len)
{
	steps__init(&p->steps, j, ULP_STEPS_TIMEOUT_MS);
	return 0;
}

static struct json_object *pid_array(const pid_t *pids, size_t n)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_int(pids[i]));
	return a;
}

static void ulp_describe(const struct patch *p, enum patch_view view, struct json_object *o)
{
	const struct ulp_driver *d = p->priv;
	struct json_object *a;
	size_t i;

	switch (view) {
	case PATCH_VIEW_CHECK:
		json_object_object_add(o, "processes", json_object_new_int((int)d->nr));
		json_object_object_add(o, "vanished", pid_array(d->vanished, d->nr_vanished));
		if (d->ok)
			json_object_object_add(o, "library",
					       json_object_new_string(ulp_image__library(d->img)));
		break;
	case PATCH_VIEW_REFUSAL:
		break;
	case PATCH_VIEW_JOURNAL:
		a = json_object_new_array();
		/* revert and recover know the library by the file the processes map */
		json_object_object_add(o, "library",
				       json_object_new_string(ulp_image__library(d->img)));
		json_object_object_add(o, "library_source",
				       json_object_new_string(d->spec.library));
		json_object_object_add(o, "target", json_object_new_string(d->spec.target));
		for (i = 0; i < d->nr; i++) {
			struct json_object *po = json_object_new_object();

			json_object_object_add(po, "pid", json_object_new_int(d->pids[i]));
			json_object_object_add(po, "start_time",
					       json_object_new_uint64(d->start_times[i]));
			json_object_array_add(a, po);
		}
		json_object_object_add(o, "pids", a);
		break;
	}
}

static size_t ulp_funcs(const struct patch *p, const struct patch_func **funcs)
{
	const struct ulp_driver *d = p->priv;

	*funcs = d->pfuncs;
	return p->pol->patch.ulp.nr_functions;
}

static size_t ulp_procs(const struct patch *p, const pid_t **pids, const uint64_t **start_times)
{
	const struct ulp_driver *d = p->priv;

	*pids = d->pids;
	*start_times = d->start_times;
	return d->nr;
}

/* @pid maps the library the processes were given: it was forked from a patched one */
static bool carries_fix(const struct ulp_driver *d, pid_t pid)
{
	struct proc_maps maps;
	struct stat st;
	bool hit;

	if (!d->img || stat(ulp_image__library(d->img), &st) || proc_maps__read(pid, &maps))
		return false;
	hit = proc_maps__find_inode(&maps, st.st_dev, st.st_ino) != NULL;
	proc_maps__free(&maps);
	return hit;
}

/* the rollback took the fix out of @pid, a fork: the report lists it there */
static bool took_back(const struct ulp_driver *d, pid_t pid)
{
	size_t i;

	for (i = 0; i < d->nr_forks; i++)
		if (d->forks[i].pid == pid)
			return true;
	return false;
}

/* per process: what the rollout left it as, how long it was frozen; newcomers last */
static void ulp_report(const struct patch *pa, const struct rollout *r, struct json_object *rj,
		       FILE *out)
{
	const struct ulp_driver *ud = pa->priv;
	struct json_object *arr = json_object_new_array(), *na = json_object_new_array();
	pid_t *late = NULL;
	size_t i, nlate = 0;
	char fz[16];

	if (out)
		fprintf(out, "\n%-8s %-16s %-13s %10s %8s  %s\n", "PID", "COMM", "STATE", "FROZEN",
			"STOPS", "NOTE");
	for (i = 0; i < rollout__proc_cnt(r); i++) {
		const struct rollout_proc *p = rollout__proc(r, i);
		const struct ulp_proc *up = ud->procs[i];
		struct json_object *o = json_object_new_object();
		const char *state = rollout__proc_state_name(p->state);
		const char *lib = library_state(ud, i);
		bool left = ud->unload && ud->unload[i].tried && ud->unload[i].ret &&
			    ud->unload[i].ret != -ESRCH;

		json_object_object_add(o, "pid", json_object_new_int(p->pid));
		json_object_object_add(o, "start_time", json_object_new_uint64(p->start_time));
		json_object_object_add(o, "comm", json_object_new_string(up->comm));
		json_object_object_add(o, "state", json_object_new_string(state));
		json_object_object_add(o, "was_patched", json_object_new_boolean(p->was_patched));
		json_object_object_add(o, "baseline_calls", json_object_new_uint64(p->base_calls));
		json_object_object_add(o, "freeze_ns", json_object_new_uint64(up->freeze_ns));
		json_object_object_add(o, "stops", json_object_new_int(up->attempts));
		json_object_object_add(o, "library", json_object_new_string(lib));
		if (ud->unload && ud->unload[i].freeze_ns)
			json_object_object_add(o, "unload_freeze_ns",
					       json_object_new_uint64(ud->unload[i].freeze_ns));
		if (left)
			json_object_object_add(o, "library_note",
					       json_object_new_string(ud->unload[i].note));
		if (p->note[0])
			json_object_object_add(o, "note", json_object_new_string(p->note));
		json_object_array_add(arr, o);
		if (out)
			fprintf(out, "%-8d %-16s %-13s %10s %8u  %s%s%s%s\n", p->pid, up->comm,
				state,
				up->freeze_ns ? duration__format(up->freeze_ns, fz, sizeof(fz)) :
						"-",
				up->attempts, p->note, p->note[0] && left ? "; " : "",
				left ? "library stays: " : "", left ? ud->unload[i].note : "");
	}
	json_object_object_add(rj, "processes", arr);
	if (!newcomers(ud, &late, &nlate)) {
		for (i = 0; i < nlate; i++) {
			bool carries = carries_fix(ud, late[i]);

			if (took_back(ud, late[i]))
				continue;
			json_object_array_add(na, json_object_new_int(late[i]));
			if (out)
				fprintf(out, "%-8d %-16s %-13s %10s %8s  %s\n", late[i], "",
					carries ? "forked" : "unpatched", "-", "-",
					carries ?
						"started during the rollout, forked from a patched "
						"process: carries the fix" :
						"started during the rollout: not patched");
		}
		free(late);
	}
	json_object_object_add(rj, "newcomers", na);
	arr = json_object_new_array();
	for (i = 0; i < ud->nr_parents; i++) {
		const struct ulp_proc *up = ud->parents[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "pid", json_object_new_int(up->pid));
		json_object_object_add(o, "comm", json_object_new_string(up->comm));
		json_object_object_add(o, "freeze_ns", json_object_new_uint64(up->freeze_ns));
		json_object_array_add(arr, o);
		if (out)
			fprintf(out, "%-8d %-16s %-13s %10s %8u  %s\n", up->pid, up->comm,
				"patched", duration__format(up->freeze_ns, fz, sizeof(fz)),
				up->attempts,
				"the parent, patched at commit: the processes it starts carry the "
				"fix");
	}
	json_object_object_add(rj, "parents", arr);
	arr = json_object_new_array();
	for (i = 0; i < ud->nr_forks; i++) {
		const struct ulp_fork *f = &ud->forks[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "pid", json_object_new_int(f->pid));
		json_object_object_add(o, "comm", json_object_new_string(f->comm));
		json_object_object_add(o, "reverted", json_object_new_boolean(!f->ret));
		json_object_object_add(o, "note", json_object_new_string(f->note));
		json_object_array_add(arr, o);
		if (out)
			fprintf(out, "%-8d %-16s %-13s %10s %8s  %s\n", f->pid, f->comm,
				f->ret ? "revert-failed" : "reverted", "-", "-", f->note);
	}
	json_object_object_add(rj, "forks", arr);
	json_object_object_add(rj, "vanished", pid_array(ud->vanished, ud->nr_vanished));
	for (i = 0; out && i < ud->nr_vanished; i++)
		fprintf(out, "%-8d %-16s %-13s %10s %8s  %s\n", ud->vanished[i], "", "gone", "-",
			"-", "listed, then exited before its pre-flight ended: left out");
}

/*
 * One journaled process: is it still the one we patched, and do its sites hold what the
 * journal says? -EIO on a mismatch.
 */
static int ulp_status(const struct journal_item *it, const struct patch_live *live, FILE *out,
		      const char **now)
{
	unsigned int patched = 0, orig = 0;
	struct ulp_proc p;
	char err[256];
	int ret;

	*now = NULL;
	if (!json_object_object_get_ex(it->detail, "sites", NULL)) {
		/* an injection that no patch followed: nothing redirected, "recover" unloads */
		if (!proc__running(it->pid, it->start_time)) {
			*now = "gone";
			fprintf(out, "  pid %d: gone; nothing of the patch is left\n", it->pid);
		} else {
			*now = "injected";
			fprintf(out, "  pid %d: %s, the fix library %s in, no site patched\n",
				it->pid, it->committed ? "committed" : "uncommitted",
				it->loaded == JOURNAL_YES ? "is" : "may be");
		}
		return 0;
	}
	if (steps__ulp_proc_from_detail(it->detail, &p, err, sizeof(err))) {
		fprintf(out, "  pid %d: %s\n", it->pid, err);
		return -EINVAL;
	}
	ret = ulp_proc__probe(&p, &patched, &orig);
	free(p.sites);
	if (ret == -ESRCH) {
		*now = "gone";
		fprintf(out,
			"  pid %d: gone (exited, or the PID is another process now); nothing "
			"of the patch is left\n",
			it->pid);
		return 0;
	}
	if (ret) {
		*now = "unreadable";
		fprintf(out, "  pid %d: cannot read its memory: %s\n", it->pid, strerror(-ret));
		return ret;
	}
	*now = patched == p.nr_sites ? "patched" : !patched ? "unpatched" : "partly patched";
	fprintf(out, "  pid %d: %s, %u of %zu site%s patched%s\n", it->pid,
		it->committed ? "committed" : "uncommitted", patched, p.nr_sites,
		p.nr_sites == 1 ? "" : "s",
		patched + orig < p.nr_sites ?
			", others hold bytes that are neither ours nor the original" :
			"");
	if ((it->active == JOURNAL_YES && patched != p.nr_sites) ||
	    (it->active == JOURNAL_NO && patched) || patched + orig < p.nr_sites) {
		fprintf(out, "  MISMATCH: the journal has pid %d %s\n", it->pid,
			it->active == JOURNAL_YES ? "patched" :
			it->active == JOURNAL_NO  ? "unpatched" :
						    "maybe patched");
		return it->active == JOURNAL_MAYBE ? 0 : -EIO;
	}
	return 0;
}

static void ulp_item_text(const struct journal_item *it, char *buf, size_t len)
{
	snprintf(buf, len, "pid:%d", it->pid);
}

const struct patch_ops patch_ulp_ops = {
	.privs = PRIVS_ULP,
	.type = HC_PATCH_ULP,
	.name = "ulp",
	.item_kind = JOURNAL_ITEM_ULP,
	.check_needs_root = true,
	.open = ulp_open,
	.close = ulp_close,
	.check = ulp_check,
	.check_print = ulp_check_print,
	.begin = ulp_begin,
	.describe = ulp_describe,
	.procs = ulp_procs,
	.funcs = ulp_funcs,
	.patch_one = ulp_patch_one,
	.revert_one = ulp_revert_one,
	.commit = ulp_commit,
	.tidy = ulp_tidy,
	.report = ulp_report,
	.status = ulp_status,
	.item_text = ulp_item_text,
};
