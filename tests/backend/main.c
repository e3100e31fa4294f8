/* SPDX-License-Identifier: MIT */
/*
 * vdispl-be main: options, logging (trace.log, status.txt), signals and
 * the poll() loop over XenStore watches, event channels and timers.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xenevtchn.h>

#include "vdispl-be.h"

struct options opt = {
	.out_dir = "/out",
	.versions = "1,2",
	.fault_op = -1,
	.fault_conn = -1,
};

xenevtchn_handle *g_xce;
uint64_t g_requests, g_violations, g_notes, g_dumps;
uint64_t g_random_acts;
static FILE *trace_fp;
static int64_t t0;
static bool status_is_dirty;
static int64_t status_last;

int selftest_main(void);

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

double t_rel(void)
{
	return (double)(now_ns() - t0) / 1e9;
}

static void vline(FILE *fp, const char *prefix, const char *fmt, va_list ap)
{
	va_list aq;

	if (!fp)
		return;
	va_copy(aq, ap);
	fputs(prefix, fp);
	vfprintf(fp, fmt, aq);
	fputc('\n', fp);
	va_end(aq);
}

void trace(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(trace_fp, "", fmt, ap);
	if (opt.verbose)
		vline(stderr, "", fmt, ap);
	va_end(ap);
}

static void report(const char *kind, struct device *d, int conn, const char *fmt, va_list ap)
{
	char msg[600], line[800];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (d)
		snprintf(line, sizeof(line), "%s: t=%.3f dev=%u/%u conn=%d %s", kind, t_rel(),
			 d->fe_domid, d->devid, conn, msg);
	else
		snprintf(line, sizeof(line), "%s: t=%.3f %s", kind, t_rel(), msg);
	if (trace_fp)
		fprintf(trace_fp, "%s\n", line);
	if (!opt.quiet)
		fprintf(stderr, "%s\n", line);
}

void violation(struct device *d, int conn, const char *fmt, ...)
{
	va_list ap;

	/*
	 * After --fault-random garbled something, what the frontend does may
	 * be our own doing (e.g. an FB_ATTACH of a dbuf we claimed to create):
	 * recorded, not counted as a violation.
	 */
	if (opt.fault == FAULT_RANDOM && g_random_acts) {
		g_notes++;
		va_start(ap, fmt);
		report("AFTER-FAULT", d, conn, fmt, ap);
		va_end(ap);
		return;
	}
	g_violations++;
	if (d)
		d->violations++;
	va_start(ap, fmt);
	report("VIOLATION", d, conn, fmt, ap);
	va_end(ap);
	status_dirty();
}

void note(struct device *d, int conn, const char *fmt, ...)
{
	va_list ap;

	g_notes++;
	va_start(ap, fmt);
	report("NOTE", d, conn, fmt, ap);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vdispl-be: %s\n", msg);
	if (trace_fp)
		fprintf(trace_fp, "%.3f INFO %s\n", t_rel(), msg);
}

void status_dirty(void)
{
	status_is_dirty = true;
}

static const char *mode_name(enum dev_mode m)
{
	switch (m) {
	case DM_NEW: return "new";
	case DM_WAIT: return "wait";
	case DM_CONNECTED: return "connected";
	case DM_RESET: return "reset";
	case DM_CLOSED: return "closed";
	}
	return "?";
}

