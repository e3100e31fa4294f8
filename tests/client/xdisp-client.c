// SPDX-License-Identifier: MIT
/*
 * xdisp-client: a small KMS client for the drm_xen_front rig.
 *
 * Opens the card, checks the driver name, finds the connector(s) and their mode,
 * creates 2 dumb buffers per connector, draws a deterministic pattern, sets the mode
 * (legacy drmModeSetCrtc), flips N times alternating the buffers and waits for each
 * flip event (poll with a timeout; checks the event's CRTC and the count), then prints
 *
 *   CLIENT checksum=0x<16 hex> conn=<i> ...
 *
 * = FNV-1a 64 over the visible pixels of the buffer displayed last, row by row, each
 * converted to 0x00RRGGBB (narrower channels expanded by bit replication, as the
 * backend does) and fed as 4 little-endian bytes. The checksum is computed from the
 * buffer's memory after drawing, i.e. over what the backend should see.
 *
 * Last line: "CLIENT VERDICT: PASS" or "CLIENT VERDICT: FAIL <reason>"; exit 0 / 1.
 *
 * With --expect-fail the sequence is expected to fail (fault injection): PASS when a
 * failure shows up (an ioctl error, the connector reported disconnected, the card gone)
 * and no operation took longer than --timeout-ms; FAIL when everything succeeded or an
 * operation hung past the bound.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>
#include <drm_fourcc.h>

#define MAX_CONNS 8
#define NBUF 2

struct buf {
	uint32_t handle, fb_id, pitch;  /* pitch: the framebuffer's */
	uint32_t ofs;                   /* the framebuffer's offset in the buffer */
	uint64_t size;
	uint8_t *map;
	uint64_t checksum;
};

struct out {
	int index;              /* connector index in the resources */
	uint32_t conn_id, crtc_id;
	int crtc_index;         /* index of crtc_id in the resources (for drmWaitVBlank) */
	drmModeModeInfo mode;
	struct buf buf[NBUF];
	int shown;              /* buffer index on screen */
	bool pending;           /* flip in flight */
	unsigned int events;
	double flip_t0;
	double lat_min, lat_max, lat_sum;
	unsigned int lat_n;
	/* --check-flip-events: the previous flip event's sequence and time (us) */
	unsigned int ev_seq;
	uint64_t ev_us;
	unsigned int ev_seq_first;
};

static struct {
	const char *card;
	const char *driver;
	char conns[64];
	char modes[128];
	uint32_t fourcc;
	const char *fmt_name;
	unsigned int bpp;
	int flips;
	const char *pattern;
	int hold;
	bool expect_fail;
	int timeout_ms;
	const char *exec_on_hold;
	const char *exec_after_modeset;
	bool verbose;
	double vblank_secs;     /* --vblank: drmWaitVBlank test length, 0 = off */
	double vblank_min_hz, vblank_max_hz;
	double vblank_max_skip_pct;
	unsigned int vblank_waits;  /* --vblank-waits: stop after this many waits, 0 = time only */
	double vblank_jitter_pct;   /* --vblank-jitter-pct: max sd of the intervals, 0 = off */
	bool check_flip_events;
	bool async_flips;       /* --async-flips: DRM_MODE_PAGE_FLIP_ASYNC */
	bool list_formats;      /* --list-formats: print the plane's formats */
	uint32_t dumb_w, dumb_h;    /* --dumb WxH: buffer size, 0 = the mode's */
	uint32_t fb_pitch;      /* --fb-pitch: 0 = the buffer's */
	uint32_t fb_offset;     /* --fb-offset */
} opt = {
	.driver = "xendrm-du",
	.conns = "0",
	.fourcc = DRM_FORMAT_XRGB8888,
	.fmt_name = "XR24",
	.bpp = 32,
	.flips = 1,
	.pattern = "bars",
	.timeout_ms = 5000,
	.vblank_min_hz = 50,
	.vblank_max_hz = 70,
	.vblank_max_skip_pct = 5,
};

static int fd = -1;
static struct out outs[MAX_CONNS];
static int nouts;
static const char *phase = "start";
static double t_start;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void say(const char *fmt, ...)
{
	va_list ap;

	printf("CLIENT ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void cleanup(void);

static void __attribute__((noreturn)) verdict(bool pass, const char *fmt, ...)
{
	char reason[512] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(reason, sizeof(reason), fmt, ap);
		va_end(ap);
	}
	if (pass)
		printf("CLIENT VERDICT: PASS%s%s\n", reason[0] ? " " : "", reason);
	else
		printf("CLIENT VERDICT: FAIL %s\n", reason);
	fflush(stdout);
	cleanup();
	exit(pass ? 0 : 1);
}

/*
 * An expected failure was seen (--expect-fail): PASS if it came within the bound.
 * Outside --expect-fail, a failure is a FAIL.
 */
static void __attribute__((noreturn)) failure_seen(double took_ms, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!opt.expect_fail)
		verdict(false, "%s", what);
	say("expected failure seen after %.0f ms: %s", took_ms, what);
	if (took_ms > opt.timeout_ms)
		verdict(false, "failure took %.0f ms (> --timeout-ms %d): %s", took_ms, opt.timeout_ms, what);
	verdict(true, "(expected failure: %s)", what);
}

static void on_alarm(int sig)
{
	char msg[200];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg), "CLIENT VERDICT: FAIL hang: stuck in '%s' (%.0f ms since start)\n",
		     phase, now_ms() - t_start);
	if (write(1, msg, n) < 0)
		_exit(2);
	_exit(1);
}

