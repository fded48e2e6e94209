/* SPDX-License-Identifier: GPL-2.0 */
/* What recover, revert and resume share, in the command layer: replaying a journal's plan. */
#ifndef HC_REPLAY_H
#define HC_REPLAY_H

struct journal;

/* open NAME's journal for revert or resume; 0 or the exit code, said */
int replay__open(const char *dir, const char *name, const char *what, struct journal **j);
/*
 * Replay the plan of an open journal, then close the rollout as rolled back; each step is
 * printed unless @quiet. 0, or -errno (a failed step or journal write is said).
 */
int replay__plan(struct journal *j, const char *name, int quiet);
/* take out everything the journal says is applied: revert_start, then the plan; exit code */
int replay__take_back(struct journal *j, const char *name, const char *reason);

#endif
