/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy files for "hotcanary check|run POLICY": one YAML document, parsed with libyaml and
 * validated into plain data. Every error carries the file, the 1-based line and column, the
 * key path ("judge.max_p99_ratio", "stages[1].duration", "watch[0].errors") and what is
 * allowed there. The library does not print: policy_err__format() makes the line to show.
 *
 * The keys, their types and their defaults ("req" = required, "-" = no default):
 *
 *   name                  req   [a-z0-9-]+, 1 to 64 characters, not starting with '-'
 *   patch                 req   mapping:
 *     type                req   klp | exec | ulp
 *     klp:  module        req   path of the livepatch module (.ko)
 *           sha256        -     64 hex digits: pin of the module
 *           replaces      -     the patch this one replaces, its module: loaded on rollback
 *           restore       -     none | list of module paths: patches to load again on
 *                               rollback if the load replaced them (check 13)
 *           params        -     mapping NAME: VALUE, module parameters for finit_module
 *           stacks_on     -     list of enabled livepatches this one supersedes (check 6)
 *           transition_timeout  30s
 *     exec: apply         req   argv list, run without a shell, e.g. [kpatch, load, fix.ko]
 *           revert        req   argv list
 *           timeout       60s   for each of apply and revert
 *     ulp:  library       req   path of the shared object with the replacement functions
 *           sha256        -     64 hex digits: pin of the library
 *           target        req   the executable or shared library being patched
 *           build_id      req   the target's GNU build-id, hex (an even number of digits)
 *           functions     req   non-empty list of:
 *             old         req   the function's symbol in target
 *             new         req   its replacement's symbol in library
 *             errors      neg   as in watch (an addition to the ulp keys)
 *           consistency   strict  strict | relaxed
 *           deadline      5s    how long a process may stay busy (a thread in the old
 *                               function) before it is left unpatched; > 0
 *   processes             ulp: req, others: refused.  Exactly one of:
 *     exe                       every process mapping the target with this executable
 *     pids                      non-empty list of distinct PIDs
 *     order               random  random | listed: the order processes join the canary arm
 *                               (those that called the functions in the baseline first);
 *                               listed: as in pids, exe in PID order
 *   watch                 klp, exec: req (at least one); ulp: optional (patch.functions are
 *                               always judged). Up to HC_MAX_FUNCS entries of:
 *     function            req   FUNC spec: kernel:[MODULE:]NAME[@PID] or
 *                               user:PATH:SYMBOL[@PID]
 *     errors              neg   none | neg | zero | nonzero
 *   guardrails            all defaults
 *     kernel_log          true
 *     taint               true
 *     fatal_signals       true
 *     min_call_ratio      0.1   0 to 1 (0 turns the check off)
 *     allow_tainted_die   false allow a kernel that is already tainted D (check 10)
 *   baseline
 *     duration            30s   > 0
 *   stages                req   non-empty list of:
 *     name                req   like the policy's name, unique among the stages
 *     duration            req   > 0
 *     targets             ulp: req, others: refused. A count >= 1, or a whole percent of
 *                               the matched processes, 1% to 100%. Never fewer than the
 *                               previous stage given in the same form. At least 2 where
 *                               4 or more processes are matched.
 *   judge                 all defaults
 *     alpha               0.01  (0, 0.5]: the false-rollback budget per run
 *     beta                0.05  (0, 0.5]: the false-pass budget per run: a function beyond
 *                               a limit passes a stage with at most this probability
 *     min_calls           200   integer >= 1: fewer calls in a stage is "no data"
 *     max_p50_ratio       1.10  > 1
 *     max_p90_ratio       max_p50_ratio  > 1
 *     max_p99_ratio       1.25  > 1
 *     max_error_ratio     1.5   > 1
 *     on_inconclusive     hold  hold | extend | commit | rollback: a stage that neither
 *                               passed nor failed. hold stops deciding, leaves the patch
 *                               as the stage has it and exits 5 ('hotcanary resume');
 *                               extend runs the stage once more, then rolls back
 *     on_nodata           hold  hold | commit | rollback: a watched function without a call
 *                               in a whole stage
 *   ab                    all defaults; read by "hotcanary ab" only
 *     end                 removed   removed | applied: the patch's state when ab ends
 *
 * Durations are a number with ms, s, m or h ("500ms", "1.5s", "2m"). Booleans are true or
 * false (also True/TRUE/False/FALSE); YAML 1.1's yes/no/on/off are refused, as they are
 * easy to write by mistake. Numbers and booleans are plain scalars: "1.25" in quotes is a
 * string and is refused where a number is expected. A key given with no value (null) is an
 * error, also for optional keys: leave the key out to get its default. Duplicate keys,
 * unknown keys and keys of another patch type are errors. Anchors and aliases work; merge
 * keys ("<<") do not.
 */
#ifndef HC_POLICY_H
#define HC_POLICY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "funcspec.h"
#include "hotcanary.h"

#define HC_POLICY_NAME_MAX  64
#define HC_POLICY_MAX_BYTES (1 << 20) /* larger policy files are refused */

enum hc_patch_type {
	HC_PATCH_KLP,
	HC_PATCH_EXEC,
	HC_PATCH_ULP,
};