/* ------------------------------------------------------------------ patterns */

static uint32_t bars8[8] = {
	0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000,
};

/* marker colour per phase (buffer index + 2 * output number): tells buffers apart */
static uint32_t marker[8] = {
	0x000000, 0x808080, 0xff8000, 0x0080ff, 0x80ff00, 0xff0080, 0x404040, 0x400040,
};

static uint32_t pattern_px(const char *p, uint32_t x, uint32_t y, uint32_t w, uint32_t h, int ph)
{
	if (!strcmp(p, "gradient")) {
		uint32_t r = w > 1 ? x * 255 / (w - 1) : 0;
		uint32_t g = h > 1 ? y * 255 / (h - 1) : 0;
		uint32_t b = (0x40 * (ph + 1)) & 0xff;
		return (r << 16) | (g << 8) | b;
	}
	if (!strcmp(p, "checker")) {
		uint32_t s = 32, c = ((x / s) + (y / s) + ph) & 1;
		return c ? 0xffffff : 0x000000;
	}
	if (!strcmp(p, "demo")) {
		/* grey frame, colour bars on top, a big checker below, marker top-left */
		uint32_t s = 64;
		if (x < 4 || y < 4 || x >= w - 4 || y >= h - 4)
			return 0x808080;
		if (x < 68 && y < 68)
			return marker[ph & 7];
		if (y < h / 2)
			return bars8[(x * 8) / w];
		return (((x - 4) / s) + ((y - h / 2) / s)) & 1 ? 0xffffff : 0x202020;
	}
	/* bars: 8 colour bars in the top 3/4, a grey ramp below, marker top-left */
	if (x < 64 && y < 64)
		return marker[ph & 7];
	if (y < h * 3 / 4)
		return bars8[(x * 8) / w];
	{
		uint32_t v = w > 1 ? x * 255 / (w - 1) : 0;
		return (v << 16) | (v << 8) | v;
	}
}

static void pack(uint8_t *d, uint32_t c)
{
	uint32_t r = (c >> 16) & 0xff, g = (c >> 8) & 0xff, b = c & 0xff;
	uint16_t v;

	switch (opt.fourcc) {
	case DRM_FORMAT_XRGB8888:
		d[0] = b; d[1] = g; d[2] = r; d[3] = 0;
		break;
	case DRM_FORMAT_ARGB8888:
		d[0] = b; d[1] = g; d[2] = r; d[3] = 0xff;
		break;
	case DRM_FORMAT_RGB888:
		d[0] = b; d[1] = g; d[2] = r;
		break;
	case DRM_FORMAT_RGB565:
		v = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
		d[0] = v & 0xff; d[1] = v >> 8;
		break;
	}
}

static uint32_t unpack(const uint8_t *d)
{
	uint32_t v, r, g, b;

	switch (opt.fourcc) {
	case DRM_FORMAT_RGB565:
		v = d[0] | (d[1] << 8);
		r = v >> 11; g = (v >> 5) & 0x3f; b = v & 0x1f;
		r = (r << 3) | (r >> 2); g = (g << 2) | (g >> 4); b = (b << 3) | (b >> 2);
		return (r << 16) | (g << 8) | b;
	default: /* XR24, AR24, RG24: bytes B, G, R */
		return (d[2] << 16) | (d[1] << 8) | d[0];
	}
}

static uint64_t fnv1a64(uint64_t h, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void draw(struct out *o, struct buf *b, int ph)
{
	uint32_t w = o->mode.hdisplay, h = o->mode.vdisplay, cpp = opt.bpp / 8;
	uint8_t *row = malloc((size_t)w * cpp);
	uint64_t cs = 0xcbf29ce484222325ull;

	if (!row)
		verdict(false, "out of memory");
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++)
			pack(row + (size_t)x * cpp, pattern_px(opt.pattern, x, y, w, h, ph));
		memcpy(b->map + b->ofs + (size_t)y * b->pitch, row, (size_t)w * cpp);
	}
	/* checksum over what is in the buffer now (read back, as the backend will) */
	for (uint32_t y = 0; y < h; y++) {
		const uint8_t *s = b->map + b->ofs + (size_t)y * b->pitch;
		for (uint32_t x = 0; x < w; x++)
			cs = fnv1a64(cs, unpack(s + (size_t)x * cpp));
	}
	b->checksum = cs;
	free(row);
}

/* ------------------------------------------------------------------ KMS */

static char *first_card(void)
{
	static char path[64];
	DIR *d = opendir("/dev/dri");
	struct dirent *e;
	int best = -1;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		int n;
		if (sscanf(e->d_name, "card%d", &n) == 1 && (best < 0 || n < best))
			best = n;
	}
	closedir(d);
	if (best < 0)
		return NULL;
	snprintf(path, sizeof(path), "/dev/dri/card%d", best);
	return path;
}

static void cleanup(void)
{
	if (fd < 0)
		return;
	for (int i = 0; i < nouts; i++)
		for (int j = 0; j < NBUF; j++) {
			struct buf *b = &outs[i].buf[j];
			if (b->map)
				munmap(b->map, b->size);
			if (b->fb_id)
				drmModeRmFB(fd, b->fb_id);
			if (b->handle)
				drmModeDestroyDumbBuffer(fd, b->handle);
		}
	close(fd);
	fd = -1;
}

