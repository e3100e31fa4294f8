// SPDX-License-Identifier: MIT
/*
 * xbench: the guest half of `make bench` (tests/bench/run.sh). A libdrm client that
 * measures what a user of a PV display feels, the same way for any xendrm-du driver:
 *
 *   xbench flip    --n N [--warmup W] [--tag T] [--async]   page flips, one in flight:
 *                  for each, the time from drmModePageFlip() to its flip event (and how
 *                  long the ioctl itself took), plus the guest CPU spent over the measured
 *                  flips (getrusage of this process, /proc/stat deltas of the whole guest);
 *                  --async: with DRM_MODE_PAGE_FLIP_ASYNC where the driver offers it
 *                  (DRM_CAP_ASYNC_PAGE_FLIP), else plain flips (async=0 in the summary)
 *   xbench bufs    --w W --h H --n N [--hold K]   dumb buffer lifecycle, XRGB8888:
 *                  CREATE_DUMB + ADDFB2, then RMFB + DESTROY_DUMB, timed per buffer;
 *                  with --hold K: K buffers held at once, /proc/meminfo and the kprobe
 *                  hit counts of /sys/kernel/tracing/kprobe_profile before/after
 *   xbench modeset --n N                           drmModeSetCrtc on / off cycles
 *   xbench idle    --ms MS                         /proc/stat deltas over MS of sleep
 *   xbench multiflip --conns C --n N [--warmup W] [--tag T]   page flips on the first C
 *                  connected connectors at once (each on its own CRTC, two buffers each):
 *                  per iteration one flip per connector, all C in flight, then wait for
 *                  the C events; aggregate flip rate and the guest's CPU per flip
 *
 * flip and idle take --insn-mark ID: the measured stretch starts and ends with marker
 * instructions (no-ops) that tests/bench/insncount.c, a QEMU plugin, notes with every
 * emulated CPU's instruction count so far; ID tells the marks apart (insn_mark=ID in
 * the summary).
 *
 * Summary lines go to stdout as "BENCH <test> key=value ...", raw samples (us) are
 * appended to --raw FILE as "BENCHRAW <name> v v v ...". Exit 0, or 1 with a
 * "BENCH <test> error=..." line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>
#include <drm_fourcc.h>

static struct {
	int n, warmup, hold, conns, async;
	long insn_mark;
	unsigned int w, h;
	const char *tag;
	const char *raw;
} opt = { .n = 100, .warmup = 10, .tag = "", .insn_mark = -1 };

/*
 * "nopl 0x49534e<code>(%rax)": a no-op that insncount.c recognises by its displacement.
 * Codes: 0 begin, 1 end, 2 and 3 an id bit of 0 or 1 (least significant first).
 */
#define INSN_MARK(code) \
	asm volatile(".byte 0x0f, 0x1f, 0x80, " #code ", 0x4e, 0x53, 0x49" ::: "memory")

static void insn_mark(int end)
{
	if (opt.insn_mark < 0)
		return;
	for (int i = 0; i < 24; i++) {
		if ((opt.insn_mark >> i) & 1)
			INSN_MARK(3);
		else
			INSN_MARK(2);
	}
	if (end)
		INSN_MARK(1);
	else
		INSN_MARK(0);
}

static int fd = -1;
static const char *test = "?";
static uint32_t conn_id, crtc_id;
static drmModeModeInfo mode;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	printf("BENCH %s%s%s error=\"", test, *opt.tag ? " tag=" : "", opt.tag);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\"\n");
	fflush(stdout);
	exit(1);
}

/* ------------------------------------------------------------------ stats */
static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* nearest-rank percentile of a sorted array */
static double pct(const double *s, int n, double p)
{
	int k;

	if (n <= 0)
		return 0;
	k = (int)(p / 100.0 * n + 0.999999) - 1;
	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	return s[k];
}

