/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every action that changes the system, journaled: an intent record before it, a result
 * after it. Shared by the patch drivers of 'run' and by 'recover' / 'revert', which replay
 * the journal's plan with the same functions.
 */
#ifndef HC_STEPS_H
#define HC_STEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "journal.h"
#include "klp.h"
#include "ulp.h"

struct steps {
	struct journal *j; /* NULL: nothing is journaled (dry runs, tests) */
	struct klp_sys sys;
	uint64_t timeout_ms; /* for transitions */
};

int steps__init(struct steps *s, struct journal *j, uint64_t timeout_ms);

/* load a livepatch; if it was loaded but cannot be journaled, reverse it and unload */
int steps__klp_load(struct steps *s, const char *path, const char *name, bool replace,
		    const char *params, char *err, size_t len);
/*
 * Wait for the transition of the livepatch steps__klp_load() loaded (the same @path, @name
 * and @replace, for the journal); on failure reverse it and unload (-ETIMEDOUT on timeout)
 */
int steps__klp_wait(struct steps *s, const char *path, const char *name, bool replace, char *err,
		    size_t len);
/* disable and wait until the patch is gone; "already disabled or gone" is success */
int steps__klp_disable(struct steps *s, const char *name, char *err, size_t len);
/* rmmod, retried while the module is still busy; "not loaded" is success */
int steps__klp_unload(struct steps *s, const char *name, char *err, size_t len);
/*
 * Restore the patch @name that loading @ours replaced, from its module @path, and take @ours
 * out (NULL: nothing to take out): a cumulative @name replaces @ours atomically, with no
 * unpatched window; one that is not stacks on @ours, which is then disabled. With
 * @disable_first (@ours holds a newer klp_state, so the kernel would refuse @name), @ours is
 * disabled and unloaded first. @name is loaded with the parameters its module, still loaded
 * while replaced, has (klp__params()). Replayable: what holds already is skipped. The caller
 * unloads @ours.
 */
int steps__klp_replace(struct steps *s, const char *path, const char *name, const char *ours,
		       bool disable_first, char *err, size_t len);
/* run an exec patcher's argv (NULL-terminated) as @action (exec_apply or exec_revert) */
int steps__exec(struct steps *s, enum journal_action action, char *const *argv, char *const *revert,
		uint64_t timeout_ns, char *err, size_t len);
/*
 * ulp: redirect or restore the functions of one process (user/ulp.h). The intent carries
 * everything recover needs to restore the bytes without the policy: pid, start_time, the
 * library and, per site, the function @names[i], addresses and original and patched bytes.
 */
int steps__ulp_patch(struct steps *s, struct ulp_image *img, struct ulp_proc *p,
		     const char *const *names, const char *library, char *err, size_t len);
/*
 * "Already restored" and "the process is gone" are success; the latter's note, also in the
 * journal's detail.note, is left in @err (else @err is empty)
 */
int steps__ulp_revert(struct steps *s, struct ulp_image *img, struct ulp_proc *p,
		      const char *const *names, const char *library, char *err, size_t len);
/*
 * The journal learns of a process @p that carries the patch without having been patched
 * (forked from a patched process): a ulp_patch result, so that a revert interrupted after
 * it is finished by the next one
 */
int steps__ulp_found(struct steps *s, const struct ulp_proc *p, const char *library, char *err,
		     size_t len);
/*
 * Inject @library into @p (ulp_proc__place(), then ulp_proc__inject_at()), with a ulp_inject
 * intent naming the page before anything happens and its result after: recover then takes
 * out an injection cut at any point
 */
int steps__ulp_inject(struct steps *s, struct ulp_image *img, struct ulp_proc *p,
		      const char *library, char *err, size_t len);
/*
 * Take @p's library and trampoline page out (ulp_proc__eject()), journaled as ulp_unload. A
 * process that is gone is journaled as done, and -ESRCH returned.
 */
int steps__ulp_eject(struct steps *s, struct ulp_image *img, struct ulp_proc *p,
		     const char *library, char *err, size_t len);
/*
 * Unload the library and the trampoline page that a journal detail @d names (a ulp_patch's,
 * whose sites must all hold their original bytes again, or a ulp_inject's) from its
 * process (ulp_proc__eject()). Not journaled here: a plan's ulp_unload step is, by
 * steps__replay(); after a ulp_revert step of an older journal, which has none, no site
 * leads to what it takes out. -ESRCH: the process is gone, nothing is left.
 */
int steps__ulp_unload(const struct json_object *d, char *err, size_t len);
/* the same for a process @p, with the sites of its journal record, that maps @library */
int steps__ulp_unload_proc(struct ulp_proc *p, const char *library, char *err, size_t len);
/* the struct ulp_proc a ulp_patch detail describes, for ulp_proc__unpatch(NULL, ...) */
int steps__ulp_proc_from_detail(const struct json_object *d, struct ulp_proc *p, char *err,
				size_t len);
/*
 * Carry out one step of a journal plan; a target already gone counts as done (a ulp_revert
 * then says so in @err)
 */
int steps__replay(struct steps *s, const struct journal_step *step, uint64_t exec_timeout_ns,
		  char *err, size_t len);

#endif
