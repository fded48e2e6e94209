/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the event loops of watch, record and run share: SIGINT and SIGTERM taken as events
 * (so that a stop always ends in a clean detach), and a periodic interval timer.
 */
#ifndef HC_EVLOOP_H
#define HC_EVLOOP_H

#include <stdint.h>

/* block SIGINT and SIGTERM, before anything is attached that a stop must take out */
void evloop__block_stop(void);
/* a signalfd of SIGINT and SIGTERM (blocked first); @flags: SFD_*; the fd or -errno */
int evloop__stop_fd(int flags);
/* a CLOCK_MONOTONIC timerfd firing every @interval_ns from now; @flags: TFD_*; fd or -errno */
int evloop__timer_fd(uint64_t interval_ns, int flags);

#endif
