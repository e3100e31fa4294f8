// SPDX-License-Identifier: MIT
/*
 * evtping: the floor of `make bench`: an event-channel ping-pong between a guest user
 * process and a dom0 user process, both on /dev/xen/evtchn (raw ioctls, no library).
 *
 *   guest: evtping guest --n N [--warmup W] [--req CMD] [--raw FILE]
 *          allocates an unbound port for dom0, runs "CMD <port> <W+N>" (default
 *          "rig-req evtpeer": dom0 then starts the peer), waits for the peer's hello,
 *          then N+W times: notify, wait for the answer, unmask; prints
 *          "BENCH evtping rt_us_p50=..." (the round trip, us).
 *   dom0:  evtping peer --domid D --port P --count N
 *          binds to the guest's port, says hello, answers N notifications, exits
 *          (or after 20 s without one).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

typedef uint16_t domid_t; /* xen/sys/evtchn.h uses it without defining it */
#include <xen/sys/evtchn.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const double *s, int n, double p)
{
	int k = (int)(p / 100.0 * n + 0.999999) - 1;

	return s[k < 0 ? 0 : k >= n ? n - 1 : k];
}

/* wait for an event on our port, consume and unmask it; 0, or -1 on timeout/error */
static int wait_port(int fd, unsigned int port, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned int got;

	for (;;) {
		int r = poll(&p, 1, timeout_ms);

		if (r == 0)
			return -1;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (read(fd, &got, sizeof(got)) != sizeof(got))
			return -1;
		if (write(fd, &got, sizeof(got)) != sizeof(got)) /* unmask */
			return -1;
		if (got == port)
			return 0;
	}
}

static int notify(int fd, unsigned int port)
{
	struct ioctl_evtchn_notify n = { .port = port };

	return ioctl(fd, IOCTL_EVTCHN_NOTIFY, &n);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "n", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "domid", required_argument, NULL, 'd' },
		{ "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'c' },
		{ "req", required_argument, NULL, 'q' },
		{ "raw", required_argument, NULL, 'r' },
		{ 0 }
	};
	int n = 1000, warmup = 50, domid = -1, rport = -1, count = 0, c, fd;
	const char *req = "rig-req evtpeer", *rawf = NULL, *mode;

	if (argc < 2) {
		fprintf(stderr, "usage: evtping guest|peer [options]\n");
		return 2;
	}
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 'W': warmup = atoi(optarg); break;
		case 'd': domid = atoi(optarg); break;
		case 'p': rport = atoi(optarg); break;
		case 'c': count = atoi(optarg); break;
		case 'q': req = optarg; break;
		case 'r': rawf = optarg; break;
		default: return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("BENCH evtping error=\"open /dev/xen/evtchn: %s\"\n", strerror(errno));
		return 1;
	}

	if (!strcmp(mode, "peer")) {
		struct ioctl_evtchn_bind_interdomain bi = { .remote_domain = domid,
							    .remote_port = rport };
		int port = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bi), k;

		if (port < 0) {
			printf("evtping peer: bind to %d:%d: %s\n", domid, rport, strerror(errno));
			return 1;
		}
		printf("evtping peer: bound local port %d to %d:%d, %d answers\n", port, domid,
		       rport, count);
		/*
		 * Xen sets the new local port pending at bind_interdomain ("we may have lost
		 * notifications"): swallow that one, or it would count as the first ping.
		 */
		while (!wait_port(fd, port, 300))
			printf("evtping peer: swallowed the event of the bind\n");
		notify(fd, port); /* hello */
		for (k = 0; k < count; k++) {
			if (wait_port(fd, port, 20000)) {
				printf("evtping peer: no ping %d within 20 s\n", k);
				return 1;
			}
			notify(fd, port);
		}
		printf("evtping peer: answered %d pings\n", k);
		return 0;
	}

	/* guest */
	struct ioctl_evtchn_bind_unbound_port bu = { .remote_domain = 0 };
	int port = ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bu), total = n + warmup;
	char cmd[256];
	double *rt = calloc(total, sizeof(double)), t0, sum = 0;

	if (port < 0) {
		printf("BENCH evtping error=\"bind unbound port: %s\"\n", strerror(errno));
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "%s %d %d", req, port, total);
	if (system(cmd) != 0) {
		printf("BENCH evtping error=\"'%s' failed\"\n", cmd);
		return 1;
	}
	if (wait_port(fd, port, 20000)) {
		printf("BENCH evtping error=\"no hello from the dom0 peer within 20 s\"\n");
		return 1;
	}
	for (int i = 0; i < total; i++) {
		t0 = now_us();
		if (notify(fd, port) || wait_port(fd, port, 5000)) {
			printf("BENCH evtping error=\"no answer to ping %d within 5 s\"\n", i);
			return 1;
		}
		rt[i] = now_us() - t0;
	}
	double *s = rt + warmup;

	if (rawf) {
		FILE *f = fopen(rawf, "a");

		for (int i = 0; f && i < n; i += 25) {
			fprintf(f, "BENCHRAW evtping_rt_us");
			for (int j = i; j < n && j < i + 25; j++)
				fprintf(f, " %.1f", s[j]);
			fprintf(f, "\n");
		}
		if (f)
			fclose(f);
	}
	qsort(s, n, sizeof(double), cmp_d);
	for (int i = 0; i < n; i++)
		sum += s[i];
	printf("BENCH evtping port=%d rt_us_n=%d rt_us_p50=%.1f rt_us_p99=%.1f rt_us_mean=%.1f"
	       " rt_us_min=%.1f rt_us_max=%.1f\n", port, n, pct(s, n, 50), pct(s, n, 99),
	       sum / n, s[0], s[n - 1]);
	return 0;
}
