// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary watch: calls, errors and latency of functions, and guardrail events, per interval.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "cmd.h"
#include "evloop.h"
#include "guard.h"
#include "monitor.h"
#include "privs.h"
#include "prom.h"
#include "render.h"
#include "units.h"

struct watch {
	struct monitor *mon;
	struct guard *guard;
	struct render *render;
	size_t nr;
	struct hc_snapshot *prev;  /* counters at the end of the last interval */
	struct hc_snapshot *delta; /* the last interval */
	struct hc_snapshot *total; /* since the start */
	struct render_row *rows;
	uint64_t start_ns, last_ns;
	const char *prom_path; /* --prom-file */
	struct prom_func *prom;
	int prom_err; /* the last write's error, reported once per change */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hotcanary watch [OPTIONS] FUNC...\n"
		"\n"
		"  FUNC is kernel:[MODULE:]NAME or user:PATH:SYMBOL, either with an optional @PID\n"
		"\n"
		"  -i, --interval DURATION   report every DURATION (default 1s)\n"
		"  -d, --duration DURATION   stop after DURATION (default: until SIGINT/SIGTERM)\n"
		"  -e, --errors PRED         error returns: none, neg, zero, nonzero (default: neg\n"
		"                            for kernel functions, none for user ones)\n"
		"  -j, --json                one JSON object per interval and per event (JSON Lines)\n"
		"  -m, --mode MODE           kernel probes: auto (default), fentry, kprobe\n"
		"  -s, --signals WHICH       fatal signals of: all processes, or watched ones\n"
		"                            (default: all if a kernel function is watched)\n"
		"  -p, --prom-file PATH      write Prometheus metrics to PATH every interval, for\n"
		"                            node_exporter's textfile collector (PATH ends in .prom)\n"
		"  -D, --debug-dir DIR       look for stripped binaries' debug files under DIR too\n"
		"                            (DIR/.build-id/, as /usr/lib/debug); repeatable\n"
		"  -h, --help                this help\n"
		"\n"
		"  DURATION is a number with ms, s, m or h, e.g. 500ms, 10s.\n"
		"\n"
		"exit status: 0 watched until the end, 2 bad usage or input, 1 any other error\n");
}

/* the counters since the start, for Prometheus: a failed write is reported, not fatal */
static void watch_prom(struct watch *w)
{
	size_t i;
	int ret;

	for (i = 0; i < w->nr; i++) {
		w->prom[i].name = monitor__func_name(w->mon, i);
		w->prom[i].total = &w->total[i];
	}
	ret = prom__write_file(w->prom_path, w->prom, w->nr, NULL);
	if (ret && ret != w->prom_err)
		p_err("cannot write '%s': %s; will try again every interval", w->prom_path,
		      strerror(-ret));
	else if (!ret && w->prom_err)
		p_info("wrote '%s' again", w->prom_path);
	w->prom_err = ret;
}

static void on_event(const struct guard_event *ev, void *ctx)
{
	struct watch *w = ctx;

	render__event(w->render, ev);
}

/* close interval: read every function, diff against the previous read, render */
static void watch_tick(struct watch *w, int final)
{
	uint64_t now = time__mono_ns();
	struct render_frame f = { 0 };
	size_t i;

	if (monitor__sample(w->mon, w->prev, w->delta))
		memset(w->delta, 0, w->nr * sizeof(*w->delta));
	for (i = 0; i < w->nr; i++) {
		snapshot__accumulate(&w->total[i], &w->delta[i]);
		w->rows[i].name = monitor__func_name(w->mon, i);
		w->rows[i].interval = final ? &w->total[i] : &w->delta[i];
		w->rows[i].total = &w->total[i];
	}
	f.interval_ns = final ? now - w->start_ns : now - w->last_ns;
	f.elapsed_ns = now - w->start_ns;
	f.final = final;
	f.mode = monitor__mode_name(w->mon);
	f.rows = w->rows;
	f.nr_rows = w->nr;
	monitor__health(w->mon, &f.health);
	f.events_dropped = guard__dropped(w->guard);
	w->last_ns = now;
	render__frame(w->render, &f);
	if (w->prom_path)
		watch_prom(w);
}