static void summary(const char *name, const double *v, int n)
{
	double *s = malloc(sizeof(*s) * (n ? n : 1)), sum = 0;

	memcpy(s, v, sizeof(*s) * n);
	qsort(s, n, sizeof(*s), cmp_d);
	for (int i = 0; i < n; i++)
		sum += s[i];
	printf(" %s_n=%d %s_p50=%.1f %s_p99=%.1f %s_mean=%.1f %s_min=%.1f %s_max=%.1f",
	       name, n, name, pct(s, n, 50), name, pct(s, n, 99), name, n ? sum / n : 0,
	       name, n ? s[0] : 0, name, n ? s[n - 1] : 0);
	free(s);
}

static void raw(const char *name, const double *v, int n)
{
	FILE *f;

	if (!opt.raw)
		return;
	f = fopen(opt.raw, "a");
	if (!f)
		return;
	for (int i = 0; i < n; i += 25) {
		fprintf(f, "BENCHRAW %s%s%s", name, *opt.tag ? "." : "", opt.tag);
		for (int j = i; j < n && j < i + 25; j++)
			fprintf(f, " %.1f", v[j]);
		fprintf(f, "\n");
	}
	fclose(f);
}

/* ------------------------------------------------------------------ /proc */
struct cpustat {
	unsigned long long f[10]; /* user nice system idle iowait irq softirq steal guest gnice */
	unsigned long long intr; /* interrupts serviced, all sources ("intr" total) */
	unsigned long long ctxt; /* context switches */
	unsigned long long task_ns; /* /proc/schedstat: time tasks ran (rq_cpu_time), ns */
};

/* sum of the CPUs' rq_cpu_time (7th field of "cpuN" in /proc/schedstat, ns): every
 * task's run time, exact (the /proc/stat fields are 10 ms USER_HZ ticks) */
static unsigned long long schedstat_task_ns(void)
{
	FILE *f = fopen("/proc/schedstat", "r");
	char line[512];
	unsigned long long sum = 0, v[7];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "cpu", 3) &&
		    sscanf(line, "%*s %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &v[6]) == 7)
			sum += v[6];
	fclose(f);
	return sum;
}

static void read_stat(struct cpustat *c)
{
	FILE *f = fopen("/proc/stat", "r");
	static char line[65536];

	memset(c, 0, sizeof(*c));
	if (!f)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &c->f[0], &c->f[1],
		   &c->f[2], &c->f[3], &c->f[4], &c->f[5], &c->f[6], &c->f[7], &c->f[8],
		   &c->f[9]) < 8)
		memset(c, 0, sizeof(*c));
	/* wake-ups cost more than instructions in a PV guest: count them too */
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "intr ", 5))
			c->intr = strtoull(line + 5, NULL, 10);
		else if (!strncmp(line, "ctxt ", 5))
			c->ctxt = strtoull(line + 5, NULL, 10);
	}
	fclose(f);
	c->task_ns = schedstat_task_ns();
}

/* meminfo field in kB, -1 if absent */
static long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	size_t kl = strlen(key);
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = atol(line + kl + 1);
			break;
		}
	fclose(f);
	return v;
}

/*
 * Free memory in kB, exactly: the buddy allocator's free pages plus the pages parked
 * in the per-CPU lists (MemFree leaves those out: it moves by up to ~1 MiB on its own).
 */
static long free_kb_exact(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[256];
	long pages = 0, v;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " pages free %ld", &v) == 1)
			pages += v;
		else if (sscanf(line, " count: %ld", &v) == 1)
			pages += v;
	}
	fclose(f);
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/* kprobe hit count of EVENT from kprobe_profile ("  event  hits  misses"), -1 if none */
static long kprobe_hits(const char *event)
{
	FILE *f = fopen("/sys/kernel/tracing/kprobe_profile", "r");
	char name[128];
	long hits, miss;

	if (!f)
		return -1;
	while (fscanf(f, "%127s %ld %ld", name, &hits, &miss) == 3)
		if (!strcmp(name, event)) {
			fclose(f);
			return hits;
		}
	fclose(f);
	return -1;
}

