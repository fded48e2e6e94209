/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output of 'watch': a refreshing table on a terminal, plain text blocks in a pipe, or JSON
 * Lines with --json. One code path decides what is shown; only the format differs.
 */
#ifndef HC_RENDER_H
#define HC_RENDER_H

#include <stdint.h>
#include <stdio.h>
#include "guard.h"
#include "histogram.h"
#include "monitor.h"

enum render_format {
	RENDER_TEXT,
	RENDER_TTY,
	RENDER_JSON,
};

struct render_row {
	const char *name;
	const struct hc_snapshot *interval; /* this interval, or the whole run if final */
	const struct hc_snapshot *total;    /* since the start */
};

struct render_frame {
	uint64_t interval_ns;
	uint64_t elapsed_ns;
	int final;
	const char *mode;
	const struct render_row *rows;
	size_t nr_rows;
	struct monitor_health health;
	uint64_t events_dropped;
};

struct render;

int render__new(struct render **r, enum render_format fmt, FILE *out);
void render__frame(struct render *r, const struct render_frame *f);
void render__event(struct render *r, const struct guard_event *ev);
void render__free(struct render *r);

/* "SIGSEGV" for the fatal signals, "SIG<n>" otherwise */
const char *signal__name(int sig, char *buf, size_t len);

#endif
