// SPDX-License-Identifier: GPL-2.0
/* ulp_image__open(): everything about a patch that the files alone can tell. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "elfsym.h"
#include "sha256.h"
#include "state_copy.h"
#include "trust.h"
#include "ulp_int.h"

#define REF_PREFIX   "hotcanary_ref__"
/* the dlopen path must fit in the trampoline page beside the stub and the slots */
#define ULP_PATH_MAX 2048

static void hex(const uint8_t *id, size_t n, char *out, size_t len)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n && 2 * i + 2 < len; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

/*
 * Where old and new are probed (insn__probe_skip(): past an endbr64), and the instruction
 * there: a uprobe's cost depends on it (the kernel emulates some and single-steps the
 * others out of line), so the arms compare alike only if their probes cost the same
 * (tools/docs/design/ulp-redirection.md §2). Not deciding anything, an unreadable one is "?".
 */
static void probe_insn(const uint8_t *code, size_t size, char *text, size_t tlen, size_t *skip)
{
	size_t n;

	*skip = insn__probe_skip(code, size);
	if (insn__first(code + *skip, size - *skip, &n, text, tlen))
		snprintf(text, tlen, "?");
	else if (*skip)
		snprintf(text + strlen(text), tlen - strlen(text), ", past its endbr64");
}

static void first_insns(const struct ulp_image *img, struct ulp_image_func *f,
			const uint8_t *old_code)
{
	size_t so, sn;
	uint8_t *code;

	probe_insn(old_code, f->old.size, f->old_first, sizeof(f->old_first), &so);
	f->old_skip = so;
	snprintf(f->new_first, sizeof(f->new_first), "?");
	f->same_first = false;
	if (elfsym__read_code(img->library, &f->new, &code))
		return;
	probe_insn(code, f->new.size, f->new_first, sizeof(f->new_first), &sn);
	f->same_first =
		insn__same_probe_cost(old_code + so, f->old.size - so, code + sn, f->new.size - sn);
	free(code);
}

static int check_func(struct ulp_image *img, struct ulp_image_func *f, char *err, size_t len)
{
	char why[256];
	uint8_t *code;
	int ret;

	ret = elfsym__resolve(img->target, f->old_sym, &f->old, why, sizeof(why));
	if (ret) {
		snprintf(err, len, "cannot redirect '%s': %s", f->old_sym, why);
		return ret;
	}
	ret = elfsym__resolve(img->library, f->new_sym, &f->new, why, sizeof(why));
	if (ret) {
		snprintf(err, len, "no replacement for '%s': %s", f->old_sym, why);
		return ret;
	}
	if (!f->new.is_dyn) {
		snprintf(err, len, "'%s' is not a shared library; build the fix with -fPIC -shared",
			 img->library);
		return -ENOEXEC;
	}
	if (!f->old.size) {
		snprintf(err, len, "'%s' in '%s' has no size in its symbol table; cannot check it",
			 f->old_sym, img->target);
		return -EINVAL;
	}
	ret = elfsym__read_code(img->target, &f->old, &code);
	if (ret) {
		snprintf(err, len, "cannot read '%s' from '%s': %s", f->old_sym, img->target,
			 strerror(-ret));
		return ret;
	}
	ret = insn__check_site(code, f->old.size, f->old.vaddr, f->old_sym, &f->insn, err, len);
	if (!ret) {
		first_insns(img, f, code);
		f->head_len = f->insn.covered_end - f->old.vaddr;
		if (f->head_len > ULP_HEAD_MAX) {
			snprintf(err, len, "'%s': the instructions a jump overwrites are too long",
				 f->old_sym);
			ret = -EINVAL;
		} else {
			memcpy(f->head, code, f->head_len);
		}
	}
	free(code);
	return ret;
}