/* ------------------------------------------------------------------ DRM */
static void open_card(void)
{
	glob_t g;
	drmVersionPtr v;
	drmModeRes *res;
	drmModeConnector *con = NULL;

	if (glob("/dev/dri/card*", 0, NULL, &g) || !g.gl_pathc)
		die("no /dev/dri/card*");
	fd = open(g.gl_pathv[0], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", g.gl_pathv[0], strerror(errno));
	globfree(&g);
	v = drmGetVersion(fd);
	if (!v || strcmp(v->name, "xendrm-du"))
		die("driver is %s, not xendrm-du", v ? v->name : "?");
	drmFreeVersion(v);
	res = drmModeGetResources(fd);
	if (!res || !res->count_connectors || !res->count_crtcs)
		die("no resources");
	for (int i = 0; i < res->count_connectors && !con; i++) {
		con = drmModeGetConnector(fd, res->connectors[i]);
		if (con && (con->connection != DRM_MODE_CONNECTED || !con->count_modes)) {
			drmModeFreeConnector(con);
			con = NULL;
		}
	}
	if (!con)
		die("no connected connector with a mode");
	conn_id = con->connector_id;
	mode = con->modes[0];
	for (int i = 0; i < con->count_modes; i++)
		if (con->modes[i].type & DRM_MODE_TYPE_PREFERRED) {
			mode = con->modes[i];
			break;
		}
	crtc_id = res->crtcs[0];
	drmModeFreeConnector(con);
	drmModeFreeResources(res);
}

struct buf {
	uint32_t handle, fb, pitch;
	uint64_t size;
};

static const char *fail_stage = "";
static bool no_fb; /* ADDFB2 refused this size: dumb buffers only */

static int create_buf(unsigned int w, unsigned int h, struct buf *b, double *t_dumb, double *t_fb)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	double t0 = now_us(), t1;

	memset(b, 0, sizeof(*b));
	fail_stage = "CREATE_DUMB";
	if (drmModeCreateDumbBuffer(fd, w, h, 32, 0, &b->handle, &b->pitch, &b->size))
		return -errno;
	t1 = now_us();
	if (t_dumb)
		*t_dumb = t1 - t0;
	if (t_fb)
		*t_fb = 0;
	if (no_fb)
		return 0;
	handles[0] = b->handle;
	pitches[0] = b->pitch;
	fail_stage = "ADDFB2";
	if (drmModeAddFB2(fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &b->fb, 0)) {
		int e = errno;

		drmModeDestroyDumbBuffer(fd, b->handle);
		return -e;
	}
	if (t_fb)
		*t_fb = now_us() - t1;
	return 0;
}

static int destroy_buf(struct buf *b, double *t_rmfb, double *t_destroy)
{
	double t0 = now_us(), t1;
	int ret = 0;

	if (b->fb && drmModeRmFB(fd, b->fb))
		ret = -errno;
	t1 = now_us();
	if (drmModeDestroyDumbBuffer(fd, b->handle) && !ret)
		ret = -errno;
	if (t_rmfb)
		*t_rmfb = t1 - t0;
	if (t_destroy)
		*t_destroy = now_us() - t1;
	return ret;
}

static void fill(struct buf *b, uint32_t seed)
{
	uint64_t off;
	uint32_t *p;

	if (drmModeMapDumbBuffer(fd, b->handle, &off))
		die("map dumb: %s", strerror(errno));
	p = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (p == MAP_FAILED)
		die("mmap dumb: %s", strerror(errno));
	for (uint64_t i = 0; i < b->size / 4; i++)
		p[i] = seed ^ (uint32_t)(i * 2654435761u);
	munmap(p, b->size);
}

/* ------------------------------------------------------------------ flip */
static double t_event;
static unsigned int n_events;

static void on_flip(int fd_, unsigned int seq, unsigned int sec, unsigned int usec,
		    unsigned int crtc, void *data)
{
	(void)fd_; (void)seq; (void)sec; (void)usec; (void)crtc; (void)data;
	t_event = now_us();
	n_events++;
}