/* processes.order: which processes join the canary arm first */
enum hc_proc_order {
	HC_ORDER_RANDOM, /* a fresh random order per run */
	HC_ORDER_LISTED, /* as listed in pids; exe: in PID order */
};

enum hc_consistency {
	HC_CONSISTENCY_STRICT,	/* no thread may have a frame in the old function */
	HC_CONSISTENCY_RELAXED, /* only the overwritten bytes must be free */
};

/* judge.on_inconclusive and judge.on_nodata (which has no extend) */
enum hc_inconclusive {
	HC_INCONCLUSIVE_HOLD,	/* stop deciding; a human resumes the run */
	HC_INCONCLUSIVE_EXTEND, /* once, by the stage's duration; then as rollback */
	HC_INCONCLUSIVE_ROLLBACK,
	HC_INCONCLUSIVE_COMMIT,
};

enum hc_ab_end {
	HC_AB_END_REMOVED,
	HC_AB_END_APPLIED,
};

enum hc_targets_kind {
	HC_TARGETS_NONE,    /* klp and exec: the patch is host-wide */
	HC_TARGETS_COUNT,   /* a number of processes */
	HC_TARGETS_PERCENT, /* a percent of the matched processes */
};

struct hc_policy_func { /* ulp: one redirected function */
	char *old_sym;	/* in the target */
	char *new_sym;	/* in the library */
	enum hc_err_mode errors;
};

struct hc_policy_watch {
	struct hc_funcspec func;
	enum hc_err_mode errors;
};

struct hc_policy_stage {
	char *name;
	uint64_t duration_ns;
	enum hc_targets_kind targets_kind;
	unsigned int targets; /* a count, or a percent 1..100 */
};

struct hc_policy {
	char *source; /* the file, or the name given to policy__parse() */
	char *name;
	struct {
		enum hc_patch_type type;
		bool has_sha256; /* klp, ulp */
		uint8_t sha256[32];
		struct {
			char *module;
			char *replaces; /* NULL: rollback disables and unloads */
			/*
			 * patch.restore: modules to load again on rollback if the load replaced
			 * them (NULL-terminated), or restore_none: the loss is accepted
			 */
			char **restore;
			size_t nr_restore;
			bool restore_none;
			/*
			 * patch.stacks_on: enabled livepatches (module names) this one is
			 * meant to stack on, superseding their version of a function both
			 * patch (check 6 refuses that otherwise)
			 */
			char **stacks_on;
			size_t nr_stacks_on;
			/* patch.params, as finit_module() takes them: "a=1 b=\"x y\"", or NULL */
			char *params;
			uint64_t transition_timeout_ns;
		} klp;
		struct {
			char **apply; /* NULL-terminated, for execvp() */
			size_t nr_apply;
			char **revert; /* NULL-terminated */
			size_t nr_revert;
			uint64_t timeout_ns;
		} exec;
		struct {
			char *library;
			char *target;
			uint8_t build_id[64];
			size_t build_id_len; /* bytes */
			struct hc_policy_func *functions;
			size_t nr_functions;
			enum hc_consistency consistency;
			uint64_t deadline_ns;
		} ulp;
	} patch;
	struct { /* ulp only: exactly one of exe and pids */
		char *exe;
		pid_t *pids;
		size_t nr_pids;
		enum hc_proc_order order;
	} processes;
	struct hc_policy_watch *watch;
	size_t nr_watch;
	struct {
		bool kernel_log;
		bool taint;
		bool fatal_signals;
		bool allow_tainted_die;
		double min_call_ratio;
	} guardrails;
	struct {
		uint64_t duration_ns;
	} baseline;
	struct hc_policy_stage *stages;
	size_t nr_stages;
	struct {
		double alpha;
		uint64_t min_calls;
		double max_p50_ratio;
		double max_p90_ratio;
		double max_p99_ratio;
		double max_error_ratio;
		enum hc_inconclusive on_inconclusive;
		enum hc_inconclusive on_nodata; /* never EXTEND */
		double beta;
	} judge;
	struct {
		enum hc_ab_end end;
	} ab;
};

/*
 * Where and why a policy was refused. @line and @column are 1-based; both are 0 when the
 * file itself could not be read. @key is empty for errors about the whole document (YAML
 * syntax, an empty file).
 */
struct policy_err {
	char file[PATH_MAX];
	int line;
	int column;
	char key[128];
	char msg[512];
};

/*
 * Parse the policy file @path into a new *@out. Return 0, or fill @err and return -EINVAL
 * for a bad policy, -ENOMEM, or the -errno of opening or reading the file.
 */
int policy__load(const char *path, struct hc_policy **out, struct policy_err *err);
/* the same for @len bytes of @text; @name stands for the file in errors (NULL: "<policy>") */
int policy__parse(const char *name, const char *text, size_t len, struct hc_policy **out,
		  struct policy_err *err);
void policy__free(struct hc_policy *pol);

/* "klp", "exec", "ulp" */
const char *policy__patch_type_name(enum hc_patch_type type);

/* "FILE:LINE:COLUMN: KEY: MESSAGE" (without the parts @err does not have) into @buf */
const char *policy_err__format(const struct policy_err *err, char *buf, size_t len);

#endif