/*
 * Is the connector still usable? Checked with a probe (GETCONNECTOR with count_modes 0
 * runs the driver's detect), as a compositor does on a hotplug uevent: the cached status
 * (drmModeGetConnectorCurrent) only changes when something probes. A connector that
 * stays connected but has its "link-status" property set to BAD (the DRM way to say
 * "the link failed, modeset again") counts as failed too. Returns NULL if fine, else why.
 */
static const char *conn_problem(struct out *o)
{
	static char why[96];
	drmModeConnector *c = drmModeGetConnector(fd, o->conn_id);

	if (!c) {
		snprintf(why, sizeof(why), "GETCONNECTOR failed: %s", strerror(errno));
		return why;
	}
	if (c->connection != DRM_MODE_CONNECTED) {
		snprintf(why, sizeof(why), "reported disconnected (%d)", c->connection);
		drmModeFreeConnector(c);
		return why;
	}
	for (int i = 0; i < c->count_props; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, c->props[i]);
		bool bad = p && !strcmp(p->name, "link-status") &&
			   c->prop_values[i] == DRM_MODE_LINK_STATUS_BAD;
		drmModeFreeProperty(p);
		if (bad) {
			snprintf(why, sizeof(why), "link-status BAD");
			drmModeFreeConnector(c);
			return why;
		}
	}
	drmModeFreeConnector(c);
	return NULL;
}

static void check_still_connected(const char *when, double t0)
{
	for (int i = 0; i < nouts; i++) {
		const char *why = conn_problem(&outs[i]);
		if (why)
			failure_seen(now_ms() - t0, "connector %d %s %s", outs[i].index, why, when);
	}
}

/* square root by Newton's method (no libm in the guest's client) */
static double sqrt_d(double x)
{
	double r = x > 1 ? x : 1;

	if (x <= 0)
		return 0;
	for (int i = 0; i < 100; i++)
		r = (r + x / r) / 2;
	return r;
}

/* microseconds of CLOCK_MONOTONIC (DRM's event and vblank timestamps use it) */
static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

/*
 * --check-flip-events: each flip completes at a later vblank than the one before, so
 * its event must carry a larger sequence number and a later timestamp, and the
 * timestamp must be recent (the vblank the flip completed at, not a stale one).
 * An async flip is not tied to a vblank: its event carries the last vblank's, so
 * several may share one; they still must not go backwards.
 */
static void check_flip_event(struct out *o, unsigned int seq, unsigned int sec, unsigned int usec)
{
	uint64_t us = sec * 1000000ull + usec, now = now_us();

	if (opt.verbose)
		say("conn=%d flip event %u: sequence=%u time=%u.%06u (%.1f ms ago)", o->index,
		    o->events + 1, seq, sec, usec, (now - (double)us) / 1e3);
	if (us > now)
		verdict(false, "conn %d flip event %u: timestamp %u.%06u is in the future (now %.6f)",
			o->index, o->events + 1, sec, usec, now / 1e6);
	if (now - us > 1000000ull)
		verdict(false, "conn %d flip event %u: timestamp %u.%06u is %.0f ms old (stale vblank data?)",
			o->index, o->events + 1, sec, usec, (now - us) / 1e3);
	if (o->events) {
		/* async: the same sequence and time as the last event are fine */
		int ge = opt.async_flips;

		if ((int)(seq - o->ev_seq) < !ge)
			verdict(false, "conn %d flip event %u: sequence %u does not %s (previous event %u)",
				o->index, o->events + 1, seq, ge ? "stay or grow" : "increase", o->ev_seq);
		if (us + ge <= o->ev_us)
			verdict(false, "conn %d flip event %u: timestamp %u.%06u not after the previous event's %.6f",
				o->index, o->events + 1, sec, usec, o->ev_us / 1e6);
	} else {
		o->ev_seq_first = seq;
	}
	o->ev_seq = seq;
	o->ev_us = us;
}

/*
 * --vblank SECS: drmWaitVBlank(RELATIVE, 1) on the output's CRTC for SECS seconds.
 * Every reply must carry the next sequence number (a wait that misses vblanks because
 * the client ran late counts as a skip: at most --vblank-max-skip-pct of the waits) and a
 * later timestamp, close to now. The vblank rate (sequence advance over the client's
 * clock) must be within [--vblank-min-hz, --vblank-max-hz].
 */
