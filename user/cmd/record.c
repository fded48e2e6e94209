// SPDX-License-Identifier: GPL-2.0
/*
 * hotcanary record: per-window histograms and counts of functions into a recording file,
 * for 'hotcanary compare'.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "cmd.h"
#include "evloop.h"
#include "monitor.h"
#include "privs.h"
#include "recording.h"
#include "units.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hotcanary record [OPTIONS] -d DURATION -o FILE FUNC...\n"
		"\n"
		"  FUNC is kernel:NAME or user:PATH:SYMBOL, either with an optional @PID\n"
		"\n"
		"  -d, --duration DURATION   how long to record; DURATION / INTERVAL windows\n"
		"  -o, --output FILE         the recording (JSON), replaced atomically at the end\n"
		"  -i, --interval DURATION   the length of a window (default 1s)\n"
		"  -e, --errors PRED         error returns: none, neg, zero, nonzero (default: neg\n"
		"                            for kernel functions, none for user ones)\n"
		"  -m, --mode MODE           kernel probes: auto (default), fentry, kprobe\n"
		"  -D, --debug-dir DIR       look for stripped binaries' debug files under DIR too\n"
		"  -h, --help                this help\n"
		"\n"
		"  SIGINT or SIGTERM ends it early and keeps the whole windows recorded so far.\n"
		"  Compare two recordings with 'hotcanary compare A.json B.json'.\n"
		"\n"
		"exit status: 0 recorded, 2 bad usage, 1 any other error\n");
}

/* a directory the recording cannot be written to fails now, not after a long recording */
static int check_output_dir(const char *path)
{
	char *copy = strdup(path), *dir;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (access(dir, W_OK | X_OK))
		ret = -errno;
	free(copy);
	return ret;
}

static int fill_context(struct recording *r, struct monitor *mon, const struct hc_funcspec *specs,
			uint64_t interval_ns)
{
	size_t i;

	if (recording__set_context(r, monitor__mode_name(mon), interval_ns))
		return -ENOMEM;
	for (i = 0; i < r->nr_funcs; i++) {
		struct rec_func *f = &r->funcs[i];
		const char *path = monitor__func_path(mon, i);
		const char *bid = monitor__func_build_id(mon, i);

		/* monitor__add() keeps the order of the specs */
		f->spec = strdup(monitor__func_name(mon, i));
		f->kind = strdup(specs[i].kind == HC_FUNC_USER ? "user" : "kernel");
		f->symbol = strdup(specs[i].symbol);
		f->path = path ? strdup(path) : NULL;
		f->build_id = bid ? strdup(bid) : NULL;
		if (!f->spec || !f->kind || !f->symbol || (path && !f->path) ||
		    (bid && !f->build_id))
			return -ENOMEM;
	}
	return 0;
}

/* one window per timer tick until @nr_windows or a signal; partial windows are not kept */
static int record_loop(struct monitor *mon, struct recording *rec, uint64_t interval_ns,
		       uint64_t nr_windows)
{
	struct hc_snapshot *prev, *delta;
	uint64_t start, last, now, ticks;
	struct pollfd pfd[2];
	int tfd = -1, sfd, ret = 0;

	prev = calloc(rec->nr_funcs, sizeof(*prev));
	delta = calloc(rec->nr_funcs, sizeof(*delta));
	sfd = evloop__stop_fd(SFD_CLOEXEC);
	if (!prev || !delta || sfd < 0) {
		ret = prev && delta ? sfd : -ENOMEM;
		goto out;
	}
	/* the counters at the start: every window is a difference of two reads */
	ret = monitor__sample(mon, prev, delta);
	if (ret)
		goto out;
	start = last = time__mono_ns();
	tfd = evloop__timer_fd(interval_ns, TFD_CLOEXEC);
	if (tfd < 0) {
		ret = tfd;
		goto out;
	}
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	while (rec->nr_windows < nr_windows) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (pfd[0].revents)
			break;
		if (!pfd[1].revents || read(tfd, &ticks, sizeof(ticks)) != sizeof(ticks))
			continue;
		ret = monitor__sample(mon, prev, delta);
		now = time__mono_ns();
		ret = ret ?: recording__add_window(rec, last - start, now - last, delta);
		last = now;
		if (ret)
			break;
	}
