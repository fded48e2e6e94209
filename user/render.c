// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "render.h"
#include "taint.h"
#include "units.h"

#define TTY_EVENTS 8

struct render {
	enum render_format fmt;
	FILE *out;
	/* terminal: the last frame is drawn again when an event arrives */
	char *events[TTY_EVENTS];
	size_t nr_events;
	struct render_frame last;
	int have_last;
};

int render__new(struct render **rp, enum render_format fmt, FILE *out)
{
	struct render *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->fmt = fmt;
	r->out = out;
	*rp = r;
	return 0;
}

const char *signal__name(int sig, char *buf, size_t len)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	case SIGILL:
		return "SIGILL";
	case SIGFPE:
		return "SIGFPE";
	case SIGABRT:
		return "SIGABRT";
	case SIGSYS:
		return "SIGSYS";
	default:
		snprintf(buf, len, "SIG%d", sig);
		return buf;
	}
}

static double per_sec(uint64_t n, uint64_t ns)
{
	return ns ? (double)n * 1e9 / (double)ns : 0;
}

/* a quantile interpolated inside its bucket can overshoot the largest value actually seen */
static uint64_t quantile(const struct hc_snapshot *s, double q)
{
	uint64_t v = hist__quantile(s->hist, q);

	return s->max_ns && v > s->max_ns ? s->max_ns : v;
}