static void vblank_test(struct out *o)
{
	unsigned int crtc_bits = 0, seq_first = 0, seq_prev = 0, waits = 0, plus1 = 0, skips = 0;
	uint64_t us_first = 0, us_prev = 0;
	double t0 = now_ms(), t_first = 0, t_last = 0, lag_max = 0, wait_max = 0;
	double iv_sum = 0, iv_sq = 0;   /* per-vblank intervals (us), skips divided out */

	if (o->crtc_index == 1)
		crtc_bits = DRM_VBLANK_SECONDARY;
	else if (o->crtc_index > 1)
		crtc_bits = (o->crtc_index << DRM_VBLANK_HIGH_CRTC_SHIFT) & DRM_VBLANK_HIGH_CRTC_MASK;
	while (now_ms() - t0 < opt.vblank_secs * 1000 &&
	       (!opt.vblank_waits || waits < opt.vblank_waits)) {
		drmVBlank vbl;
		double tw = now_ms(), t;
		uint64_t us, now;

		memset(&vbl, 0, sizeof(vbl));
		vbl.request.type = DRM_VBLANK_RELATIVE | crtc_bits;
		vbl.request.sequence = 1;
		if (drmWaitVBlank(fd, &vbl))
			verdict(false, "conn %d: drmWaitVBlank(RELATIVE, 1) on crtc %u (index %d), wait %u: %s",
				o->index, o->crtc_id, o->crtc_index, waits + 1, strerror(errno));
		t = now_ms();
		now = now_us();
		us = vbl.reply.tval_sec * 1000000ull + vbl.reply.tval_usec;
		if (t - tw > wait_max)
			wait_max = t - tw;
		if (us > now)
			verdict(false, "conn %d vblank wait %u: timestamp %.6f is in the future (now %.6f)",
				o->index, waits + 1, us / 1e6, now / 1e6);
		if ((now - us) / 1e3 > lag_max)
			lag_max = (now - us) / 1e3;
		if (waits) {
			int d = (int)(vbl.reply.sequence - seq_prev);

			if (d <= 0)
				verdict(false, "conn %d vblank wait %u: sequence %u after %u (not increasing)",
					o->index, waits + 1, vbl.reply.sequence, seq_prev);
			if (us <= us_prev)
				verdict(false, "conn %d vblank wait %u: timestamp %.6f not after the previous %.6f",
					o->index, waits + 1, us / 1e6, us_prev / 1e6);
			if (d == 1)
				plus1++;
			else
				skips++;
			if (d > 0) {
				double iv = ((double)us - (double)us_prev) / d;

				iv_sum += iv;
				iv_sq += iv * iv;
			}
		} else {
			seq_first = vbl.reply.sequence;
			us_first = us;
			t_first = t;
		}
		seq_prev = vbl.reply.sequence;
		us_prev = us;
		t_last = t;
		waits++;
	}
	if (waits < 3)
		verdict(false, "conn %d: only %u vblank waits in %.1f s (each took up to %.0f ms)",
			o->index, waits, opt.vblank_secs, wait_max);
	double wall_s = (t_last - t_first) / 1e3, ts_s = (us_prev - us_first) / 1e6;
	double hz = (seq_prev - seq_first) / wall_s, ts_hz = (seq_prev - seq_first) / ts_s;
	double skip_pct = 100.0 * skips / (waits - 1);

	say("conn=%d vblank: waits=%u seq=%u..%u plus1=%u skipped=%u (%.1f%%) rate=%.2f Hz (client clock) %.2f Hz (vblank timestamps) waits/s=%.2f max_wait=%.1f ms max_ts_lag=%.1f ms mode_vrefresh=%u",
	    o->index, waits, seq_first, seq_prev, plus1, skips, skip_pct, hz, ts_hz, (waits - 1) / wall_s,
	    wait_max, lag_max, o->mode.vrefresh);
	if (hz < opt.vblank_min_hz || hz > opt.vblank_max_hz)
		verdict(false, "conn %d: vblank rate %.2f Hz outside [%.0f, %.0f]", o->index, hz,
			opt.vblank_min_hz, opt.vblank_max_hz);
	if (skip_pct > opt.vblank_max_skip_pct)
		verdict(false, "conn %d: %u of %u vblank waits skipped a sequence number (%.1f%% > %.1f%%)",
			o->index, skips, waits - 1, skip_pct, opt.vblank_max_skip_pct);
	if (lag_max > 500)
		verdict(false, "conn %d: a vblank timestamp was %.0f ms old when the wait returned", o->index, lag_max);
	if (opt.vblank_waits && waits < opt.vblank_waits)
		verdict(false, "conn %d: only %u of %u vblank waits in %.1f s", o->index, waits,
			opt.vblank_waits, opt.vblank_secs);
	if (waits > 1) {
		double mean = iv_sum / (waits - 1), var = iv_sq / (waits - 1) - mean * mean;
		double sd = sqrt_d(var), pct = mean > 0 ? 100 * sd / mean : 100;

		say("conn=%d vblank intervals: n=%u mean=%.3f us sd=%.3f us (%.4f%% of the mean)",
		    o->index, waits - 1, mean, sd, pct);
		if (opt.vblank_jitter_pct > 0 && pct > opt.vblank_jitter_pct)
			verdict(false, "conn %d: vblank timestamps jitter: sd of the intervals %.1f us is %.3f%% of the mean %.1f us (> %.2f%%)",
				o->index, sd, pct, mean, opt.vblank_jitter_pct);
	}
}

static void page_flip_handler(int fd_, unsigned int seq, unsigned int sec, unsigned int usec,
			      unsigned int crtc_id, void *data)
{
	struct out *o = data;
	double lat;

	(void)fd_;
	if (!o || o < outs || o >= outs + nouts)
		verdict(false, "flip event with bad user data %p", data);
	if (crtc_id != o->crtc_id)
		verdict(false, "flip event for crtc %u, expected %u (conn %d)", crtc_id, o->crtc_id, o->index);
	if (!o->pending)
		verdict(false, "unexpected flip event for conn %d (none pending)", o->index);
	if (opt.check_flip_events)
		check_flip_event(o, seq, sec, usec);
	o->pending = false;
	o->events++;
	lat = now_ms() - o->flip_t0;
	if (!o->lat_n || lat < o->lat_min)
		o->lat_min = lat;
	if (lat > o->lat_max)
		o->lat_max = lat;
	o->lat_sum += lat;
	o->lat_n++;
}

