// SPDX-License-Identifier: GPL-2.0
/*
 * The options more than one command takes: -e and --mode of watch, record and run,
 * --debug-dir of every command that resolves user symbols, --state-dir alone of status,
 * recover and revert.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "cmd.h"
#include "elfsym.h"
#include "journal.h"
#include "monitor.h"

int err_mode__parse(const char *s)
{
	static const char *const names[] = {
		[HC_ERR_NONE] = "none",
		[HC_ERR_NEG] = "neg",
		[HC_ERR_ZERO] = "zero",
		[HC_ERR_NONZERO] = "nonzero",
	};
	int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -EINVAL;
}

int probe_mode__parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return HC_MODE_AUTO;
	if (!strcmp(s, "fentry"))
		return HC_MODE_FENTRY;
	if (!strcmp(s, "kprobe"))
		return HC_MODE_KPROBE;
	return -EINVAL;
}

int debug_dir__add(const char *dir)
{
	struct stat st;
	int ret;

	if (stat(dir, &st)) {
		p_err("invalid --debug-dir '%s': %s", dir, strerror(errno));
		return HC_EXIT_USAGE;
	}
	if (!S_ISDIR(st.st_mode)) {
		p_err("invalid --debug-dir '%s': not a directory", dir);
		return HC_EXIT_USAGE;
	}
	ret = elfsym__add_debug_dir(dir);
	if (ret) {
		p_err("too many --debug-dir options: at most 8");
		return HC_EXIT_USAGE;
	}
	return 0;
}

const char *state_dir__parse(int argc, char **argv, const char *help, int *first)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dir = JOURNAL_DEFAULT_DIR;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 's') {
			dir = optarg;
		} else if (c == 'h') {
			fputs(help, stdout);
			*first = STATE_DIR_HELP;
			return NULL;
		} else {
			*first = -1;
			return NULL;
		}
	}
	*first = optind;
	return dir;
}

void state_dir__mkparents(const char *dir)
{
	char path[PATH_MAX], *p;

	snprintf(path, sizeof(path), "%s", dir);
	for (p = path + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
}
