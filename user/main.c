// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary: an eBPF safety monitor and staged activator for hotpatches.
 * Command dispatch in the style of bpftool and iproute2: "hotcanary COMMAND [ARGS]".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cmd.h"

#define HC_VERSION "0.1.0"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct cmd commands[] = {
	{ "watch", cmd_watch, "measure functions and report guardrail events" },
	{ "record", cmd_record, "record functions' latency per window into a file" },
	{ "compare", cmd_compare, "compare two recordings: deltas, intervals, p-values" },
	{ "check", cmd_check, "run the compatibility checks of a policy; change nothing" },
	{ "ab", cmd_ab, "switch a patch off and on in turns; compare the on and off periods" },
	{ "run", cmd_run, "apply a patch in stages, judge it, commit or roll back" },
	{ "status", cmd_status, "what hotcanary has applied: journals and kernel, mismatches" },
	{ "revert", cmd_revert, "take out a rollout by name" },
	{ "recover", cmd_recover, "finish what an interrupted run left: roll it back" },
	{ "resume", cmd_resume, "end a run the judge held: commit or roll back its patch" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "show this help" },
	{ 0 },
};

static int cmd_help(int argc, char **argv)
{
	const struct cmd *c;

	printf("usage: hotcanary [-v] COMMAND [ARGS]\n\ncommands:\n");
	for (c = commands; c->name; c++)
		printf("  %-10s %s\n", c->name, c->summary);
	printf("\n'hotcanary COMMAND -h' shows the options of a command.\n");
	return HC_EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
	printf("hotcanary %s (libbpf %s)\n", HC_VERSION, libbpf_version_string());
	return HC_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (argc > 1 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--verbose"))) {
		verbose++;
		argc--;
		argv++;
	}
	libbpf_setup();
	if (argc < 2)
		return cmd_help(0, NULL), HC_EXIT_USAGE;
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cmd_help(0, NULL);
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))
		return cmd_version(0, NULL);
	for (c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->fn(argc - 1, argv + 1);
	p_err("'%s' is not a command; see 'hotcanary help'", argv[1]);
	return HC_EXIT_USAGE;
}