static int add_ref(struct ulp_image *img, const struct elfsymtab *target,
		   const struct elfsymtab_sym *ptr, char *err, size_t len)
{
	const char *name = ptr->name + strlen(REF_PREFIX);
	const struct elfsymtab_sym *s;
	struct ulp_image_ref *nr;
	bool ambiguous;
	size_t i;

	for (i = 0; i < img->nr_refs; i++)
		if (!strcmp(img->refs[i].name, name))
			return 0;
	if (ptr->type != STT_OBJECT || ptr->size != sizeof(uint64_t)) {
		snprintf(err, len, "'%s' in '%s' must be a pointer variable, e.g. 'long *%s'",
			 ptr->name, img->library, ptr->name);
		return -EINVAL;
	}
	s = elfsymtab__find(target, name, &ambiguous);
	if (!s) {
		snprintf(err, len,
			 "'%s' wants '%s', which '%s' does not define (stripped, or "
			 "another version?)",
			 img->library, name, img->target);
		return -ENOENT;
	}
	if (ambiguous) {
		snprintf(err, len,
			 "'%s' wants '%s', of which '%s' has several; rename the "
			 "reference",
			 img->library, name, img->target);
		return -ENOTUNIQ;
	}
	nr = realloc(img->refs, (img->nr_refs + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	img->refs = nr;
	nr = &img->refs[img->nr_refs];
	nr->name = strdup(name);
	if (!nr->name)
		return -ENOMEM;
	nr->lib_vaddr = ptr->value;
	nr->target_vaddr = s->value;
	img->nr_refs++;
	return 0;
}

static int collect_refs(struct ulp_image *img, char *err, size_t len)
{
	struct elfsymtab lib, target;
	size_t i, pl = strlen(REF_PREFIX);
	int ret;

	ret = elfsymtab__load(img->library, &lib, err, len);
	if (ret)
		return ret;
	ret = elfsymtab__load(img->target, &target, err, len);
	if (ret) {
		elfsymtab__free(&lib);
		return ret;
	}
	for (i = 0; i < lib.n && !ret; i++)
		if (!strncmp(lib.v[i].name, REF_PREFIX, pl) && lib.v[i].name[pl])
			ret = add_ref(img, &target, &lib.v[i], err, len);
	if (ret == -ENOMEM)
		snprintf(err, len, "out of memory reading '%s'", img->library);
	elfsymtab__free(&lib);
	elfsymtab__free(&target);
	return ret;
}

static int stat_file(const char *path, dev_t *dev, ino_t *ino, char *err, size_t len)
{
	struct stat st;

	if (stat(path, &st)) {
		int ret = -errno;

		snprintf(err, len, "cannot stat '%s': %s", path, strerror(errno));
		return ret;
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

/*
 * The library runs as its target's user, root included: it must pass the trust rule, and
 * match its pin when the policy has one. -EACCES or -EBADF, with the file and the remedy.
 */
static int library_trusted(const char *path, const uint8_t *pin, char *err, size_t len)
{
	uint8_t digest[SHA256_DIGEST_LEN];
	char got[65], want[65];
	int fd, ret;

	fd = trust__open_file(path, "the patch library", err, len);
	if (fd < 0)
		return fd;
	ret = pin ? sha256__fd(fd, digest) : 0;
	close(fd);
	if (ret) {
		snprintf(err, len, "cannot read the patch library '%s': %s", path, strerror(-ret));
		return ret;
	}
	if (pin && memcmp(digest, pin, SHA256_DIGEST_LEN)) {
		snprintf(err, len,
			 "the patch library '%s' has sha256 %s, the policy pins %s: the "
			 "wrong file, or it changed; rebuild it or fix the pin",
			 path, sha256__hex(digest, got), sha256__hex(pin, want));
		return -EBADF;
	}
	return 0;
}

/*
 * img->library: the copy of img->source in spec->copy_dir, which checks the trust rule and
 * the pin on the bytes it writes, or img->source itself, checked here.
 */
static int library_take(struct ulp_image *img, const struct ulp_spec *spec, char *err, size_t len)
{
	uint8_t digest[SHA256_DIGEST_LEN];
	char copy[PATH_MAX];
	int ret;

	if (!spec->copy_dir) {
		ret = library_trusted(img->source, spec->sha256, err, len);
		if (!ret && !(img->library = strdup(img->source))) {
			snprintf(err, len, "out of memory opening the patch '%s'", spec->library);
			ret = -ENOMEM;
		}
		return ret;
	}
	ret = state_copy__store(&(struct state_copy){ .dir = spec->copy_dir,
						      .dir_mode = 0711,
						      .src = img->source,
						      .what = "the patch library",
						      .suffix = ".so",
						      .mode = 0644,
						      .pin = spec->sha256 },
				copy, sizeof(copy), digest, err, len);
	if (ret)
		return ret;
	/* dlopen() in the process needs an absolute path */
	img->library = realpath(copy, NULL);
	if (!img->library) {
		ret = -errno;
		snprintf(err, len, "cannot find the copy '%s' of the patch library: %s", copy,
			 strerror(errno));
	}
	return ret;
}

int ulp_image__open(struct ulp_image **out, const struct ulp_spec *spec, char *err, size_t len)
{
	char want[2 * 64 + 1];
	struct ulp_image *img;
	size_t i;
	int ret;

	*out = NULL;
	if (!spec->nr_funcs || spec->nr_funcs > ULP_MAX_FUNCS) {
		snprintf(err, len, "a patch redirects 1 to %d functions, not %zu", ULP_MAX_FUNCS,
			 spec->nr_funcs);
		return -EINVAL;
	}
	if (!spec->build_id_len || spec->build_id_len > 64) {
		snprintf(err, len, "no build-id for '%s': name the one the patch was built for",
			 spec->target);
		return -EINVAL;
	}
	img = calloc(1, sizeof(*img));
	if (!img)
		goto nomem;
	img->source = realpath(spec->library, NULL);
	if (!img->source) {
		ret = -errno;
		snprintf(err, len, "cannot find the patch library '%s': %s", spec->library,
			 strerror(errno));
		goto fail;
	}
	img->target = realpath(spec->target, NULL);
	if (!img->target) {
		ret = -errno;
		snprintf(err, len, "cannot find the target '%s': %s", spec->target,
			 strerror(errno));
		goto fail;
	}
	ret = library_take(img, spec, err, len);
	if (ret)
		goto fail;
	if (strlen(img->library) >= ULP_PATH_MAX) {
		snprintf(err, len, "the path of '%s' is too long to pass to dlopen", img->library);
		ret = -ENAMETOOLONG;
		goto fail;
	}
	ret = stat_file(img->library, &img->lib_dev, &img->lib_ino, err, len);
	if (!ret)
		ret = stat_file(img->target, &img->target_dev, &img->target_ino, err, len);
	if (ret)
		goto fail;
	img->strict = spec->strict;
	img->deadline_ns = spec->deadline_ns ? spec->deadline_ns : ULP_DEADLINE_NS;
	img->call_timeout_ns = spec->call_timeout_ns ? spec->call_timeout_ns : ULP_CALL_TIMEOUT_NS;
	img->f = calloc(spec->nr_funcs, sizeof(*img->f));
	if (!img->f)
		goto nomem;
	img->nr = spec->nr_funcs;
	for (i = 0; i < img->nr; i++) {
		img->f[i].old_sym = strdup(spec->funcs[i].old_sym);
		img->f[i].new_sym = strdup(spec->funcs[i].new_sym);
		if (!img->f[i].old_sym || !img->f[i].new_sym)
			goto nomem;
		ret = check_func(img, &img->f[i], err, len);
		if (ret)
			goto fail;
		if (i == 0) {
			hex(spec->build_id, spec->build_id_len, want, sizeof(want));
			snprintf(img->build_id, sizeof(img->build_id), "%s",
				 img->f[0].old.build_id);
			if (strcmp(want, img->build_id)) {
				snprintf(err, len,
					 "'%s' has build-id %s, the patch is for %s; it was "
					 "built for another version of the file",
					 img->target, img->build_id[0] ? img->build_id : "(none)",
					 want);
				ret = -EBADF;
				goto fail;
			}
		}
	}
	ret = collect_refs(img, err, len);
	if (ret)
		goto fail;
	*out = img;
	return 0;
nomem:
	snprintf(err, len, "out of memory opening the patch '%s'", spec->library);
	ret = -ENOMEM;
fail:
	ulp_image__free(img);
	return ret;
}

void ulp_image__free(struct ulp_image *img)
{
	size_t i;

	if (!img)
		return;
	for (i = 0; i < img->nr; i++) {
		free(img->f[i].old_sym);
		free(img->f[i].new_sym);
	}
	for (i = 0; i < img->nr_refs; i++)
		free(img->refs[i].name);
	free(img->refs);
	free(img->f);
	free(img->library);
	free(img->source);
	free(img->target);
	free(img);
}

uint64_t ulp_image__old_offset(const struct ulp_image *img, size_t i)
{
	return i < img->nr ? img->f[i].old.offset : 0;
}

uint64_t ulp_image__new_offset(const struct ulp_image *img, size_t i)
{
	return i < img->nr ? img->f[i].new.offset : 0;
}

bool ulp_image__entry_kept(const struct ulp_image *img, size_t i)
{
	return i < img->nr && img->f[i].insn.site > img->f[i].old.vaddr;
}

bool ulp_image__probe_on_site(const struct ulp_image *img, size_t i)
{
	return i < img->nr && img->f[i].old.vaddr + img->f[i].old_skip == img->f[i].insn.site;
}

bool ulp_image__same_first(const struct ulp_image *img, size_t i, const char **old_first,
			   const char **new_first)
{
	if (i >= img->nr)
		return false;
	*old_first = img->f[i].old_first;
	*new_first = img->f[i].new_first;
	return img->f[i].same_first;
}

const char *ulp_image__library(const struct ulp_image *img)
{
	return img->library;
}