static int epoll_add(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd < 0)
		return 0;
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int watch_loop(struct watch *w, uint64_t interval_ns, uint64_t duration_ns)
{
	int ep = -1, tfd = -1, sfd = -1, ret = 0, stop = 0;
	uint64_t deadline = duration_ns ? w->start_ns + duration_ns : 0;

	sfd = evloop__stop_fd(SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = evloop__timer_fd(interval_ns, TFD_CLOEXEC | TFD_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || tfd < 0 || ep < 0) {
		ret = sfd < 0 ? sfd : tfd < 0 ? tfd : -errno;
		p_err("cannot set up the event loop: %s", strerror(-ret));
		goto out;
	}
	ret = epoll_add(ep, sfd)				 ?:
		      epoll_add(ep, tfd)			 ?:
		      epoll_add(ep, guard__ringbuf_fd(w->guard)) ?:
		      epoll_add(ep, guard__kmsg_fd(w->guard));
	if (ret) {
		p_err("cannot set up the event loop: %s", strerror(-ret));
		goto out;
	}
	while (!stop) {
		struct epoll_event evs[8];
		int n, i, timeout = -1;
		uint64_t now = time__mono_ns();

		if (deadline) {
			if (now >= deadline)
				break;
			timeout = (int)((deadline - now + 999999) / 1000000);
		}
		n = epoll_wait(ep, evs, 8, timeout);
		if (n < 0 && errno != EINTR) {
			ret = -errno;
			p_err("event loop failed: %s", strerror(-ret));
			break;
		}
		guard__poll(w->guard);
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == sfd) {
				stop = 1;
			} else if (evs[i].data.fd == tfd) {
				uint64_t ticks;

				if (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks) &&
				    (!deadline || time__mono_ns() < deadline))
					watch_tick(w, 0);
			}
		}
	}
	guard__poll(w->guard);
	watch_tick(w, 1);
out:
	if (ep >= 0)
		close(ep);
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	return ret;
}