static void json_add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void emit_json(FILE *out, struct json_object *o)
{
	fprintf(out, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(out);
	json_object_put(o);
}

static void frame_json(struct render *r, const struct render_frame *f)
{
	struct json_object *o = json_object_new_object(), *fa = json_object_new_array(), *h;
	size_t i;
	unsigned int b;

	json_add_u64(o, "interval_ns", f->interval_ns);
	json_add_u64(o, "elapsed_ns", f->elapsed_ns);
	if (f->final)
		json_object_object_add(o, "final", json_object_new_boolean(1));
	json_object_object_add(o, "mode", json_object_new_string(f->mode));
	for (i = 0; i < f->nr_rows; i++) {
		const struct render_row *row = &f->rows[i];
		const struct hc_snapshot *s = row->interval, *t = row->total;
		struct json_object *fo = json_object_new_object(), *hist = json_object_new_array();

		json_object_object_add(fo, "name", json_object_new_string(row->name));
		json_add_u64(fo, "calls", s->calls);
		json_add_u64(fo, "errors", s->errors);
		json_add_u64(fo, "calls_total", t->calls);
		json_add_u64(fo, "errors_total", t->errors);
		json_add_u64(fo, "p50_ns", quantile(s, 0.50));
		json_add_u64(fo, "p90_ns", quantile(s, 0.90));
		json_add_u64(fo, "p99_ns", quantile(s, 0.99));
		json_add_u64(fo, "max_ns", s->max_ns);
		json_add_u64(fo, "mean_ns", s->calls ? s->sum_ns / s->calls : 0);
		/* the histogram since the start: per-interval ones are deltas of consecutive lines */
		for (b = 0; b < HC_HIST_BUCKETS; b++) {
			struct json_object *e;

			if (!t->hist[b])
				continue;
			e = json_object_new_array();
			json_object_array_add(e, json_object_new_uint64(hc_hist_lower(b)));
			json_object_array_add(e, json_object_new_uint64(hc_hist_upper(b)));
			json_object_array_add(e, json_object_new_uint64(t->hist[b]));
			json_object_array_add(hist, e);
		}
		json_object_object_add(fo, "hist", hist);
		json_add_u64(fo, "orphan_exits", t->orphan_exits);
		json_add_u64(fo, "lost_exits", t->lost_exits);
		json_add_u64(fo, "depth_overflows", t->depth_overflows);
		json_object_array_add(fa, fo);
	}
	json_object_object_add(o, "functions", fa);
	h = json_object_new_object();
	json_add_u64(h, "storage_fail", f->health.storage_fail);
	json_add_u64(h, "prog_misses", f->health.prog_misses);
	json_add_u64(h, "events_dropped", f->events_dropped);
	json_object_object_add(o, "health", h);
	emit_json(r->out, o);
}

static void frame_table(struct render *r, const struct render_frame *f)
{
	char a[16], b[16], c[16], d[16];
	uint64_t orphans = 0, lost = 0, deep = 0;
	size_t i, w = 8;

	for (i = 0; i < f->nr_rows; i++)
		if (strlen(f->rows[i].name) > w)
			w = strlen(f->rows[i].name);
	if (r->fmt == RENDER_TTY)
		fputs("\033[H\033[2J", r->out);
	fprintf(r->out, "hotcanary watch  mode %s  elapsed %.1fs%s\n", f->mode,
		(double)f->elapsed_ns / 1e9, f->final ? "  (totals)" : "");
	fprintf(r->out, "%-*s %10s %10s %9s %9s %9s %9s %12s\n", (int)w, "FUNCTION", "CALLS/s",
		"ERRORS/s", "P50", "P90", "P99", "MAX", "CALLS");
	for (i = 0; i < f->nr_rows; i++) {
		const struct hc_snapshot *s = f->rows[i].interval, *t = f->rows[i].total;

		fprintf(r->out, "%-*s %10.1f %10.1f %9s %9s %9s %9s %12llu\n", (int)w,
			f->rows[i].name, per_sec(s->calls, f->interval_ns),
			per_sec(s->errors, f->interval_ns),
			duration__format(quantile(s, 0.5), a, sizeof(a)),
			duration__format(quantile(s, 0.9), b, sizeof(b)),
			duration__format(quantile(s, 0.99), c, sizeof(c)),
			duration__format(s->max_ns, d, sizeof(d)), (unsigned long long)t->calls);
		orphans += t->orphan_exits;
		lost += t->lost_exits;
		deep += t->depth_overflows;
	}
	/* a monitor that silently misses calls must not look healthy: always show the counts */
	fprintf(r->out,
		"drops: orphan exits %llu, lost exits %llu, too deep %llu, no storage %llu, "
		"missed runs %llu, events dropped %llu\n",
		(unsigned long long)orphans, (unsigned long long)lost, (unsigned long long)deep,
		(unsigned long long)f->health.storage_fail,
		(unsigned long long)f->health.prog_misses, (unsigned long long)f->events_dropped);
	if (r->fmt == RENDER_TTY) {
		if (r->nr_events)
			fputs("\nguardrail events:\n", r->out);
		for (i = 0; i < r->nr_events; i++)
			fprintf(r->out, "  %s\n", r->events[i]);
	} else {
		fputc('\n', r->out);
	}
	fflush(r->out);
}

void render__frame(struct render *r, const struct render_frame *f)
{
	if (r->fmt == RENDER_JSON) {
		frame_json(r, f);
		return;
	}
	r->last = *f;
	r->have_last = 1;
	frame_table(r, f);
}

static const char *kind_name(enum guard_kind k)
{
	switch (k) {
	case GUARD_FATAL_SIGNAL:
		return "fatal_signal";
	case GUARD_FATAL_EXIT:
		return "fatal_exit";
	case GUARD_OOM_KILL:
		return "oom_kill";
	case GUARD_EXIT:
		return "exit";
	case GUARD_KERNEL_LOG:
		return "kernel_log";
	case GUARD_TAINT:
		return "taint";
	}
	return "unknown";
}

static void event_json(struct render *r, const struct guard_event *ev)
{
	struct json_object *o = json_object_new_object();
	const struct hc_event *e = ev->bpf;
	char buf[64];

	json_object_object_add(o, "event", json_object_new_string(kind_name(ev->kind)));
	json_add_u64(o, "ts_ns", ev->ts_ns);
	if (e) {
		json_add_u64(o, "pid", e->pid);
		json_object_object_add(o, "comm",
				       json_object_new_string_len(e->comm,
								  strnlen(e->comm,
									  sizeof(e->comm))));
		json_object_object_add(o, "watched", json_object_new_boolean(e->watched));
	}
	switch (ev->kind) {
	case GUARD_FATAL_SIGNAL:
		json_add_u64(o, "tid", e->tid);
		json_object_object_add(o, "signal",
				       json_object_new_string(
					       signal__name(e->sig, buf, sizeof(buf))));
		json_object_object_add(o, "si_code", json_object_new_int(e->code));
		json_add_u64(o, "sender_pid", e->sender_pid);
		json_object_object_add(o, "sender_comm",
				       json_object_new_string_len(e->sender_comm,
								  strnlen(e->sender_comm,
									  sizeof(e->sender_comm))));
		json_object_object_add(o, "handled", json_object_new_boolean(e->handled));
		break;
	case GUARD_FATAL_EXIT:
		json_object_object_add(o, "signal",
				       json_object_new_string(
					       signal__name(e->sig, buf, sizeof(buf))));
		json_object_object_add(o, "core_dumped", json_object_new_boolean(e->code & 0x80));
		break;
	case GUARD_OOM_KILL:
		break;
	case GUARD_EXIT:
		json_object_object_add(o, "status", json_object_new_int((e->code >> 8) & 0xff));
		break;
	case GUARD_KERNEL_LOG:
		json_object_object_add(o, "class", json_object_new_string(ev->log_class));
		json_object_object_add(o, "message", json_object_new_string(ev->log_text));
		break;
	case GUARD_TAINT:
		json_object_object_add(o, "new",
				       json_object_new_string(
					       taint__letters(ev->taint_new, buf, sizeof(buf))));
		json_object_object_add(o, "tainted",
				       json_object_new_string(
					       taint__letters(ev->taint_all, buf, sizeof(buf))));
		json_add_u64(o, "mask", ev->taint_all);
		break;
	}
	emit_json(r->out, o);
}

static void event_text(const struct guard_event *ev, char *out, size_t len)
{
	const struct hc_event *e = ev->bpf;
	char sig[16], t1[48], t2[48];
	time_t now = time(NULL);
	char when[16];

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	switch (ev->kind) {
	case GUARD_FATAL_SIGNAL:
		snprintf(out, len, "%s fatal signal %s to pid %u (%.16s) from pid %u (%.16s)%s%s",
			 when, signal__name(e->sig, sig, sizeof(sig)), e->pid, e->comm,
			 e->sender_pid, e->sender_comm, e->watched ? " [watched]" : "",
			 e->handled ? " [has handler]" : "");
		break;
	case GUARD_FATAL_EXIT:
		snprintf(out, len, "%s pid %u (%.16s) killed by %s%s%s", when, e->pid, e->comm,
			 signal__name(e->sig, sig, sizeof(sig)),
			 e->code & 0x80 ? " (core dumped)" : "", e->watched ? " [watched]" : "");
		break;
	case GUARD_OOM_KILL:
		snprintf(out, len, "%s OOM killer chose pid %u (%.16s)", when, e->pid, e->comm);
		break;
	case GUARD_EXIT:
		snprintf(out, len, "%s pid %u (%.16s) exited with status %d%s", when, e->pid,
			 e->comm, (e->code >> 8) & 0xff, e->watched ? " [watched]" : "");
		break;
	case GUARD_KERNEL_LOG:
		snprintf(out, len, "%s kernel %s: %s", when, ev->log_class, ev->log_text);
		break;
	case GUARD_TAINT:
		snprintf(out, len, "%s kernel taint: new %s, now %s", when,
			 taint__letters(ev->taint_new, t1, sizeof(t1)),
			 taint__letters(ev->taint_all, t2, sizeof(t2)));
		break;
	}
}

void render__event(struct render *r, const struct guard_event *ev)
{
	char line[1200];

	if (r->fmt == RENDER_JSON) {
		event_json(r, ev);
		return;
	}
	event_text(ev, line, sizeof(line));
	if (r->fmt == RENDER_TEXT) {
		fprintf(r->out, "event: %s\n", line);
		fflush(r->out);
		return;
	}
	if (r->nr_events == TTY_EVENTS) {
		free(r->events[0]);
		memmove(r->events, r->events + 1, (TTY_EVENTS - 1) * sizeof(r->events[0]));
		r->nr_events--;
	}
	r->events[r->nr_events] = strdup(line);
	if (r->events[r->nr_events])
		r->nr_events++;
	if (r->have_last)
		frame_table(r, &r->last);
}

void render__free(struct render *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nr_events; i++)
		free(r->events[i]);
	free(r);
}