static void write_status(void)
{
	char buf[16384];
	size_t n = 0;
	unsigned int ndev = 0;

	for (struct device *d = g_devs; d; d = d->next)
		ndev++;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		"backend pid=%d uptime=%.3f devices=%u requests=%llu violations=%llu "
		"notes=%llu dumps=%llu fault=%s\n", (int)getpid(), t_rel(), ndev,
		(unsigned long long)g_requests, (unsigned long long)g_violations,
		(unsigned long long)g_notes, (unsigned long long)g_dumps,
		opt.fault_str ? opt.fault_str : "none");
	for (struct device *d = g_devs; d && n < sizeof(buf) - 400; d = d->next) {
		char ver[16];

		if (d->version)
			snprintf(ver, sizeof(ver), "%d", d->version);
		else
			snprintf(ver, sizeof(ver), "none");
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			"dev %u/%u state=%d version=%s conns=%u dbufs=%u fbs=%u flips=%llu "
			"violations=%llu requests=%llu fe_state=%d mode=%s\n",
			d->fe_domid, d->devid, d->be_state, ver,
			d->mode == DM_CONNECTED ? d->nconns : 0, d->ndbufs, d->nfbs,
			(unsigned long long)d->flips, (unsigned long long)d->violations,
			(unsigned long long)d->requests, d->fe_state < -1 ? -1 : d->fe_state,
			mode_name(d->mode));
	}
	char path[4200];
	snprintf(path, sizeof(path), "%s/status.txt", opt.out_dir);
	if (write_file_atomic(path, buf, n) != 0)
		info("cannot write %s: %s", path, strerror(errno));
	status_is_dirty = false;
	status_last = now_ns();
}

/* ------------------------------------------------------------------ */
/* Options                                                             */

static void usage(FILE *fp)
{
	fprintf(fp,
"usage: vdispl-be [options]\n"
"  --out DIR            output directory (default /out)\n"
"  --versions LIST      backend 'versions' node (default \"1,2\")\n"
"  --no-versions        write no 'versions' node (like libxl/displ_be)\n"
"  --no-edid            answer GET_EDID with -XEN_EOPNOTSUPP\n"
"  --edid-modes WxH,..  extra EDID modes after the preferred one (max %d)\n"
"  --fault MODE         delay:MS noanswer error:ERRNO badid badop garbage\n"
"                       dropevents close:N\n"
"  --fault-random SEED[,PERMILLE[,COUNT]]  garble PERMILLE/1000 (default 150) of\n"
"                       the eligible requests' answers and events at random\n"
"                       (seeded), COUNT garbled items in all (default 60), then\n"
"                       behave\n"
"  --fault-after N      fault only requests after the N-th (default 0)\n"
"  --fault-op OP        fault only this op (DBUF_CREATE ... GET_EDID)\n"
"  --fault-conn N       fault only requests on connector N's ring\n"
"  --restart            after close:N go back to InitWait\n"
"  --vsync-hz N         deliver EVT_PG_FLIP on the next tick of an N Hz clock\n"
"  --refuse-formats F,..  refuse FB_ATTACH of these fourccs (e.g. RG16,AR24)\n"
"                       with -EINVAL, as displ_be does for formats its display\n"
"                       cannot show\n"
"  --domid N            our own domain id (default 0)\n"
"  --verbose            copy trace lines to stderr\n"
"  --selftest           run offline tests (no Xen needed) and exit\n"
"  --write-edid WxH:FILE  write the EDID served for a WxH connector, exit\n",
		MAX_EDID_MODES);
}

static bool parse_num(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_fault(const char *s)
{
	static const struct { const char *name; enum fault_kind k; bool arg; long min, max; } t[] = {
		{ "delay", FAULT_DELAY, true, 0, 600000 },
		{ "noanswer", FAULT_NOANSWER, false, 0, 0 },
		{ "error", FAULT_ERROR, true, 1, 4095 },
		{ "badid", FAULT_BADID, false, 0, 0 },
		{ "badop", FAULT_BADOP, false, 0, 0 },
		{ "garbage", FAULT_GARBAGE, false, 0, 0 },
		{ "dropevents", FAULT_DROPEVENTS, false, 0, 0 },
		{ "close", FAULT_CLOSE, true, 1, 1000000000 },
	};
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (strlen(t[i].name) != len || strncmp(s, t[i].name, len))
			continue;
		if (t[i].arg != !!colon)
			return false;
		if (colon) {
			const char *a = colon + 1;
			if (t[i].k == FAULT_ERROR && *a == '-')
				a++;   /* accept error:-22 too */
			if (!parse_num(a, t[i].min, t[i].max, &opt.fault_arg))
				return false;
		}
		opt.fault = t[i].k;
		opt.fault_str = s;
		return true;
	}
	return false;
}

