// SPDX-License-Identifier: GPL-2.0
/*
 * Redirection, the per-process half of user/ulp.h after inject: which threads are in a
 * function (activeness, by unwinding), writing the jumps to the sites and putting the
 * original bytes back, in one stop of the process; patch, unpatch, probe.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proc.h"
#include "tracee.h"
#include "ulp_int.h"
#include "unwind.h"

int ulp__unwinder(struct ulp_proc *p, struct unwind **uw, char *err, size_t len)
{
	int ret;

	ret = ulp__check_identity(p, err, len);
	if (ret)
		return ret;
	if (!p->priv) {
		p->priv = calloc(1, sizeof(*p->priv));
		if (!p->priv) {
			ret = -ENOMEM;
			goto fail;
		}
	}
	if (!p->priv->uw) {
		ret = unwind__new(&p->priv->uw, p->pid);
		if (ret)
			goto fail;
	}
	*uw = p->priv->uw;
	return 0;
fail:
	snprintf(err, len, "pid %d: cannot set up the unwinder: %s", p->pid, strerror(-ret));
	return ret;
}

static bool in(uint64_t a, uint64_t lo, uint64_t hi)
{
	return a >= lo && a < hi;
}

/*
 * 0: no thread in any range; -EBUSY: one is (a->idx, a->tid, a->unknown say which). Every
 * thread is looked at: one known to be in a range is the reason to give, rather than one
 * whose stack could not be walked at that instant (returning through a uretprobe's
 * trampoline, say), which may be gone by the next attempt while the other stays.
 */
int ulp__activeness(struct tracee *tr, struct unwind *uw, struct activeness *a)
{
	uint64_t ips[UNWIND_MAX_FRAMES];
	pid_t unknown = 0;
	size_t i, j;
	int k, n;

	a->unknown = false;
	for (i = 0; i < tr->nr; i++) {
		struct tracee_thread *th = &tr->t[i];

		a->tid = th->tid;
		for (j = 0; j < a->nr; j++) {
			if (in(th->regs.rip, a->r[j].lo, a->r[j].hi)) {
				a->idx = a->r[j].idx;
				return -EBUSY;
			}
		}
		if (in(th->regs.rip, a->uprobes_lo, a->uprobes_hi)) {
			unknown = unknown ?: th->tid;
			continue;
		}
		n = unwind__frames(uw, th->tid, ips, UNWIND_MAX_FRAMES);
		if (n < 0) {
			unknown = unknown ?: th->tid;
			continue;
		}
		for (k = 1; k < n; k++) {
			if (in(ips[k], a->uprobes_lo, a->uprobes_hi)) {
				unknown = unknown ?: th->tid;
				break;
			}
			for (j = 0; j < a->nr; j++) {
				uint64_t ip = a->r[j].body ? ips[k] - 1 : ips[k];

				if (in(ip, a->r[j].lo, a->r[j].hi)) {
					a->idx = a->r[j].idx;
					return -EBUSY;
				}
			}
		}
	}
	if (!unknown)
		return 0;
	a->tid = unknown;
	a->unknown = true;
	return -EBUSY;
}

void ulp__uprobes_range(pid_t pid, struct activeness *a)
{
	struct proc_maps maps;
	const struct proc_map *m;

	a->uprobes_lo = a->uprobes_hi = 0;
	if (proc_maps__read(pid, &maps))
		return;
	m = proc_maps__find_path(&maps, "[uprobes]", false);
	if (m) {
		a->uprobes_lo = m->start;
		a->uprobes_hi = m->end;
	}
	proc_maps__free(&maps);
}

static const char *site_name(struct ulp_image *img, const struct ulp_proc *p, size_t i, char *buf,
			     size_t len)
{
	if (img && i < img->nr)
		return img->f[i].old_sym;
	snprintf(buf, len, "0x%" PRIx64, p->sites[i].func);
	return buf;
}

/* @now is the original bytes with the int3 of the rollout's own uprobe on the first */
static bool probed_orig(const struct ulp_site *s, const uint8_t *now)
{
	return s->probed && now[0] == 0xcc && s->orig[0] != 0xcc &&
	       !memcmp(now + 1, s->orig + 1, ULP_JMP_LEN - 1);
}