out:
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	free(prev);
	free(delta);
	return ret;
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		{ "errors", required_argument, NULL, 'e' },
		{ "mode", required_argument, NULL, 'm' },
		{ "debug-dir", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t interval_ns = 1000000000ULL, duration_ns = 0, calls = 0;
	enum hc_probe_mode mode = HC_MODE_AUTO;
	int err_mode = -1, c, ret, i, nspecs = 0, rc = HC_EXIT_ERROR;
	struct recording rec = { 0 };
	struct hc_funcspec *specs = NULL;
	struct monitor_health health;
	struct monitor *mon = NULL;
	const char *output = NULL;
	char err[512], buf[32];
	size_t f, w;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:o:i:e:m:D:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (duration__parse(optarg, &duration_ns) || !duration_ns) {
				p_err("invalid duration '%s': expected e.g. 30s, 5m or 1h", optarg);
				return HC_EXIT_USAGE;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'i':
			if (duration__parse(optarg, &interval_ns) || interval_ns < 10000000ULL) {
				p_err("invalid interval '%s': expected a duration of at least 10ms, "
				      "e.g. 1s or 500ms",
				      optarg);
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
		case 'm':
			ret = probe_mode__parse(optarg);
			if (ret < 0) {
				p_err("invalid mode '%s': expected auto, fentry or kprobe", optarg);
				return HC_EXIT_USAGE;
			}
			mode = ret;
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
	if (!duration_ns || !output) {
		p_err("record needs -d DURATION and -o FILE, e.g. 'hotcanary record -d 30s -o "
		      "before.json user:/usr/bin/foo:parse'");
		return HC_EXIT_USAGE;
	}
	if (duration_ns < interval_ns) {
		p_err("duration %s is shorter than one interval; record for at least -i, better "
		      "10 times it",
		      duration__format(duration_ns, buf, sizeof(buf)));
		return HC_EXIT_USAGE;
	}
	if (optind >= argc) {
		p_err("no function to record; give at least one FUNC, e.g. 'kernel:vfs_read' or "
		      "'user:/usr/bin/foo:main'");
		return HC_EXIT_USAGE;
	}
	ret = check_output_dir(output);
	if (ret) {
		p_err("cannot write '%s': %s; choose another -o", output, strerror(-ret));
		return HC_EXIT_USAGE;
	}
	specs = calloc(argc - optind, sizeof(*specs));
	if (!specs)
		return HC_EXIT_ERROR;
	for (i = optind; i < argc; i++, nspecs++) {
		if (funcspec__parse(argv[i], &specs[nspecs], err, sizeof(err))) {
			p_err("invalid function '%s': %s", argv[i], err);
			rc = HC_EXIT_USAGE;
			goto out;
		}
	}
	if (require_bpf_privileges())
		goto out;
	ret = monitor__new(&mon, mode);
	if (ret) {
		p_err("cannot create the monitor: %s", strerror(-ret));
		goto out;
	}
	for (i = 0; i < nspecs; i++) {
		ret = monitor__add(mon, &specs[i], funcspec__err_mode(&specs[i], err_mode), err,
				   sizeof(err));
		if (ret) {
			p_err("cannot record '%s': %s", specs[i].text, err);
			goto out;
		}
	}
	ret = monitor__load(mon, err, sizeof(err));
	if (ret) {
		p_err("%s", err);
		goto out;
	}
	evloop__block_stop();
	ret = monitor__attach(mon, err, sizeof(err));
	if (ret) {
		p_err("%s", err);
		goto out;
	}
	ret = recording__init(&rec, monitor__func_cnt(mon));
	ret = ret ?: fill_context(&rec, mon, specs, interval_ns);
	if (ret) {
		p_err("cannot record: %s", strerror(-ret));
		goto out;
	}
	/* attached and described: what is left is to read the maps and write -o */
	ret = privs__drop(PRIVS_WRITE, err, sizeof(err));
	if (ret) {
		p_err("cannot give up the capabilities record no longer needs: %s", err);
		goto out;
	}
	p_info("recording %zu function%s (%s) for %s in %llu windows; Ctrl-C to stop early",
	       rec.nr_funcs, rec.nr_funcs == 1 ? "" : "s", rec.probe_mode,
	       duration__format(duration_ns, buf, sizeof(buf)),
	       (unsigned long long)(duration_ns / interval_ns));
	ret = record_loop(mon, &rec, interval_ns, duration_ns / interval_ns);
	monitor__health(mon, &health);
	monitor__detach(mon);
	if (ret) {
		p_err("recording failed: %s", strerror(-ret));
		goto out;
	}
	if (!rec.nr_windows) {
		p_err("stopped before the first window ended; nothing was written to '%s'", output);
		goto out;
	}
	rec.storage_fail = health.storage_fail;
	rec.prog_misses = health.prog_misses;
	ret = recording__save(&rec, output, err, sizeof(err));
	if (ret) {
		p_err("cannot write '%s': %s", output, err);
		goto out;
	}
	for (f = 0; f < rec.nr_funcs; f++)
		for (w = 0; w < rec.nr_windows; w++)
			calls += rec.funcs[f].win[w].calls;
	p_info("wrote '%s': %zu windows, %llu calls", output, rec.nr_windows,
	       (unsigned long long)calls);
	rc = HC_EXIT_OK;
out:
	monitor__free(mon);
	recording__free(&rec);
	for (i = 0; i < nspecs; i++)
		funcspec__free(&specs[i]);
	free(specs);
	return rc;
}