static bool parse_modes(const char *s)
{
	char *dup = strdup(s), *save = NULL;
	bool ok = true;

	for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned int w, h;
		char extra;

		if (opt.n_edid_modes >= MAX_EDID_MODES ||
		    sscanf(tok, "%ux%u%c", &w, &h, &extra) != 2 ||
		    !w || !h || w > 4095 || h > 4095) {
			ok = false;
			break;
		}
		opt.edid_modes[opt.n_edid_modes].w = w;
		opt.edid_modes[opt.n_edid_modes].h = h;
		opt.n_edid_modes++;
	}
	free(dup);
	return ok;
}

static bool parse_versions(const char *s)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!(*p >= '0' && *p <= '9') && !(*p == ',' && p[1] && p[1] != ','))
			return false;
	return *s != ',';
}

/* SEED[,PERMILLE[,COUNT]] */
static bool parse_fault_random(const char *s)
{
	unsigned long long seed;
	unsigned int pm = 150, cnt = 60;
	int n = 0;
	char *end;

	errno = 0;
	seed = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return false;
	if (*end == ',') {
		if (sscanf(end + 1, "%u%n", &pm, &n) != 1 || pm > 1000)
			return false;
		end += 1 + n;
		if (*end == ',') {
			if (sscanf(end + 1, "%u%n", &cnt, &n) != 1 || cnt > 1000000)
				return false;
			end += 1 + n;
		}
	}
	if (*end)
		return false;
	opt.fault = FAULT_RANDOM;
	opt.fault_seed = seed;
	opt.fault_permille = pm;
	opt.fault_count = cnt;
	opt.fault_str = s;
	return true;
}

static const char *write_edid;

static int do_write_edid(const char *arg)
{
	uint8_t buf[128 * 4];
	unsigned int w, h;
	int n, len;
	FILE *f;

	if (sscanf(arg, "%ux%u:%n", &w, &h, &n) != 2 || !arg[n]) {
		fprintf(stderr, "bad --write-edid %s (want WxH:FILE)\n", arg);
		return 2;
	}
	len = edid_build(buf, sizeof(buf), (struct mode){ w, h }, opt.edid_modes,
			 opt.n_edid_modes);
	if (len < 0) {
		fprintf(stderr, "cannot build an EDID for %ux%u\n", w, h);
		return 1;
	}
	f = fopen(arg + n, "wb");
	if (!f || fwrite(buf, 1, (size_t)len, f) != (size_t)len || fclose(f) != 0) {
		perror(arg + n);
		return 1;
	}
	return 0;
}

/* "RG16,AR24": fourcc codes of 4 characters (a space is allowed, as in "C8  ") */
static bool parse_refuse_formats(const char *s)
{
	while (*s) {
		size_t n = strcspn(s, ",");

		if (n != 4 || opt.n_refuse_formats >= ARRAY_SIZE(opt.refuse_formats))
			return false;
		opt.refuse_formats[opt.n_refuse_formats++] = FOURCC(s[0], s[1], s[2], s[3]);
		s += n;
		if (*s == ',')
			s++;
	}
	return opt.n_refuse_formats > 0;
}