static double wait_event(void)
{
	drmEventContext ev = { .version = 3, .page_flip_handler2 = on_flip };
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned int want = n_events + 1;

	while (n_events < want) {
		int r = poll(&p, 1, 5000);

		if (r == 0)
			die("no flip event within 5 s (flip %u)", want);
		if (r < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (r > 0 && drmHandleEvent(fd, &ev))
			die("drmHandleEvent: %s", strerror(errno));
	}
	return t_event;
}

static void cmd_flip(void)
{
	struct buf b[2];
	struct cpustat s0, s1;
	struct rusage r0, r1;
	double *rt, *io, t0, tw0, tw1;
	int shown = 0, total = opt.warmup + opt.n;
	uint32_t flags = DRM_MODE_PAGE_FLIP_EVENT;

	test = "flip";
	open_card();
	for (int i = 0; i < 2; i++) {
		int ret = create_buf(mode.hdisplay, mode.vdisplay, &b[i], NULL, NULL);

		if (ret)
			die("buffer %ux%u: %s", mode.hdisplay, mode.vdisplay, strerror(-ret));
		fill(&b[i], 0x10203 * (i + 1));
	}
	if (drmModeSetCrtc(fd, crtc_id, b[0].fb, 0, 0, &conn_id, 1, &mode))
		die("SetCrtc: %s", strerror(errno));
	if (opt.async) {
		uint64_t cap = 0;

		if (drmGetCap(fd, DRM_CAP_ASYNC_PAGE_FLIP, &cap) || !cap)
			opt.async = 0;
	}
	if (opt.async)
		flags |= DRM_MODE_PAGE_FLIP_ASYNC;
	rt = calloc(total, sizeof(*rt));
	io = calloc(total, sizeof(*io));
	tw0 = 0;
	for (int i = 0; i < total; i++) {
		int next = shown ^ 1;

		if (i == opt.warmup) {
			getrusage(RUSAGE_SELF, &r0);
			read_stat(&s0);
			tw0 = now_us();
			insn_mark(0);
		}
		t0 = now_us();
		if (drmModePageFlip(fd, crtc_id, b[next].fb, flags, NULL))
			die("PageFlip %d: %s", i, strerror(errno));
		io[i] = now_us() - t0;
		rt[i] = wait_event() - t0;
		shown = next;
	}
	insn_mark(1);
	tw1 = now_us();
	read_stat(&s1);
	getrusage(RUSAGE_SELF, &r1);

	double wall_ms = (tw1 - tw0) / 1e3;
	double hz = sysconf(_SC_CLK_TCK);
	double d[10];

	for (int k = 0; k < 10; k++)
		d[k] = (double)(s1.f[k] - s0.f[k]) * 1e3 / hz; /* ms */
	double cu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1e3 +
		    (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e3;
	double cs = (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1e3 +
		    (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e3;
	printf("BENCH flip tag=%s mode=%ux%u async=%d flips=%d wall_ms=%.1f rate_hz=%.2f",
	       opt.tag, mode.hdisplay, mode.vdisplay, opt.async, opt.n, wall_ms,
	       opt.n * 1e3 / wall_ms);
	summary("rt_us", rt + opt.warmup, opt.n);
	summary("ioctl_us", io + opt.warmup, opt.n);
	printf(" client_utime_ms=%.1f client_stime_ms=%.1f", cu, cs);
	printf(" stat_user_ms=%.1f stat_nice_ms=%.1f stat_system_ms=%.1f stat_idle_ms=%.1f"
	       " stat_iowait_ms=%.1f stat_irq_ms=%.1f stat_softirq_ms=%.1f stat_steal_ms=%.1f",
	       d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]);
	printf(" stat_intr=%llu stat_ctxt=%llu", s1.intr - s0.intr, s1.ctxt - s0.ctxt);
	printf(" task_ms=%.3f", (s1.task_ns - s0.task_ns) / 1e6);
	printf(" nvcsw=%ld nivcsw=%ld", r1.ru_nvcsw - r0.ru_nvcsw, r1.ru_nivcsw - r0.ru_nivcsw);
	printf(" insn_mark=%ld\n", opt.insn_mark);
	fflush(stdout);
	raw("flip_rt_us", rt + opt.warmup, opt.n);
	raw("flip_ioctl_us", io + opt.warmup, opt.n);
	/* leave the display off, buffers freed: the next test starts from scratch */
	drmModeSetCrtc(fd, crtc_id, 0, 0, 0, NULL, 0, NULL);
	destroy_buf(&b[0], NULL, NULL);
	destroy_buf(&b[1], NULL, NULL);
}

/* ------------------------------------------------------------------ bufs */
static void cmd_bufs(void)
{
	char tag[64];
	double *ca = calloc(opt.n, sizeof(double)), *dd = calloc(opt.n, sizeof(double));
	double *c1 = calloc(opt.n, sizeof(double)), *c2 = calloc(opt.n, sizeof(double));
	double *d1 = calloc(opt.n, sizeof(double)), *d2 = calloc(opt.n, sizeof(double));
	struct buf b;
	int ret;

	test = "bufs";
	snprintf(tag, sizeof(tag), "%ux%u", opt.w, opt.h);
	opt.tag = tag;
	open_card();
	memset(&b, 0, sizeof(b));
	for (int i = 0; i < opt.n; i++) {
		ret = create_buf(opt.w, opt.h, &b, &c1[i], &c2[i]);
		if (ret && i == 0 && !strcmp(fail_stage, "ADDFB2")) {
			/* e.g. a driver whose mode_config caps framebuffers below this size */
			printf("BENCH bufs tag=%s addfb_error=\"ADDFB2 %ux%u: %s\" note=\"CREATE_DUMB"
			       " works: timing dumb buffers alone\"\n", tag, opt.w, opt.h, strerror(-ret));
			no_fb = true;
			ret = create_buf(opt.w, opt.h, &b, &c1[i], &c2[i]);
		}
		if (ret)
			die("%s %ux%u (buffer %d): %s", fail_stage, opt.w, opt.h, i, strerror(-ret));
		ca[i] = c1[i] + c2[i];
		ret = destroy_buf(&b, &d1[i], &d2[i]);
		if (ret)
			die("destroy %ux%u (buffer %d): %s", opt.w, opt.h, i, strerror(-ret));
		dd[i] = d1[i] + d2[i];
	}
	if (opt.n > 0) {
		printf("BENCH bufs tag=%s w=%u h=%u pitch=%u size=%" PRIu64 " fb=%d", tag, opt.w,
		       opt.h, b.pitch, b.size, !no_fb);
		summary("create_us", ca, opt.n);
		summary("destroy_us", dd, opt.n);
		summary("dumb_us", c1, opt.n);
		summary("addfb_us", c2, opt.n);
		summary("rmfb_us", d1, opt.n);
		summary("dumbdel_us", d2, opt.n);
		printf("\n");
		fflush(stdout);
		if (!no_fb) {
			raw("create_us", ca, opt.n);
			raw("destroy_us", dd, opt.n);
		}
		raw("dumb_us", c1, opt.n);
		raw("dumbdel_us", d2, opt.n);
	}

	if (opt.hold > 0) {
		struct buf *h = calloc(opt.hold, sizeof(*h));
		const char *keys[] = { "FreeExact", "MemFree", "Shmem", "Slab", "SUnreclaim",
				       "PageTables", "VmallocUsed", "Percpu" };
		const char *probes[] = { "grant", "endaccess" };
		long m0[8], m1[8], m2[8], k0[2], k1[2], k2[2];
		int made = 0;

		/* a probe first: does ADDFB2 take this size? (not counted below) */
		if (!no_fb) {
			struct buf p;

			ret = create_buf(opt.w, opt.h, &p, NULL, NULL);
			if (ret && !strcmp(fail_stage, "ADDFB2")) {
				printf("BENCH hold tag=%s note=\"ADDFB2: %s: holding dumb buffers"
				       " without framebuffers\"\n", tag, strerror(-ret));
				no_fb = true;
			} else if (!ret) {
				destroy_buf(&p, NULL, NULL);
			}
		}
		sync();
		usleep(200000);
		for (int k = 0; k < 8; k++)
			m0[k] = k ? meminfo(keys[k]) : free_kb_exact();
		for (int k = 0; k < 2; k++)
			k0[k] = kprobe_hits(probes[k]);
		for (; made < opt.hold; made++) {
			ret = create_buf(opt.w, opt.h, &h[made], NULL, NULL);
			if (ret) {
				printf("BENCH hold tag=%s note=\"buffer %d: %s: %s\"\n", tag, made,
				       fail_stage, strerror(-ret));
				break;
			}
		}
		if (made)
			b = h[0];
		usleep(200000);
		for (int k = 0; k < 8; k++)
			m1[k] = k ? meminfo(keys[k]) : free_kb_exact();
		for (int k = 0; k < 2; k++)
			k1[k] = kprobe_hits(probes[k]);
		for (int i = 0; i < made; i++)
			destroy_buf(&h[i], NULL, NULL);
		usleep(500000);
		for (int k = 0; k < 8; k++)
			m2[k] = k ? meminfo(keys[k]) : free_kb_exact();
		for (int k = 0; k < 2; k++)
			k2[k] = kprobe_hits(probes[k]);
		printf("BENCH hold tag=%s w=%u h=%u pitch=%u size=%" PRIu64 " held=%d fb=%d", tag,
		       opt.w, opt.h, b.pitch, b.size, made, !no_fb);
		for (int k = 0; k < 8; k++)
			printf(" d_%s_kb=%ld left_%s_kb=%ld", keys[k], m1[k] - m0[k], keys[k],
			       m2[k] - m0[k]);
		for (int k = 0; k < 2; k++)
			printf(" kp_%s=%ld kp_%s_after_free=%ld", probes[k],
			       k0[k] < 0 ? -1 : k1[k] - k0[k], probes[k], k0[k] < 0 ? -1 : k2[k] - k1[k]);
		printf("\n");
		fflush(stdout);
		free(h);
	}
}

/* ------------------------------------------------------------------ idle */
static void cmd_idle(void)
{
	struct cpustat s0, s1;
	double t0, wall, hz = sysconf(_SC_CLK_TCK);
	static const char *const names[] = { "user", "nice", "system", "idle", "iowait", "irq",
					     "softirq", "steal" };

	test = "idle";
	read_stat(&s0);
	t0 = now_us();
	insn_mark(0);
	usleep(opt.n * 1000);
	insn_mark(1);
	wall = (now_us() - t0) / 1e3;
	read_stat(&s1);
	printf("BENCH idle wall_ms=%.1f", wall);
	for (int k = 0; k < 8; k++)
		printf(" stat_%s_ms=%.1f", names[k], (double)(s1.f[k] - s0.f[k]) * 1e3 / hz);
	printf(" stat_intr=%llu stat_ctxt=%llu task_ms=%.3f insn_mark=%ld\n", s1.intr - s0.intr,
	       s1.ctxt - s0.ctxt, (s1.task_ns - s0.task_ns) / 1e6, opt.insn_mark);
}

/* ------------------------------------------------------------------ modeset */
static void cmd_modeset(void)
{
	double *on = calloc(opt.n, sizeof(double)), *off = calloc(opt.n, sizeof(double)), t0;
	struct buf b;
	int ret;

	test = "modeset";
	open_card();
	ret = create_buf(mode.hdisplay, mode.vdisplay, &b, NULL, NULL);
	if (ret)
		die("buffer: %s", strerror(-ret));
	fill(&b, 0x55aa55);
	for (int i = -opt.warmup; i < opt.n; i++) {
		double a, c;

		t0 = now_us();
		if (drmModeSetCrtc(fd, crtc_id, b.fb, 0, 0, &conn_id, 1, &mode))
			die("SetCrtc on (%d): %s", i, strerror(errno));
		a = now_us() - t0;
		t0 = now_us();
		if (drmModeSetCrtc(fd, crtc_id, 0, 0, 0, NULL, 0, NULL))
			die("SetCrtc off (%d): %s", i, strerror(errno));
		c = now_us() - t0;
		if (i >= 0) {
			on[i] = a;
			off[i] = c;
		}
	}
	printf("BENCH modeset mode=%ux%u", mode.hdisplay, mode.vdisplay);
	summary("on_us", on, opt.n);
	summary("off_us", off, opt.n);
	printf("\n");
	fflush(stdout);
	raw("modeset_on_us", on, opt.n);
	raw("modeset_off_us", off, opt.n);
	destroy_buf(&b, NULL, NULL);
}

/* ------------------------------------------------------------------ multiflip */
#define MAX_CONNS 16
struct head {
	uint32_t conn, crtc;
	drmModeModeInfo mode;
	struct buf b[2];
	int shown;
};

static unsigned int mf_events;

static void on_mflip(int fd_, unsigned int seq, unsigned int sec, unsigned int usec,
		     unsigned int crtc, void *data)
{
	(void)fd_; (void)seq; (void)sec; (void)usec; (void)crtc; (void)data;
	mf_events++;
}

static void cmd_multiflip(void)
{
	struct head h[MAX_CONNS];
	struct cpustat s0, s1;
	drmVersionPtr v;
	drmModeRes *res;
	glob_t g;
	int nh = 0, total = opt.warmup + opt.n;
	double *it, t0, tw0 = 0, tw1;

	test = "multiflip";
	if (opt.conns < 1 || opt.conns > MAX_CONNS)
		die("--conns %d: 1..%d", opt.conns, MAX_CONNS);
	if (glob("/dev/dri/card*", 0, NULL, &g) || !g.gl_pathc)
		die("no /dev/dri/card*");
	fd = open(g.gl_pathv[0], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", g.gl_pathv[0], strerror(errno));
	globfree(&g);
	v = drmGetVersion(fd);
	if (!v || strcmp(v->name, "xendrm-du"))
		die("driver is %s, not xendrm-du", v ? v->name : "?");
	drmFreeVersion(v);
	res = drmModeGetResources(fd);
	if (!res)
		die("no resources");
	/* connector i of the device is driven by CRTC i (one pipe per connector) */
	for (int i = 0; i < res->count_connectors && nh < opt.conns; i++) {
		drmModeConnector *con = drmModeGetConnector(fd, res->connectors[i]);

		if (!con || con->connection != DRM_MODE_CONNECTED || !con->count_modes ||
		    i >= res->count_crtcs) {
			drmModeFreeConnector(con);
			continue;
		}
		h[nh].conn = con->connector_id;
		h[nh].crtc = res->crtcs[i];
		h[nh].mode = con->modes[0];
		for (int k = 0; k < con->count_modes; k++)
			if (con->modes[k].type & DRM_MODE_TYPE_PREFERRED) {
				h[nh].mode = con->modes[k];
				break;
			}
		h[nh].shown = 0;
		nh++;
		drmModeFreeConnector(con);
	}
	drmModeFreeResources(res);
	if (nh < opt.conns)
		die("%d connected connectors, %d wanted", nh, opt.conns);
	for (int c = 0; c < nh; c++) {
		for (int i = 0; i < 2; i++) {
			int ret = create_buf(h[c].mode.hdisplay, h[c].mode.vdisplay, &h[c].b[i], NULL, NULL);

			if (ret)
				die("conn %d buffer %ux%u: %s", c, h[c].mode.hdisplay, h[c].mode.vdisplay,
				    strerror(-ret));
			fill(&h[c].b[i], 0x10203 * (i + 1) + c);
		}
		if (drmModeSetCrtc(fd, h[c].crtc, h[c].b[0].fb, 0, 0, &h[c].conn, 1, &h[c].mode))
			die("SetCrtc conn %d: %s", c, strerror(errno));
	}
	it = calloc(total, sizeof(*it));
	for (int i = 0; i < total; i++) {
		drmEventContext ev = { .version = 3, .page_flip_handler2 = on_mflip };
		struct pollfd p = { .fd = fd, .events = POLLIN };
		unsigned int want = mf_events + nh;

		if (i == opt.warmup) {
			read_stat(&s0);
			tw0 = now_us();
			insn_mark(0);
		}
		t0 = now_us();
		for (int c = 0; c < nh; c++) {
			int next = h[c].shown ^ 1;

			if (drmModePageFlip(fd, h[c].crtc, h[c].b[next].fb, DRM_MODE_PAGE_FLIP_EVENT, NULL))
				die("PageFlip %d conn %d: %s", i, c, strerror(errno));
			h[c].shown = next;
		}
		while (mf_events < want) {
			int r = poll(&p, 1, 5000);

			if (r == 0)
				die("flip events missing after 5 s (iteration %d)", i);
			if (r < 0 && errno != EINTR)
				die("poll: %s", strerror(errno));
			if (r > 0 && drmHandleEvent(fd, &ev))
				die("drmHandleEvent: %s", strerror(errno));
		}
		it[i] = now_us() - t0;
	}
	tw1 = now_us();
	read_stat(&s1);

	double wall_ms = (tw1 - tw0) / 1e3, hz = sysconf(_SC_CLK_TCK), d[10];
	int flips = opt.n * nh;

	for (int k = 0; k < 10; k++)
		d[k] = (double)(s1.f[k] - s0.f[k]) * 1e3 / hz; /* ms */
	printf("BENCH multiflip tag=%s conns=%d mode=%ux%u iterations=%d flips=%d wall_ms=%.1f"
	       " agg_rate_hz=%.2f", opt.tag, nh, h[0].mode.hdisplay, h[0].mode.vdisplay, opt.n,
	       flips, wall_ms, flips * 1e3 / wall_ms);
	summary("iter_us", it + opt.warmup, opt.n);
	printf(" stat_user_ms=%.1f stat_nice_ms=%.1f stat_system_ms=%.1f stat_idle_ms=%.1f"
	       " stat_iowait_ms=%.1f stat_irq_ms=%.1f stat_softirq_ms=%.1f stat_steal_ms=%.1f",
	       d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]);
	printf(" stat_intr=%llu stat_ctxt=%llu task_ms=%.3f insn_mark=%ld\n", s1.intr - s0.intr,
	       s1.ctxt - s0.ctxt, (s1.task_ns - s0.task_ns) / 1e6, opt.insn_mark);
	fflush(stdout);
	for (int c = 0; c < nh; c++)
		drmModeSetCrtc(fd, h[c].crtc, 0, 0, 0, NULL, 0, NULL);
	for (int c = 0; c < nh; c++) {
		destroy_buf(&h[c].b[0], NULL, NULL);
		destroy_buf(&h[c].b[1], NULL, NULL);
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "n", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "hold", required_argument, NULL, 'k' },
		{ "w", required_argument, NULL, 'w' },
		{ "h", required_argument, NULL, 'h' },
		{ "tag", required_argument, NULL, 't' },
		{ "raw", required_argument, NULL, 'r' },
		{ "ms", required_argument, NULL, 'n' },
		{ "conns", required_argument, NULL, 'c' },
		{ "async", no_argument, NULL, 'a' },
		{ "insn-mark", required_argument, NULL, 'm' },
		{ 0 }
	};
	const char *cmd;
	int c;

	if (argc < 2) {
		fprintf(stderr, "usage: xbench flip|bufs|modeset|idle|multiflip [options]\n");
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'n': opt.n = atoi(optarg); break;
		case 'W': opt.warmup = atoi(optarg); break;
		case 'k': opt.hold = atoi(optarg); break;
		case 'w': opt.w = atoi(optarg); break;
		case 'h': opt.h = atoi(optarg); break;
		case 't': opt.tag = optarg; break;
		case 'r': opt.raw = optarg; break;
		case 'c': opt.conns = atoi(optarg); break;
		case 'a': opt.async = 1; break;
		case 'm': opt.insn_mark = strtol(optarg, NULL, 0) & 0xffffff; break;
		default: return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "flip"))
		cmd_flip();
	else if (!strcmp(cmd, "bufs"))
		cmd_bufs();
	else if (!strcmp(cmd, "modeset"))
		cmd_modeset();
	else if (!strcmp(cmd, "idle"))
		cmd_idle();
	else if (!strcmp(cmd, "multiflip"))
		cmd_multiflip();
	else {
		fprintf(stderr, "xbench: unknown command %s\n", cmd);
		return 2;
	}
	return 0;
}