int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "errors", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "mode", required_argument, NULL, 'm' },
		{ "signals", required_argument, NULL, 's' },
		{ "prom-file", required_argument, NULL, 'p' },
		{ "debug-dir", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t interval_ns = 1000000000ULL, duration_ns = 0, t0;
	enum hc_probe_mode mode = HC_MODE_AUTO;
	int err_mode = -1, json = 0, signals = -1, c, ret, i, any_kernel = 0;
	struct hc_funcspec *specs = NULL;
	struct watch w = { 0 };
	char err[1024];
	int nspecs = 0, rc = HC_EXIT_ERROR;

	optind = 1;
	while ((c = getopt_long(argc, argv, "i:d:e:jm:s:p:D:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (duration__parse(optarg, &interval_ns) || interval_ns < 10000000ULL) {
				p_err("invalid interval '%s': expected a duration of at least 10ms, "
				      "e.g. 1s or 500ms",
				      optarg);
				return HC_EXIT_USAGE;
			}
			break;
		case 'd':
			if (duration__parse(optarg, &duration_ns) || !duration_ns) {
				p_err("invalid duration '%s': expected e.g. 30s, 5m or 1h", optarg);
				return HC_EXIT_USAGE;
			}
			break;
		case 'e':
			err_mode = err_mode__parse(optarg);
			if (err_mode < 0) {
				p_err("invalid error predicate '%s': expected none, neg, zero or nonzero",
				      optarg);
				return HC_EXIT_USAGE;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'm':
			ret = probe_mode__parse(optarg);
			if (ret < 0) {
				p_err("invalid mode '%s': expected auto, fentry or kprobe", optarg);
				return HC_EXIT_USAGE;
			}
			mode = ret;
			break;
		case 's':
			if (!strcmp(optarg, "all"))
				signals = 1;
			else if (!strcmp(optarg, "watched"))
				signals = 0;
			else {
				p_err("invalid --signals '%s': expected all or watched", optarg);
				return HC_EXIT_USAGE;
			}
			break;
		case 'p':
			w.prom_path = optarg;
			break;
		case 'D':
			if (debug_dir__add(optarg))
				return HC_EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return HC_EXIT_OK;
		default:
			usage(stderr);
			return HC_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		p_err("no function to watch; give at least one FUNC, e.g. 'kernel:vfs_read' or "
		      "'user:/usr/bin/foo:main'");
		return HC_EXIT_USAGE;
	}
	/* every spec is checked before anything is loaded or attached */
	specs = calloc(argc - optind, sizeof(*specs));
	if (!specs)
		return HC_EXIT_ERROR;
	for (i = optind; i < argc; i++, nspecs++) {
		if (funcspec__parse(argv[i], &specs[nspecs], err, sizeof(err))) {
			p_err("invalid function '%s': %s", argv[i], err);
			rc = HC_EXIT_USAGE;
			goto out;
		}
		any_kernel |= specs[nspecs].kind == HC_FUNC_KERNEL;
	}
	if (require_bpf_privileges())
		goto out;
	ret = monitor__new(&w.mon, mode);
	if (ret) {
		p_err("cannot create the monitor: %s", strerror(-ret));
		goto out;
	}
	for (i = 0; i < nspecs; i++) {
		ret = monitor__add(w.mon, &specs[i], funcspec__err_mode(&specs[i], err_mode), err,
				   sizeof(err));
		if (ret) {
			p_err("cannot watch '%s': %s", specs[i].text, err);
			goto out;
		}
	}
	w.nr = monitor__func_cnt(w.mon);
	w.prev = calloc(w.nr, sizeof(*w.prev));
	w.delta = calloc(w.nr, sizeof(*w.delta));
	w.total = calloc(w.nr, sizeof(*w.total));
	w.rows = calloc(w.nr, sizeof(*w.rows));
	w.prom = calloc(w.nr, sizeof(*w.prom));
	if (!w.prev || !w.delta || !w.total || !w.rows || !w.prom)
		goto out;
	ret = render__new(&w.render,
			  json			? RENDER_JSON :
			  isatty(STDOUT_FILENO) ? RENDER_TTY :
						  RENDER_TEXT,
			  stdout);
	if (ret)
		goto out;
	t0 = time__mono_ns();
	ret = monitor__load(w.mon, err, sizeof(err));
	if (ret) {
		p_err("%s", err);
		goto out;
	}
	if (signals < 0)
		signals = any_kernel;
	ret = guard__new(&w.guard, monitor__watched_fd(w.mon), signals, on_event, &w);
	ret = ret ?: guard__attach(w.guard, err, sizeof(err));
	if (ret) {
		p_err("%s", err);
		goto out;
	}
	for (i = 0; i < nspecs; i++)
		if (specs[i].pid)
			guard__watch_pid(w.guard, specs[i].pid);
	/* a signal before the loop starts must still end in a clean detach */
	evloop__block_stop();
	ret = monitor__attach(w.mon, err, sizeof(err));
	if (ret) {
		p_err("%s", err);
		goto out;
	}
	/* attached: what is left to do reads maps through their fds, and writes --prom-file */
	ret = privs__drop(w.prom_path ? PRIVS_WRITE : PRIVS_NONE, err, sizeof(err));
	if (ret) {
		p_err("cannot give up the capabilities watch no longer needs: %s", err);
		goto out;
	}
	p_info("watching %zu function%s (%s), attached in %.1f ms; Ctrl-C to stop", w.nr,
	       w.nr == 1 ? "" : "s", monitor__mode_name(w.mon),
	       (double)(time__mono_ns() - t0) / 1e6);
	w.start_ns = w.last_ns = time__mono_ns();
	ret = watch_loop(&w, interval_ns, duration_ns);
	rc = ret ? HC_EXIT_ERROR : HC_EXIT_OK;
out:
	monitor__free(w.mon);
	guard__free(w.guard);
	render__free(w.render);
	for (i = 0; i < nspecs; i++)
		funcspec__free(&specs[i]);
	free(specs);
	free(w.prev);
	free(w.delta);
	free(w.total);
	free(w.rows);
	free(w.prom);
	return rc;
}
