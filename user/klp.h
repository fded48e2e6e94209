/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel livepatch lifecycle primitives: what a livepatch module is (modinfo, the functions
 * it patches), what is enabled (/sys/kernel/livepatch), transitions and the tasks that block
 * them, module load and unload, and the kernel facts the compatibility checks need.
 *
 * Everything that reads the system reads it below a root directory (struct klp_sys), so the
 * parsing is unit-tested on a fake tree; the real run uses "/". Module load and unload are
 * syscalls and ignore the root.
 *
 * The library does not print: functions return 0 (or a count, or a boolean where said) or
 * -errno, and fill @err with a one-line reason for the command layer.
 *
 * Livepatch sysfs attributes differ by kernel version (tools/docs/design/livepatch-sysfs.md
 * section 1): "transition" since 4.12, "<object>/patched" since 6.0, "replace" since 6.11,
 * "stack_order" since 6.13. On Debian's 6.1 only enabled, transition, force and
 * <object>/patched exist; 6.12 adds replace. Absent attributes read as -1 below.
 *
 * "force" is never written by anything here.
 */
#ifndef HC_KLP_H
#define HC_KLP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KLP_NAME_MAX	 64  /* module and object names (kernel: 56) */
#define KLP_SYM_MAX	 256 /* function names */
#define KLP_VERMAGIC_MAX 256

#define KLP_KVER(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))

/*
 * Where the fields of struct klp_patch, klp_object, klp_func and klp_state are, in bytes
 * (klp_layout.c). patch_states 0: no states (before 5.5).
 */
struct klp_layout {
	bool from_btf; /* read from the kernel's BTF, not assumed */
	unsigned int patch_mod, patch_objs, patch_states, patch_replace;
	unsigned int obj_name, obj_funcs;
	unsigned int func_old_name, func_new_func, func_old_sympos;
	unsigned int state_id, state_version, state_size;
};

/* where the system is: a root directory, plus the tracefs mount, which may be elsewhere */
struct klp_sys {
	char root[PATH_MAX];	/* "" for the real system; paths are root + "/sys/...", etc. */
	char tracefs[PATH_MAX]; /* tracefs (real: /sys/kernel/tracing or debugfs's) */
	uid_t trusted_uid;	/* owner required of the policy and the artefact (check 3): 0 */
	unsigned int poll_ms;	/* transition and sysfs polling interval: 20 ms */
	/*
	 * Where hotcanary keeps a copy of every livepatch module it loads, to load a replaced
	 * patch again on rollback: "<state dir>/modules", below root; "" when not known
	 */
	char moddir[PATH_MAX];
	/* the livepatch structures' layout from root + /sys/kernel/btf/vmlinux, if it has it */
	struct klp_layout layout;
	bool have_layout;
};

/*
 * @root NULL or "/" for the real system. There the tracefs directory is the first of
 * /sys/kernel/tracing and /sys/kernel/debug/tracing that has available_filter_functions;
 * nothing is mounted (ksym__tracefs() mounts it, if the command layer wants that).
 */
int klp_sys__init(struct klp_sys *sys, const char *root);
/*
 * The livepatch structures' layout from the kernel's BTF (root + /sys/kernel/btf/vmlinux)
 * into sys->layout, for klp_mod__read_layout(): 0, or -errno with have_layout false (the
 * module reader then assumes the layout of the module's kernel version). Not done by
 * klp_sys__init(): parsing the BTF takes a while, and only the checks need it.
 */
