/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command layer: the only code that prints to the user. user/main.c dispatches to one
 * file per command, user/cmd/NAME.c; the other files of user/cmd/ are what commands share,
 * for no command calls another's code.
 */
#ifndef HC_CMD_H
#define HC_CMD_H

#include <stdarg.h>

/* exit codes shared by every command */
#define HC_EXIT_OK	    0
#define HC_EXIT_ERROR	    1 /* failed, system left as it was */
#define HC_EXIT_USAGE	    2 /* bad usage or bad input */
#define HC_EXIT_ROLLED_BACK 3 /* the patch was applied, then rolled back */
#define HC_EXIT_REFUSED	    4 /* refused by a check, before any change */
/* the judge could not decide: the patch stays as its stage had it till 'hotcanary resume' */
#define HC_EXIT_HELD	    5

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* -v given N times; main() counts them */
extern int verbose;

/* cmd/common.c: "hotcanary: <message>" on stderr, one line */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* route libbpf's messages: warnings kept for the error context, debug only with -v */
void libbpf_setup(void);
/* 0 if the process may load BPF programs; else prints why and returns -EPERM */
int require_bpf_privileges(void);

/* cmd/options.c: the -e and --mode values of watch and record: the enum value, or -EINVAL */
int err_mode__parse(const char *s);
int probe_mode__parse(const char *s);
/*
 * --debug-dir DIR of every command that resolves user symbols: one more root for separate
 * debug files (elfsym__add_debug_dir()). Prints what is wrong; 0 or HC_EXIT_USAGE.
 */
int debug_dir__add(const char *dir);
/*
 * The arguments of a command whose only option is --state-dir DIR: the directory (the
 * default if not given) and in @first the index of the first operand; NULL and -1 for an
 * unknown option; for -h, @help printed on stdout, NULL and STATE_DIR_HELP.
 */
#define STATE_DIR_HELP (-2)
const char *state_dir__parse(int argc, char **argv, const char *help, int *first);
/* the exit status lines of the commands that replay journals, for their -h */
#define HC_HELP_JOURNAL_EXITS                                                                  \
	"\nexit status: 0 did what was asked, 1 failed (the message says what is left),\n"     \
	"             2 bad usage, 4 the state directory or a journal breaks the trust rule\n" \
	"             (nothing from it is run)\n"
/*
 * The directories above the state directory @dir, 0755 where missing: a minimal system may
 * lack /var/lib itself. The journal creates the state directory, 0700, or a ulp copy does.
 */
void state_dir__mkparents(const char *dir);

/* the commands, cmd/NAME.c each */
int cmd_watch(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_ab(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_revert(int argc, char **argv);
int cmd_recover(int argc, char **argv);
int cmd_resume(int argc, char **argv);

#endif