/* wait until no flip is pending, bounded by --timeout-ms */
static void wait_flips(int flipno)
{
	drmEventContext ev = { .version = 3, .page_flip_handler2 = page_flip_handler };
	double t0 = now_ms();

	for (;;) {
		bool any = false;
		for (int i = 0; i < nouts; i++)
			any |= outs[i].pending;
		if (!any)
			return;
		double left = opt.timeout_ms - (now_ms() - t0);
		if (left <= 0) {
			for (int i = 0; i < nouts; i++)
				if (outs[i].pending)
					verdict(false, "hang: no flip event for flip %d on conn %d within %d ms",
						flipno, outs[i].index, opt.timeout_ms);
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, (int)left + 1);
		if (r < 0 && errno != EINTR)
			verdict(false, "poll: %s", strerror(errno));
		if (r > 0) {
			if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
				failure_seen(now_ms() - t0, "card fd poll revents 0x%x (device gone?)", p.revents);
			if (drmHandleEvent(fd, &ev) != 0)
				failure_seen(now_ms() - t0, "drmHandleEvent failed: %s", strerror(errno));
		}
	}
}

static void parse_list(const char *s, char items[][32], int *n)
{
	char tmp[160], *save = NULL, *tok;

	snprintf(tmp, sizeof(tmp), "%s", s);
	*n = 0;
	for (tok = strtok_r(tmp, ",", &save); tok && *n < MAX_CONNS; tok = strtok_r(NULL, ",", &save))
		snprintf(items[(*n)++], 32, "%s", tok);
}

