/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files that readers must never see half written (reports, recordings, pictures, the
 * Prometheus textfile): written into a hidden temporary file next to the target, flushed to
 * disk, then renamed over it. A failed write leaves the old file as it was.
 */
#ifndef HC_ATOMIC_FILE_H
#define HC_ATOMIC_FILE_H

#include <stdio.h>

/* @fill writes the content into @f and returns 0 or -errno */
typedef int (*atomic_file_fill)(FILE *f, void *ctx);

/*
 * Replace @path with what @fill writes; the file is readable by all (0644), as a collector
 * or a web server may run as another user. 0, or the -errno of @fill or of the file system.
 */
int atomic_file__write(const char *path, atomic_file_fill fill, void *ctx);
/* the same for one JSON text and a newline; @flags as for json_object_to_json_string_ext */
struct json_object;
int atomic_file__write_json(const char *path, struct json_object *o, int flags);

#endif