static int parse_args(int argc, char **argv, bool *selftest)
{
	enum { O_OUT = 256, O_VERSIONS, O_NOVERSIONS, O_NOEDID, O_EDIDMODES, O_FAULT, O_FAULTRND,
	       O_FAULTAFTER, O_FAULTOP, O_FAULTCONN, O_RESTART, O_VSYNC, O_DOMID, O_VERBOSE,
	       O_SELFTEST, O_WRITEEDID, O_REFUSEFMT, O_HELP };
	static const struct option lo[] = {
		{ "out", required_argument, 0, O_OUT },
		{ "versions", required_argument, 0, O_VERSIONS },
		{ "no-versions", no_argument, 0, O_NOVERSIONS },
		{ "no-edid", no_argument, 0, O_NOEDID },
		{ "edid-modes", required_argument, 0, O_EDIDMODES },
		{ "fault", required_argument, 0, O_FAULT },
		{ "fault-random", required_argument, 0, O_FAULTRND },
		{ "fault-after", required_argument, 0, O_FAULTAFTER },
		{ "fault-op", required_argument, 0, O_FAULTOP },
		{ "fault-conn", required_argument, 0, O_FAULTCONN },
		{ "restart", no_argument, 0, O_RESTART },
		{ "vsync-hz", required_argument, 0, O_VSYNC },
		{ "domid", required_argument, 0, O_DOMID },
		{ "refuse-formats", required_argument, 0, O_REFUSEFMT },
		{ "verbose", no_argument, 0, O_VERBOSE },
		{ "selftest", no_argument, 0, O_SELFTEST },
		{ "write-edid", required_argument, 0, O_WRITEEDID },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 }
	};
	int c;
	long v;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_OUT: opt.out_dir = optarg; break;
		case O_VERSIONS:
			if (!parse_versions(optarg)) {
				fprintf(stderr, "bad --versions %s\n", optarg);
				return -1;
			}
			opt.versions = optarg;
			break;
		case O_NOVERSIONS: opt.versions = NULL; break;
		case O_NOEDID: opt.no_edid = true; break;
		case O_EDIDMODES:
			if (!parse_modes(optarg)) {
				fprintf(stderr, "bad --edid-modes %s\n", optarg);
				return -1;
			}
			break;
		case O_FAULT:
			if (!parse_fault(optarg)) {
				fprintf(stderr, "bad --fault %s\n", optarg);
				return -1;
			}
			break;
		case O_FAULTRND:
			if (!parse_fault_random(optarg)) {
				fprintf(stderr, "bad --fault-random %s (want SEED[,PERMILLE[,COUNT]])\n",
					optarg);
				return -1;
			}
			break;
		case O_FAULTAFTER:
			if (!parse_num(optarg, 0, 2000000000, &v)) {
				fprintf(stderr, "bad --fault-after %s\n", optarg);
				return -1;
			}
			opt.fault_after = (uint64_t)v;
			break;
		case O_FAULTOP:
			opt.fault_op = op_by_name(optarg);
			if (opt.fault_op < 0) {
				fprintf(stderr, "bad --fault-op %s\n", optarg);
				return -1;
			}
			break;
		case O_FAULTCONN:
			if (!parse_num(optarg, 0, 15, &v)) {
				fprintf(stderr, "bad --fault-conn %s\n", optarg);
				return -1;
			}
			opt.fault_conn = (int)v;
			break;
		case O_RESTART: opt.restart = true; break;
		case O_VSYNC:
			if (!parse_num(optarg, 1, 1000, &v)) {
				fprintf(stderr, "bad --vsync-hz %s\n", optarg);
				return -1;
			}
			opt.vsync_hz = (unsigned int)v;
			break;
		case O_DOMID:
			if (!parse_num(optarg, 0, 32767, &v)) {
				fprintf(stderr, "bad --domid %s\n", optarg);
				return -1;
			}
			opt.domid = (unsigned int)v;
			break;
		case O_REFUSEFMT:
			if (!parse_refuse_formats(optarg)) {
				fprintf(stderr, "bad --refuse-formats %s\n", optarg);
				return -1;
			}
			break;
		case O_VERBOSE: opt.verbose = true; break;
		case O_SELFTEST: *selftest = true; break;
		case O_WRITEEDID: write_edid = optarg; break;
		case O_HELP: usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int mkdir_p(const char *dir)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			mkdir(tmp, 0755);
			*p = '/';
		}
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int open_trace(void)
{
	char path[4200];

	if (mkdir_p(opt.out_dir) != 0) {
		fprintf(stderr, "vdispl-be: cannot create %s: %s\n", opt.out_dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/trace.log", opt.out_dir);
	trace_fp = fopen(path, "a");
	if (!trace_fp) {
		fprintf(stderr, "vdispl-be: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	setvbuf(trace_fp, NULL, _IOLBF, 0);
	return 0;
}

int main(int argc, char **argv)
{
	bool selftest = false;
	struct pollfd pfd[3];
	sigset_t mask;
	int sfd, xfd, efd;
	bool quit = false;

	t0 = now_ns();
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (parse_args(argc, argv, &selftest) != 0)
		return 2;
	if (selftest)
		return selftest_main();
	if (write_edid)
		return do_write_edid(write_edid);
	if (open_trace() != 0)
		return 1;
	srandom((unsigned int)getpid());

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		info("signalfd: %s", strerror(errno));
		return 1;
	}

	trace("%.3f INFO start pid=%d versions=%s edid=%s modes=%u fault=%s after=%llu op=%s "
	      "conn=%d restart=%d vsync=%u", t_rel(), (int)getpid(), opt.versions ? opt.versions : "none",
	      opt.no_edid ? "no" : "yes", opt.n_edid_modes, opt.fault_str ? opt.fault_str : "none",
	      (unsigned long long)opt.fault_after,
	      opt.fault_op >= 0 ? op_name((unsigned int)opt.fault_op) : "all", opt.fault_conn, opt.restart,
	      opt.vsync_hz);
	if (opt.fault == FAULT_RANDOM) {
		/* the seed, so that a failure can be rerun */
		info("fault-random: seed=%llu permille=%u count=%u",
		     (unsigned long long)opt.fault_seed, opt.fault_permille, opt.fault_count);
		fault_random_init();
	}
	if (xen_real_open() != 0)
		return 1;
	g_xce = xenevtchn_open(NULL, 0);
	if (!g_xce) {
		info("xenevtchn_open: %s (is xen-evtchn loaded?)", strerror(errno));
		return 1;
	}
	efd = xenevtchn_fd(g_xce);
	fcntl(efd, F_SETFL, fcntl(efd, F_GETFL) | O_NONBLOCK);
	xfd = xs_setup();
	if (xfd < 0)
		return 1;
	write_status();
	info("ready (out=%s)", opt.out_dir);

	while (!quit) {
		int64_t now = now_ns(), next = 0;
		int64_t timeout = 1000000000;   /* bounded: re-check timers every second */
		struct timespec ts;

		xs_run_timers(now, &next);
		if (status_is_dirty) {
			if (now - status_last >= 50000000ll)
				write_status();
			else if (!next || status_last + 50000000ll < next)
				next = status_last + 50000000ll;
		}
		if (next) {
			/* ns precision: vsync ticks are only 16.7 ms apart */
			int64_t left = next - now_ns();
			timeout = left < 0 ? 0 : left < timeout ? left : timeout;
		}
		ts.tv_sec = timeout / 1000000000;
		ts.tv_nsec = timeout % 1000000000;
		pfd[0] = (struct pollfd){ .fd = xfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = efd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		if (ppoll(pfd, 3, &ts, NULL) < 0) {
			if (errno == EINTR)
				continue;
			info("ppoll: %s", strerror(errno));
			break;
		}
		if (pfd[2].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGUSR1) {
					info("SIGUSR1: dumping frames");
					dump_all("SIGUSR1");
				} else {
					info("signal %u: dumping frames and exiting", si.ssi_signo);
					dump_all("exit");
					quit = true;
				}
			}
		}
		if (pfd[1].revents & POLLIN) {
			for (int i = 0; i < 1024; i++) {
				xenevtchn_port_or_error_t port = xenevtchn_pending(g_xce);
				if (port < 0)
					break;
				/* unmask first: a notify during processing re-arms poll */
				xenevtchn_unmask(g_xce, (evtchn_port_t)port);
				xs_port_event(port);
			}
		}
		if (pfd[0].revents & POLLIN)
			xs_handle_watches();
	}
	write_status();
	trace("%.3f INFO exit", t_rel());
	return 0;
}