int klp_sys__read_layout(struct klp_sys *sys);
/* root + the absolute path @fmt into @buf; returns @buf */
char *klp_sys__path(const struct klp_sys *sys, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- a livepatch module file ------------------------------------------------------------ */

/* a patched function: object ("vmlinux" or a module), name and sympos (0: the only one) */
struct klp_func_ref {
	char obj[KLP_NAME_MAX];
	char name[KLP_SYM_MAX];
	unsigned long sympos;
};

/* a klp_state of a patch: what klp_is_patch_compatible() compares between patches */
struct klp_state_ref {
	unsigned long id;
	unsigned int version;
};

struct klp_mod {
	char path[PATH_MAX];
	/* .modinfo: "name" (else the file name, '-' as '_'), "vermagic", "license", ... */
	char name[KLP_NAME_MAX];
	char vermagic[KLP_VERMAGIC_MAX];
	char license[64];
	char depends[256];
	char srcversion[64];
	char description[256];
	bool livepatch;	  /* livepatch=Y */
	bool retpoline;	  /* retpoline=Y */
	bool intree;	  /* intree=Y: built in the kernel tree (taints O otherwise) */
	bool has_modinfo; /* a .modinfo section was found */
	/* appended signature ("~Module signature appended~"); not verified here */
	bool signed_;
	char sig_info[128]; /* "PKCS#7, 2 bytes signer, 512 bytes" style, or "" */
	/*
	 * What the module patches, found before loading it (see klp_mod__read()). objs lists
	 * the objects once each; funcs every function. funcs_known: the function list came
	 * from the module's own struct klp_patch. replace: klp_patch.replace, or -1 unknown.
	 */
	char (*objs)[KLP_NAME_MAX];
	size_t nr_objs;
	struct klp_func_ref *funcs;
	size_t nr_funcs;
	bool funcs_known;
	int replace;
	/* klp_patch.states (valid when funcs_known, for modules built for 5.5 and later) */
	struct klp_state_ref *states;
	size_t nr_states;
	/* the parameters it takes: .modinfo's "parmtype=NAME:TYPE" */
	char (*params)[KLP_NAME_MAX];
	size_t nr_params;
};

/* the layout of kernel version @kver (KLP_KVER; 0: unknown, taken as 5.5 or later) */
void klp_layout__default(struct klp_layout *l, unsigned int kver);
/*
 * The layout in the kernel BTF file @path (/sys/kernel/btf/vmlinux): 0, -ENOENT when it has
 * no livepatch structures (CONFIG_LIVEPATCH off) or lacks a field, else -errno.
 */
int klp_layout__from_btf(const char *path, struct klp_layout *l);

/*
 * Read @path (a .ko, or a gzip-compressed .ko.gz) into @mod with libelf. modinfo comes from
 * the .modinfo section. We read it ourselves rather than with libkmod because Debian ships
 * no static libkmod (libkmod-dev has only the .so) and the VM tests run a static binary.
 *
 * The patched objects and functions, before loading:
 *  - a hand-written livepatch (the kernel's samples/livepatch style, and ours) has a static
 *    struct klp_patch whose first field is THIS_MODULE. It is found by its relocation to
 *    __this_module followed by a pointer to data (objs), and followed down: klp_object
 *    {name, funcs, ...} and klp_func {old_name, new_func, old_sympos, ...}, whose leading
 *    fields have had this layout since 5.5 (replace at offset 24 of klp_patch; 16 before
 *    5.5, chosen by the module's vermagic). Array lengths come from the arrays' symbols.
 *  - modules from kpatch-build or klp-build build their klp_func arrays at init time, so
 *    only their object names are known: the sections .klp.rela.<object>.<section> that
 *    the kernel's module-elf-format.rst defines. funcs_known stays false.
 * Return 0, or -errno (-ENOEXEC: not an ELF relocatable object) with @err set.
 */
int klp_mod__read(const char *path, struct klp_mod *mod, char *err, size_t errlen);
/* the same with the field offsets of @l (NULL: klp_layout__default() of the vermagic's) */
int klp_mod__read_layout(const char *path, const struct klp_layout *l, struct klp_mod *mod,
			 char *err, size_t errlen);
void klp_mod__free(struct klp_mod *mod);
/* 1 if @mod patches object @obj function @name (sympos 0 and 1 are the same), else 0 */
int klp_mod__patches(const struct klp_mod *mod, const char *obj, const char *name,
		     unsigned long sympos);

/* ---- enabled livepatches ---------------------------------------------------------------- */

struct klp_patch_obj {
	char name[KLP_NAME_MAX];
	int patched; /* <object>/patched, -1 absent (before 6.0) */
};

struct klp_patch {
	char name[KLP_NAME_MAX];
	int enabled;	 /* 0 or 1 */
	int transition;	 /* 0 or 1, -1 absent (before 4.12) */
	int replace;	 /* 0 or 1, -1 absent (before 6.11) */
	int stack_order; /* >= 1, -1 absent (before 6.13) */
	struct klp_patch_obj *objs;
	size_t nr_objs;
	struct klp_func_ref *funcs; /* from the "<func>,<sympos>" dirs */
	size_t nr_funcs;
};

/*
 * Every patch in /sys/kernel/livepatch, sorted by name, into a new array *@out of *@n.
 * Without /sys/kernel/livepatch: -ENOENT. A patch that disappears while it is read
 * (disabled meanwhile) is left out.
 */
int klp__list(const struct klp_sys *sys, struct klp_patch **out, size_t *n, char *err,
	      size_t errlen);
void klp__list_free(struct klp_patch *patches, size_t n);
/* 1 if @p patches @obj/@name with @sympos (0 and 1 are the same), else 0 */
int klp_patch__patches(const struct klp_patch *p, const char *obj, const char *name,
		       unsigned long sympos);

/* ---- transitions ------------------------------------------------------------------------ */

/* @name's "transition": 0 or 1; -ENOENT if the patch is gone */
int klp__transition(const struct klp_sys *sys, const char *name);
/* @name's "enabled": 0 or 1; -ENOENT if the patch is gone */
int klp__enabled(const struct klp_sys *sys, const char *name);
/* 1 and the patch's name in @name if a patch is in transition, 0 if none, or -errno */
int klp__in_transition(const struct klp_sys *sys, char *name, size_t len);
/*
 * Poll @name's "transition" every sys->poll_ms until it reads 0, or the patch's directory
 * is gone (an unpatching transition that completed frees the patch), for at most
 * @timeout_ms. 0, -ETIMEDOUT, or -errno; @err says which.
 */
int klp__wait_transition(const struct klp_sys *sys, const char *name, uint64_t timeout_ms,
			 char *err, size_t errlen);
/* the same, until /sys/kernel/livepatch/@name no longer exists (a disabled patch is freed) */
int klp__wait_gone(const struct klp_sys *sys, const char *name, uint64_t timeout_ms, char *err,
		   size_t errlen);
/*
 * Write 0 to @name's "enabled": starts the unpatching transition, or, while the patch is
 * still being enabled, reverses it (kernel: klp_reverse_transition()). -EINVAL if it is
 * already disabled, -EBUSY if another patch is in transition, -ENOENT if gone.
 */
int klp__disable(const struct klp_sys *sys, const char *name, char *err, size_t errlen);

/* a task that has not reached the target patch state of the transition */
struct klp_blocker {
	pid_t pid;
	pid_t tid;
	int state; /* its patch_state: 0 unpatched, 1 patched */
	char comm[32];
	char *stack; /* /proc/PID/task/TID/stack, "" if unreadable */
};

/*
 * Tasks whose /proc/PID/task/TID/patch_state is neither -1 (no transition) nor @target (the
 * transition's target: the patch's "enabled", 1 when patching and 0 when unpatching), with
 * their kernel stacks (best effort), into a new array *@out of *@n. Returns 0 or -errno.
 */
int klp__blockers(const struct klp_sys *sys, int target, struct klp_blocker **out, size_t *n);
void klp__blockers_free(struct klp_blocker *b, size_t n);

/* ---- modules ---------------------------------------------------------------------------- */

/*
 * finit_module(2) of @path with the parameter string @params (NULL: none). A livepatch is
 * enabled by its init, so when this returns 0 the patch exists and is in transition. Typical
 * errors (dmesg says more): -EBUSY another transition or an IPMODIFY ftrace conflict,
 * -EINVAL/-ENOENT incompatible or unresolved symbols, -ENOEXEC bad vermagic or format,
 * -EKEYREJECTED/-EPERM signature or lockdown, -EEXIST already loaded.
 */
int klp__load(const char *path, const char *params, char *err, size_t errlen);
/* delete_module(2) of @name with O_NONBLOCK: -EWOULDBLOCK/-EBUSY while it is in use */
int klp__unload(const char *name, char *err, size_t errlen);
/* 1 if /sys/module/@name exists ('-' in @name taken as '_'), else 0 */
int klp__loaded(const struct klp_sys *sys, const char *name);
/* /sys/module/@name/refcnt, or -errno (-ENOENT: not loaded) */
int klp__refcnt(const struct klp_sys *sys, const char *name);
/*
 * The loaded module @name's srcversion (a hash of its sources, /sys/module/NAME/srcversion):
 * 0 or -errno. Only modules with a MODULE_VERSION have one, unless the kernel is built with
 * CONFIG_MODULE_SRCVERSION_ALL (Debian's 6.1 and 6.12 are not).
 */
int klp__srcversion(const struct klp_sys *sys, const char *name, char *buf, size_t len);
/*
 * The parameters module @name has now, as finit_module(2) takes them ("a=1 b=Y", by name;
 * "" for none), read from /sys/module/NAME/parameters: what loading it again needs to be
 * the same patch. 0, or -errno (-EINVAL: a value finit_module could not take back).
 */
int klp__params(const struct klp_sys *sys, const char *name, char *buf, size_t len);

/* ---- kernel facts ----------------------------------------------------------------------- */

struct klp_kernel {
	char release[65];      /* uname -r, read from /proc/sys/kernel/osrelease */
	unsigned int version;  /* KLP_KVER() of release, 0 if it does not parse */
	char uts_version[256]; /* /proc/sys/kernel/version: "#1 SMP PREEMPT_DYNAMIC ..." */
	bool livepatch;	       /* /sys/kernel/livepatch is a directory */
	int ftrace_enabled;    /* /proc/sys/kernel/ftrace_enabled: 1, 0, -1 absent */
	int sig_enforce;       /* /sys/module/module/parameters/sig_enforce: 1, 0, -1 absent */
	char lockdown[32];     /* [selected] word of /sys/kernel/security/lockdown, "" absent */
	bool have_taint;
	unsigned long taint; /* /proc/sys/kernel/tainted */
	char cmdline[4096];  /* /proc/cmdline, without the newline */
	bool kprobes;	     /* the kprobe PMU or tracefs kprobe_events exists */
	/*
	 * The rest of the vermagic that modules for this kernel must have (after the release):
	 * from the .modinfo of an in-tree module file under /lib/modules/<release>/ (listed in
	 * modules.dep, a loaded one first; .ko or .ko.gz), "" if none could be read.
	 */
	char ref_vermagic[KLP_VERMAGIC_MAX];
	char ref_vermagic_src[PATH_MAX];
};

/* fill @k; facts that cannot be read are marked absent, so only -ENOMEM is an error */
int klp_kernel__read(const struct klp_sys *sys, struct klp_kernel *k);

/*
 * Does a module with @vermagic fit the running kernel? The rule:
 *  1. the first word must equal the release (uname -r). The kernel itself skips this word
 *     when it has CONFIG_MODVERSIONS (kernel/module/version.c same_magic()), relying on
 *     symbol CRCs, but a livepatch is built for one exact kernel, so we do not;
 *  2. the remaining words ("SMP preempt mod_unload modversions ") must equal those of
 *     k->ref_vermagic when there is one;
 *  3. without a reference, "SMP", "preempt" and "preempt_rt" must agree with the SMP /
 *     PREEMPT / PREEMPT_RT words of /proc/sys/kernel/version (what mkcompile_h and
 *     vermagic.h derive both from); mod_unload and modversions cannot be checked.
 * Returns 0 if it fits, 1 if it fits as far as rule 3 can tell, -EINVAL if not; @why says
 * what was compared.
 */
int klp__vermagic_match(const struct klp_kernel *k, const char *vermagic, char *why, size_t len);

/*
 * Has a livepatch transition been forced on this boot? The kernel keeps no flag a reader can
 * see: klp_force_transition() sets patch->forced on every installed patch and logs
 * "livepatch: forcing remaining tasks to the patched state"; no taint bit is set. The
 * traces we look for:
 *  - that line in the kernel log (/dev/kmsg; lost if the ring buffer wrapped or was cleared);
 *  - a module tainted K (/sys/module/M/taint) that has no /sys/kernel/livepatch/M but a
 *    non-zero refcnt: a disabled (or replaced) patch whose module_put() was skipped because
 *    it was forced.
 * A forced patch that is still enabled leaves neither; hotcanary's own journal is the last
 * line of defence (the command layer's). Returns 1 with the evidence in @why, 0, or -errno.
 */
int klp__forced(const struct klp_sys *sys, char *why, size_t len);

#endif
