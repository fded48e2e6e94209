// SPDX-License-Identifier: GPL-2.0
/*
 * Bundled demo workload: a toy request server that parses and handles requests in a loop,
 * with realistic latency spread and an occasional malformed request. hotcanary's quick start
 * hotpatches parse_request() in it (tools/demo/fix_*.c); 'watch' can measure it too.
 *   demo [-w WORKERS] [SECONDS [TUNE_FILE]]   run for SECONDS (default: until killed), in
 *                                             WORKERS processes (default 1)
 *
 * TUNE_FILE, when given, stands in for a patch that changes parse_request(): it holds
 * "EXTRA_US ERROR_PERCENT" and is read again every 100 requests, so a test or a demo can
 * make the function slower or failing while hotcanary judges it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

struct request {
	char line[64];
	int len;
};

static unsigned int rng = 2463534242u;
static long extra_ns;
static unsigned int error_pct = 2;

static void read_tune(const char *path)
{
	long us = 0;
	unsigned int pct = 2;
	FILE *f = fopen(path, "r");

	if (!f) {
		extra_ns = 0;
		error_pct = 2;
		return;
	}
	if (fscanf(f, "%ld %u", &us, &pct) >= 1) {
		extra_ns = us * 1000;
		error_pct = pct;
	}
	fclose(f);
}

static unsigned int next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void work_ns(long ns)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < ns);
}

/* returns the request length, or -1 for a malformed request (2% unless tuned) */
__attribute__((noinline)) int parse_request(struct request *r)
{
	unsigned int x = next_rand();

	r->len = snprintf(r->line, sizeof(r->line), "GET /item/%u HTTP/1.1", x % 1000);
	work_ns(20000 + (x % 16) * 2000 + extra_ns);
	return (x >> 8) % 100 < error_pct ? -1 : r->len;
}

/* 0 on success; a slow path every 100th request */
__attribute__((noinline)) int handle_request(const struct request *r)
{
	unsigned int x = next_rand();

	work_ns(x % 100 == 0 ? 2000000 : 50000 + (x % 8) * 5000);
	return 0;
}

static void serve(time_t end, const char *tune)
{
	unsigned long n = 0;
	struct request r;

	while (!end || time(NULL) < end) {
		if (tune && n++ % 100 == 0)
			read_tune(tune);
		if (parse_request(&r) >= 0)
			handle_request(&r);
		usleep(200);
	}
}

static void stop_workers(int sig)
{
	/* the workers are our process group: take them with us */
	signal(sig, SIG_DFL);
	kill(0, sig);
}

int main(int argc, char **argv)
{
	int c, i, workers = 1;
	time_t end;

	while ((c = getopt(argc, argv, "w:")) != -1) {
		if (c != 'w' || (workers = atoi(optarg)) < 1 || workers > 64) {
			fprintf(stderr, "usage: demo [-w WORKERS] [SECONDS [TUNE_FILE]]\n");
			return 2;
		}
	}
	argc -= optind - 1;
	argv += optind - 1;
	end = argc > 1 && atoi(argv[1]) > 0 ? time(NULL) + atoi(argv[1]) : 0;
	if (workers == 1) {
		serve(end, argc > 2 ? argv[2] : NULL);
		return 0;
	}
	setpgid(0, 0);
	signal(SIGTERM, stop_workers);
	signal(SIGINT, stop_workers);
	for (i = 0; i < workers; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("demo: fork");
			stop_workers(SIGTERM);
		}
		if (!pid) {
			rng ^= (unsigned int)getpid() * 2654435761u;
			serve(end, argc > 2 ? argv[2] : NULL);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	return 0;
}