/* write @patch ? patched : orig to the sites in @todo; on failure put back what was written */
static int write_sites(struct tracee *tr, struct ulp_proc *p, const bool *todo, bool patch,
		       size_t *bad)
{
	size_t i, j;
	int ret;

	for (i = 0; i < p->nr_sites; i++) {
		struct ulp_site *s = &p->sites[i];

		if (!todo[i])
			continue;
		ret = tracee__write(tr, s->addr, patch ? s->patched : s->orig, ULP_JMP_LEN);
		if (!ret)
			continue;
		*bad = i;
		for (j = 0; j < i; j++)
			if (todo[j])
				tracee__write(tr, p->sites[j].addr,
					      patch ? p->sites[j].orig : p->sites[j].patched,
					      ULP_JMP_LEN);
		/* the failed one too: a partial write leaves half an instruction */
		tracee__write(tr, s->addr, patch ? s->orig : s->patched, ULP_JMP_LEN);
		return ret;
	}
	return 0;
}

/*
 * One stop-the-world switch of every site, @patch or back. The ranges no thread may be in
 * come from the caller. Busy: release, back off, retry until the deadline.
 */
static int flip(struct ulp_image *img, struct ulp_proc *p, bool patch, const struct range *r,
		size_t nr, char *err, size_t len)
{
	uint64_t deadline = img ? img->deadline_ns : ULP_DEADLINE_NS;
	uint64_t start = tracee__now_ns(), backoff = BACKOFF_MIN_NS;
	struct activeness a = { .r = r, .nr = nr };
	const char *verb = patch ? "patch" : "unpatch";
	char name[32], t[32];
	struct unwind *uw;
	struct tracee tr;
	bool todo[ULP_MAX_FUNCS];
	size_t i, bad = 0;
	int ret;

	ret = ulp__unwinder(p, &uw, err, len);
	if (ret)
		return ret;
	for (p->attempts = 1;; p->attempts++) {
		size_t want = 0;

		ulp__uprobes_range(p->pid, &a);
		ret = tracee__stop(&tr, p->pid, STOP_TIMEOUT_NS, err, len);
		if (ret)
			return ret;
		/* stopped a recycled pid? */
		ret = ulp__check_identity(p, err, len);
		if (ret)
			goto release;
		for (i = 0; i < p->nr_sites; i++) {
			struct ulp_site *s = &p->sites[i];
			uint8_t now[ULP_JMP_LEN];

			ret = tracee__read(&tr, s->addr, now, sizeof(now));
			if (ret) {
				snprintf(err, len, "pid %d: cannot read '%s' at 0x%" PRIx64 ": %s",
					 p->pid, site_name(img, p, i, name, sizeof(name)), s->addr,
					 strerror(-ret));
				goto release;
			}
			todo[i] = !memcmp(now, patch ? s->orig : s->patched, ULP_JMP_LEN) ||
				  (patch && probed_orig(s, now));
			if (todo[i]) {
				want++;
			} else if (memcmp(now, patch ? s->patched : s->orig, ULP_JMP_LEN) &&
				   !probed_orig(s, now)) {
				snprintf(err, len,
					 "pid %d: someone else changed the bytes of '%s' at "
					 "0x%" PRIx64 "; left them as they are, %s refused",
					 p->pid, site_name(img, p, i, name, sizeof(name)), s->addr,
					 verb);
				ret = -EILSEQ;
				goto release;
			}
		}
		if (!want)
			goto done;
		ret = ulp__activeness(&tr, uw, &a);
		if (!ret) {
			ret = write_sites(&tr, p, todo, patch, &bad);
			if (ret) {
				snprintf(err, len,
					 "pid %d: cannot write '%s' at 0x%" PRIx64 " (%s); "
					 "every site was put back",
					 p->pid, site_name(img, p, bad, name, sizeof(name)),
					 p->sites[bad].addr, strerror(-ret));
				goto release;
			}
			goto done;
		}
		tracee__release(&tr, NULL, 0);
		if (tracee__now_ns() - start >= deadline) {
			if (a.unknown)
				snprintf(err, len,
					 "pid %d: thread %d's stack cannot be walked (a "
					 "uretprobe, or code without unwind info) after %s; the "
					 "process was left untouched",
					 p->pid, a.tid, secs(deadline, t, sizeof(t)));
			else
				snprintf(err, len,
					 "pid %d: a thread is still inside '%s' after %s; "
					 "the process was left untouched",
					 p->pid,
					 !patch && img && a.idx < img->nr ?
						 img->f[a.idx].new_sym :
						 site_name(img, p, a.idx, name, sizeof(name)),
					 secs(deadline, t, sizeof(t)));
			return -EBUSY;
		}
		sleep_ns(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : backoff * 2;
	}
done:
	p->threads = (unsigned int)tr.nr;
	ret = tracee__release(&tr, err, len);
	p->freeze_ns = tr.freeze_ns;
	if (!ret)
		p->patched = patch;
	return ret;
release:
	tracee__release(&tr, NULL, 0);
	return ret;
}

int ulp_proc__patch(struct ulp_image *img, struct ulp_proc *p, char *err, size_t len)
{
	struct range r[2 * ULP_MAX_FUNCS];
	size_t i, n = 0;

	if (!p->injected) {
		snprintf(err, len, "pid %d: the patch library is not loaded; inject it first",
			 p->pid);
		return -EINVAL;
	}
	if (p->nr_sites != img->nr) {
		snprintf(err, len, "pid %d: %zu sites recorded for a patch of %zu functions",
			 p->pid, p->nr_sites, img->nr);
		return -EINVAL;
	}
	for (i = 0; i < p->nr_sites; i++) {
		const struct ulp_site *s = &p->sites[i];
		uint64_t end = s->addr + (img->f[i].insn.covered_end - img->f[i].insn.site);

		/* the overwritten instructions: a return address there is as bad as a rip */
		r[n++] = (struct range){ .lo = s->addr + 1, .hi = end, .idx = i };
		if (img->strict)
			r[n++] = (struct range){ .lo = s->func,
						 .hi = s->func + s->func_size,
						 .body = true,
						 .idx = i };
	}
	return flip(img, p, true, r, n, err, len);
}

int ulp_proc__unpatch(struct ulp_image *img, struct ulp_proc *p, char *err, size_t len)
{
	struct range r[3 * ULP_MAX_FUNCS];
	size_t i, n = 0;

	if (!p->nr_sites || p->nr_sites > ULP_MAX_FUNCS) {
		snprintf(err, len, "pid %d: no sites recorded to unpatch", p->pid);
		return -EINVAL;
	}
	for (i = 0; i < p->nr_sites; i++) {
		const struct ulp_site *s = &p->sites[i];
		uint64_t end = s->addr + ULP_JMP_LEN;

		if (img && i < img->nr)
			end = s->addr + (img->f[i].insn.covered_end - img->f[i].insn.site);
		r[n++] = (struct range){ .lo = s->addr + 1, .hi = end, .idx = i };
		if (!img || img->strict) {
			if (s->new_func)
				r[n++] = (struct range){ .lo = s->new_func,
							 .hi = s->new_func + s->new_size,
							 .body = true,
							 .idx = i };
			/* on its way through the slot: as good as in the new function */
			if (s->slot)
				r[n++] = (struct range){ .lo = s->slot,
							 .hi = s->slot + SLOT_LEN,
							 .idx = i };
		}
	}
	return flip(img, p, false, r, n, err, len);
}

int ulp_proc__probe(const struct ulp_proc *p, unsigned int *patched, unsigned int *orig)
{
	uint64_t st;
	size_t i;
	int ret;

	*patched = *orig = 0;
	if (proc__start_time(p->pid, &st) || (p->start_time && st != p->start_time))
		return -ESRCH;
	for (i = 0; i < p->nr_sites; i++) {
		const struct ulp_site *s = &p->sites[i];
		uint8_t now[ULP_JMP_LEN];

		ret = proc__mem_read(p->pid, s->addr, now, sizeof(now));
		if (ret)
			return ret;
		if (!memcmp(now, s->patched, sizeof(now)))
			(*patched)++;
		else if (!memcmp(now, s->orig, sizeof(now)))
			(*orig)++;
	}
	/* it may have exited while we read: an answer about another process is no answer */
	if (proc__start_time(p->pid, &st) || (p->start_time && st != p->start_time))
		return -ESRCH;
	return 0;
}