/* --list-formats: "CLIENT plane-formats conn=N formats=XR24,RG24" (the planes of its CRTC) */
static void list_formats(const struct out *o)
{
	drmModePlaneRes *pr = drmModeGetPlaneResources(fd);
	char list[512] = "";
	size_t len = 0;

	if (!pr)
		verdict(false, "drmModeGetPlaneResources: %s", strerror(errno));
	for (uint32_t i = 0; i < pr->count_planes; i++) {
		drmModePlane *p = drmModeGetPlane(fd, pr->planes[i]);

		if (!p)
			verdict(false, "drmModeGetPlane: %s", strerror(errno));
		if (p->possible_crtcs & (1u << o->crtc_index))
			for (uint32_t f = 0; f < p->count_formats && len + 6 < sizeof(list); f++)
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%.4s",
							len ? "," : "", (const char *)&p->formats[f]);
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(pr);
	say("plane-formats conn=%d formats=%s", o->index, list);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xdisp-client [options]\n"
		"  --card PATH          DRM card (default: first /dev/dri/card*)\n"
		"  --driver NAME        expected DRM driver name (default xendrm-du)\n"
		"  --conn N[,N...]|all  connector index(es) to drive (default 0)\n"
		"  --expect-mode WxH[,WxH...]  mode(s) the connector(s) must offer; the first mode\n"
		"                       of that size in the connector's list is set\n"
		"  --mode WxH[,WxH...]  the same: set this mode of the list instead of the first\n"
		"  --format XR24|AR24|RG16|RG24 (default XR24)\n"
		"  --flips N            page flips, alternating 2 buffers (default 1)\n"
		"  --pattern bars|gradient|checker|demo (default bars)\n"
		"  --hold SEC           keep displaying after the flips\n"
		"  --exec-on-hold CMD   run CMD (sh -c) when the flips are done, before holding\n"
		"  --exec-after-modeset CMD  run CMD (sh -c) after the mode set, before the flips\n"
		"  --expect-fail        a failure must show up within --timeout-ms\n"
		"  --timeout-ms MS      bound for each flip event / expected failure (default 5000)\n"
		"  --vblank SECS        after the mode set: drmWaitVBlank(RELATIVE, 1) for SECS s,\n"
		"                       check sequences, timestamps and the rate\n"
		"  --vblank-hz MIN-MAX  accepted vblank rate (default 50-70)\n"
		"  --vblank-max-skip-pct P  waits that may skip a sequence number (default 5)\n"
		"  --vblank-waits N     end the vblank test after N waits (SECS is then a cap)\n"
		"  --vblank-jitter-pct P  the intervals between vblank timestamps (per vblank) must\n"
		"                       have a standard deviation of at most P%% of their mean\n"
		"  --check-flip-events  flip events: increasing sequence, increasing and recent timestamps\n"
		"                       (with --async-flips: never decreasing)\n"
		"  --async-flips        flip with DRM_MODE_PAGE_FLIP_ASYNC (needs DRM_CAP_ASYNC_PAGE_FLIP)\n"
		"  --list-formats       print the pixel formats of each connector's planes\n"
		"                       (CLIENT plane-formats conn=N formats=XR24,...)\n"
		"  --dumb WxH           size of the dumb buffers (default: the mode's)\n"
		"  --fb-pitch BYTES     the framebuffers' pitch (default: the dumb buffer's)\n"
		"  --fb-offset BYTES    the framebuffers' offset in their buffer (default 0)\n"
		"  --verbose            more output (the mode list, every flip event)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "card", 1, 0, 'c' }, { "driver", 1, 0, 'D' }, { "conn", 1, 0, 'n' },
		{ "expect-mode", 1, 0, 'm' }, { "format", 1, 0, 'f' }, { "flips", 1, 0, 'F' },
		{ "pattern", 1, 0, 'p' }, { "hold", 1, 0, 'H' }, { "expect-fail", 0, 0, 'x' },
		{ "timeout-ms", 1, 0, 't' }, { "exec-on-hold", 1, 0, 'e' }, { "verbose", 0, 0, 'v' },
		{ "exec-after-modeset", 1, 0, 'E' }, { "mode", 1, 0, 'm' },
		{ "vblank-waits", 1, 0, 'W' }, { "vblank-jitter-pct", 1, 0, 'J' },
		{ "vblank", 1, 0, 'V' }, { "vblank-hz", 1, 0, 'R' }, { "vblank-max-skip-pct", 1, 0, 'S' },
		{ "check-flip-events", 0, 0, 'C' }, { "list-formats", 0, 0, 'L' },
		{ "async-flips", 0, 0, 'A' },
		{ "dumb", 1, 0, 'B' }, { "fb-pitch", 1, 0, 'P' }, { "fb-offset", 1, 0, 'O' },
		{ "help", 0, 0, 'h' }, { 0 }
	};
	char conn_items[MAX_CONNS][32], mode_items[MAX_CONNS][32];
	int nconn_items, nmode_items = 0, c;
	drmModeRes *res;
	drmVersion *ver;
	double t0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	t_start = now_ms();
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c': opt.card = optarg; break;
		case 'D': opt.driver = optarg; break;
		case 'n': snprintf(opt.conns, sizeof(opt.conns), "%s", optarg); break;
		case 'm': snprintf(opt.modes, sizeof(opt.modes), "%s", optarg); break;
		case 'f':
			opt.fmt_name = optarg;
			if (!strcmp(optarg, "XR24")) { opt.fourcc = DRM_FORMAT_XRGB8888; opt.bpp = 32; }
			else if (!strcmp(optarg, "AR24")) { opt.fourcc = DRM_FORMAT_ARGB8888; opt.bpp = 32; }
			else if (!strcmp(optarg, "RG16")) { opt.fourcc = DRM_FORMAT_RGB565; opt.bpp = 16; }
			else if (!strcmp(optarg, "RG24")) { opt.fourcc = DRM_FORMAT_RGB888; opt.bpp = 24; }
			else usage();
			break;
		case 'F': opt.flips = atoi(optarg); break;
		case 'p':
			opt.pattern = optarg;
			if (strcmp(optarg, "bars") && strcmp(optarg, "gradient") &&
			    strcmp(optarg, "checker") && strcmp(optarg, "demo"))
				usage();
			break;
		case 'H': opt.hold = atoi(optarg); break;
		case 'x': opt.expect_fail = true; break;
		case 't': opt.timeout_ms = atoi(optarg); break;
		case 'e': opt.exec_on_hold = optarg; break;
		case 'E': opt.exec_after_modeset = optarg; break;
		case 'v': opt.verbose = true; break;
		case 'V': opt.vblank_secs = atof(optarg); if (opt.vblank_secs <= 0) usage(); break;
		case 'R':
			if (sscanf(optarg, "%lf-%lf", &opt.vblank_min_hz, &opt.vblank_max_hz) != 2)
				usage();
			break;
		case 'S': opt.vblank_max_skip_pct = atof(optarg); break;
		case 'W': opt.vblank_waits = atoi(optarg); break;
		case 'J': opt.vblank_jitter_pct = atof(optarg); break;
		case 'C': opt.check_flip_events = true; break;
		case 'A': opt.async_flips = true; break;
		case 'L': opt.list_formats = true; break;
		case 'B':
			if (sscanf(optarg, "%ux%u", &opt.dumb_w, &opt.dumb_h) != 2 || !opt.dumb_w ||
			    !opt.dumb_h)
				usage();
			break;
		case 'P': opt.fb_pitch = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'O': opt.fb_offset = (uint32_t)strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (optind != argc || opt.flips < 0 || opt.timeout_ms <= 0)
		usage();

	/* watchdog: nothing we do may take longer than this (an ioctl stuck in the driver) */
	signal(SIGALRM, on_alarm);
	alarm((opt.timeout_ms / 1000 + 2) * (opt.flips + 4) + opt.hold + (int)opt.vblank_secs * 2 + 30);

	phase = "open";
	if (!opt.card)
		opt.card = first_card();
	if (!opt.card)
		verdict(false, "no /dev/dri/card*");
	fd = open(opt.card, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		verdict(false, "open %s: %s", opt.card, strerror(errno));
	ver = drmGetVersion(fd);
	if (!ver)
		verdict(false, "drmGetVersion: %s", strerror(errno));
	say("card=%s driver=%s %d.%d.%d", opt.card, ver->name, ver->version_major,
	    ver->version_minor, ver->version_patchlevel);
	if (strcmp(ver->name, opt.driver))
		verdict(false, "driver is '%s', expected '%s'", ver->name, opt.driver);
	drmFreeVersion(ver);
	{
		uint64_t cap = 0;
		if (drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &cap) || !cap)
			verdict(false, "no dumb buffer support");
		cap = 0;
		if (opt.async_flips && (drmGetCap(fd, DRM_CAP_ASYNC_PAGE_FLIP, &cap) || !cap))
			verdict(false, "--async-flips: the driver has no DRM_CAP_ASYNC_PAGE_FLIP");
	}

	/* the primary planes are listed only to clients that ask for them */
	if (opt.list_formats && drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1))
		verdict(false, "DRM_CLIENT_CAP_UNIVERSAL_PLANES: %s", strerror(errno));

	phase = "get resources";
	res = drmModeGetResources(fd);
	if (!res)
		verdict(false, "drmModeGetResources: %s", strerror(errno));
	if (!strcmp(opt.conns, "all")) {
		nconn_items = res->count_connectors > MAX_CONNS ? MAX_CONNS : res->count_connectors;
		for (int i = 0; i < nconn_items; i++)
			snprintf(conn_items[i], 32, "%d", i);
	} else {
		parse_list(opt.conns, conn_items, &nconn_items);
	}
	if (opt.modes[0])
		parse_list(opt.modes, mode_items, &nmode_items);
	if (nmode_items && nmode_items != nconn_items)
		verdict(false, "--expect-mode has %d entries for %d connectors", nmode_items, nconn_items);
	say("resources: %d connectors, %d crtcs, %d encoders", res->count_connectors,
	    res->count_crtcs, res->count_encoders);

	uint32_t used_crtcs = 0;
	for (int k = 0; k < nconn_items; k++) {
		struct out *o = &outs[nouts];
		int idx = atoi(conn_items[k]);
		drmModeConnector *con;
		drmModeEncoder *enc;
		int m = -1;

		if (idx < 0 || idx >= res->count_connectors)
			verdict(false, "connector index %d: the card has %d connectors", idx, res->count_connectors);
		con = drmModeGetConnector(fd, res->connectors[idx]);
		if (!con)
			verdict(false, "drmModeGetConnector(%u): %s", res->connectors[idx], strerror(errno));
		if (con->connection != DRM_MODE_CONNECTED)
			failure_seen(0, "connector %d (id %u) is not connected (%d)", idx, con->connector_id, con->connection);
		if (!con->count_modes)
			verdict(false, "connector %d has no modes", idx);
		if (opt.verbose)
			for (int i = 0; i < con->count_modes; i++)
				say("conn=%d mode #%d %s %ux%u@%u%s", idx, i, con->modes[i].name,
				    con->modes[i].hdisplay, con->modes[i].vdisplay, con->modes[i].vrefresh,
				    con->modes[i].type & DRM_MODE_TYPE_PREFERRED ? " preferred" : "");
		for (int i = 0; i < con->count_modes; i++) {
			char name[32];
			snprintf(name, sizeof(name), "%ux%u", con->modes[i].hdisplay, con->modes[i].vdisplay);
			if (!nmode_items) { m = 0; break; }
			if (!strcmp(name, mode_items[k])) { m = i; break; }
		}
		if (m < 0)
			verdict(false, "connector %d does not offer mode %s (first: %ux%u)", idx,
				mode_items[k], con->modes[0].hdisplay, con->modes[0].vdisplay);
		o->index = idx;
		o->conn_id = con->connector_id;
		o->mode = con->modes[m];
		/* a CRTC this connector's encoder can drive, not used yet */
		o->crtc_id = 0;
		for (int e = 0; e < con->count_encoders && !o->crtc_id; e++) {
			enc = drmModeGetEncoder(fd, con->encoders[e]);
			if (!enc)
				continue;
			for (int i = 0; i < res->count_crtcs; i++)
				if ((enc->possible_crtcs & (1u << i)) && !(used_crtcs & (1u << i))) {
					o->crtc_id = res->crtcs[i];
					o->crtc_index = i;
					used_crtcs |= 1u << i;
					break;
				}
			drmModeFreeEncoder(enc);
		}
		if (!o->crtc_id)
			verdict(false, "no free CRTC for connector %d", idx);
		say("conn=%d id=%u mode=%ux%u@%u mode_index=%d/%d preferred=%s crtc=%u format=%s", idx,
		    o->conn_id, o->mode.hdisplay, o->mode.vdisplay, o->mode.vrefresh, m, con->count_modes,
		    o->mode.type & DRM_MODE_TYPE_PREFERRED ? "yes" : "no", o->crtc_id, opt.fmt_name);
		drmModeFreeConnector(con);
		nouts++;
	}

	if (opt.list_formats)
		for (int i = 0; i < nouts; i++)
			list_formats(&outs[i]);

	/* buffers */
	phase = "create buffers";
	t0 = now_ms();
	for (int i = 0; i < nouts; i++) {
		struct out *o = &outs[i];
		for (int j = 0; j < NBUF; j++) {
			struct buf *b = &o->buf[j];
			uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
			uint64_t off;
			double tb = now_ms();

			uint32_t dw = opt.dumb_w ? opt.dumb_w : o->mode.hdisplay;
			uint32_t dh = opt.dumb_h ? opt.dumb_h : o->mode.vdisplay;

			if (drmModeCreateDumbBuffer(fd, dw, dh, opt.bpp, 0, &b->handle, &b->pitch,
						    &b->size))
				failure_seen(now_ms() - tb, "create dumb %ux%u bpp %u: %s", dw, dh,
					     opt.bpp, strerror(errno));
			/* --fb-pitch, --fb-offset: a framebuffer laid out otherwise than its buffer */
			if (opt.fb_pitch)
				b->pitch = opt.fb_pitch;
			b->ofs = opt.fb_offset;
			handles[0] = b->handle;
			pitches[0] = b->pitch;
			offsets[0] = b->ofs;
			if (drmModeAddFB2(fd, o->mode.hdisplay, o->mode.vdisplay, opt.fourcc, handles,
					  pitches, offsets, &b->fb_id, 0))
				failure_seen(now_ms() - tb, "AddFB2 %s: %s", opt.fmt_name, strerror(errno));
			if (drmModeMapDumbBuffer(fd, b->handle, &off))
				failure_seen(now_ms() - tb, "map dumb: %s", strerror(errno));
			b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
			if (b->map == MAP_FAILED) {
				b->map = NULL;
				failure_seen(now_ms() - tb, "mmap dumb: %s", strerror(errno));
			}
			phase = "draw";
			draw(o, b, j + 2 * i);
			phase = "create buffers";
		}
		say("conn=%d buffers: pitch=%u offset=%u size=%" PRIu64 " fb=%u,%u checksums=0x%016" PRIx64 ",0x%016" PRIx64,
		    o->index, o->buf[0].pitch, o->buf[0].ofs, o->buf[0].size, o->buf[0].fb_id,
		    o->buf[1].fb_id,
		    o->buf[0].checksum, o->buf[1].checksum);
	}
	say("buffers created and drawn in %.1f ms", now_ms() - t0);

	/* mode set */
	phase = "modeset";
	for (int i = 0; i < nouts; i++) {
		struct out *o = &outs[i];
		t0 = now_ms();
		if (drmModeSetCrtc(fd, o->crtc_id, o->buf[0].fb_id, 0, 0, &o->conn_id, 1, &o->mode))
			failure_seen(now_ms() - t0, "SetCrtc conn %d: %s", o->index, strerror(errno));
		o->shown = 0;
		say("conn=%d modeset %.1f ms", o->index, now_ms() - t0);
		if (now_ms() - t0 > opt.timeout_ms)
			verdict(false, "modeset took %.0f ms (> %d)", now_ms() - t0, opt.timeout_ms);
	}
	if (opt.expect_fail)
		check_still_connected("after the modeset", t0);
	if (opt.exec_after_modeset) {
		phase = "exec-after-modeset";
		say("exec after modeset: %s", opt.exec_after_modeset);
		int rc = system(opt.exec_after_modeset);
		if (rc != 0)
			verdict(false, "--exec-after-modeset '%s' failed (status %d)", opt.exec_after_modeset, rc);
	}

	if (opt.vblank_secs > 0) {
		phase = "vblank waits";
		for (int i = 0; i < nouts; i++)
			vblank_test(&outs[i]);
	}

	/* flips */
	phase = "flips";
	double tf = now_ms();
	for (int n = 1; n <= opt.flips; n++) {
		for (int i = 0; i < nouts; i++) {
			struct out *o = &outs[i];
			int next = o->shown ^ 1;
			o->flip_t0 = now_ms();
			o->pending = true;
			if (drmModePageFlip(fd, o->crtc_id, o->buf[next].fb_id, DRM_MODE_PAGE_FLIP_EVENT |
					    (opt.async_flips ? DRM_MODE_PAGE_FLIP_ASYNC : 0), o)) {
				o->pending = false;
				failure_seen(now_ms() - o->flip_t0, "PageFlip %d conn %d: %s", n, o->index, strerror(errno));
			}
			o->shown = next;
		}
		wait_flips(n);
		for (int i = 0; i < nouts; i++) {
			double lat = now_ms() - outs[i].flip_t0;
			if (lat > opt.timeout_ms)
				failure_seen(lat, "flip %d conn %d took %.0f ms", n, outs[i].index, lat);
		}
		if (opt.expect_fail)
			check_still_connected("after a flip", outs[0].flip_t0);
	}
	double total = now_ms() - tf;
	for (int i = 0; i < nouts; i++) {
		struct out *o = &outs[i];
		if (o->events != (unsigned int)opt.flips)
			verdict(false, "conn %d: %u flip events for %d flips", o->index, o->events, opt.flips);
		if (opt.flips)
			say("conn=%d flips=%d events=%u total=%.1f ms latency min/avg/max=%.2f/%.2f/%.2f ms rate=%.1f flips/s",
			    o->index, opt.flips, o->events, total, o->lat_min, o->lat_sum / o->lat_n, o->lat_max,
			    opt.flips * 1000.0 / total);
		if (opt.flips && opt.check_flip_events)
			say("conn=%d flip events: sequence %u..%u (+%u for %u events), each %s the last, timestamps %s and recent%s",
			    o->index, o->ev_seq_first, o->ev_seq, o->ev_seq - o->ev_seq_first, o->events,
			    opt.async_flips ? "at least" : "larger than",
			    opt.async_flips ? "never decreasing" : "increasing",
			    opt.async_flips ? " (async flips)" : "");
	}
	for (int i = 0; i < nouts; i++)
		say("checksum=0x%016" PRIx64 " conn=%d buffer=%d mode=%ux%u format=%s pattern=%s",
		    outs[i].buf[outs[i].shown].checksum, outs[i].index, outs[i].shown,
		    outs[i].mode.hdisplay, outs[i].mode.vdisplay, opt.fmt_name, opt.pattern);

	if (opt.exec_on_hold) {
		phase = "exec-on-hold";
		say("HOLD exec: %s", opt.exec_on_hold);
		int rc = system(opt.exec_on_hold);
		if (rc != 0)
			verdict(false, "--exec-on-hold '%s' failed (status %d)", opt.exec_on_hold, rc);
	}
	if (opt.hold > 0) {
		phase = "hold";
		say("HOLD %d s", opt.hold);
		sleep(opt.hold);
	}
	if (opt.expect_fail) {
		/*
		 * A driver may report the failure asynchronously (link-status set from a
		 * worker, a hotplug event): poll the connectors until --timeout-ms after
		 * the start of the last flip (or the modeset).
		 */
		double last = opt.flips ? outs[0].flip_t0 : t0;
		phase = "expect-fail: waiting for a failure report";
		do {
			check_still_connected("after the last operation", last);
			usleep(100 * 1000);
		} while (now_ms() - last < opt.timeout_ms);
		check_still_connected("after the last operation", last);
		verdict(false, "expected a failure, but everything succeeded (and no failure was reported within %d ms)",
			opt.timeout_ms);
	}
	drmModeFreeResources(res);
	verdict(true, NULL);
}
