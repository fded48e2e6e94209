// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "atomic_file.h"

int atomic_file__write(const char *path, atomic_file_fill fill, void *ctx)
{
	const char *slash = strrchr(path, '/');
	char *tmp;
	FILE *f;
	int fd, ret;

	/* hidden: node_exporter's textfile collector skips it until the rename */
	if (asprintf(&tmp, "%.*s.%s.XXXXXX", slash ? (int)(slash - path + 1) : 0, path,
		     slash ? slash + 1 : path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		free(tmp);
		return ret;
	}
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		goto out;
	}
	ret = fill(f, ctx);
	if (!ret && (fflush(f) || fsync(fileno(f))))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
out:
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

struct json_fill {
	struct json_object *o;
	int flags;
};

static int fill_json(FILE *f, void *ctx)
{
	const struct json_fill *j = ctx;
	const char *text = json_object_to_json_string_ext(j->o, j->flags);

	if (!text)
		return -ENOMEM;
	return fputs(text, f) == EOF || fputc('\n', f) == EOF ? -EIO : 0;
}

int atomic_file__write_json(const char *path, struct json_object *o, int flags)
{
	struct json_fill j = { o, flags };

	return atomic_file__write(path, fill_json, &j);
}
