// SPDX-License-Identifier: MIT
/*
 * xdisp-stress: hostile-user checks for the drm_xen_front rig.
 *
 *   xdisp-stress --bad-input [--card PATH]
 *	absurd dumb-buffer sizes, unsupported formats, modifiers, offsets and
 *	pitches, modes the connector does not have: each must be refused with
 *	EINVAL; GETFB2 must work on a framebuffer of ours.
 *
 *   xdisp-stress --exhaust WxH [--rounds N] [--card PATH]
 *	creates WxH XRGB8888 dumb buffers until the driver refuses (the guest's
 *	grant table is small); the refusal must be ENOSPC or ENOMEM. Frees them
 *	all and repeats: a later round must get as many buffers as the first
 *	(nothing leaked). Then a buffer must still display.
 *
 * Prints "STRESS ok <what>" / "STRESS FAIL <what>: <why>" per check and ends
 * with "CLIENT VERDICT: PASS" or "CLIENT VERDICT: FAIL <n> check(s)".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm.h>
#include <drm_fourcc.h>
#include <drm_mode.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#define MAX_BUFS 8192

static int failures;

static void check(bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("STRESS ok %s\n", what);
		return;
	}
	failures++;
	printf("STRESS FAIL %s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Create a dumb buffer; returns 0 or the errno. */
static int dumb_create(int fd, uint32_t w, uint32_t h, uint32_t bpp,
		       struct drm_mode_create_dumb *out)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = bpp };

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return errno;
	if (out)
		*out = c;
	return 0;
}

static void dumb_destroy(int fd, uint32_t handle)
{
	struct drm_mode_destroy_dumb d = { .handle = handle };

	drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
}

/* ADDFB2 with everything spelled out; returns 0 or the errno. */
static int addfb2(int fd, uint32_t w, uint32_t h, uint32_t fourcc,
		  uint32_t handle, uint32_t pitch, uint32_t offset,
		  uint64_t modifier, bool with_modifier, uint32_t *fb_id)
{
	struct drm_mode_fb_cmd2 f = {
		.width = w, .height = h, .pixel_format = fourcc,
		.handles = { handle }, .pitches = { pitch },
		.offsets = { offset },
	};

	if (with_modifier) {
		f.flags = DRM_MODE_FB_MODIFIERS;
		f.modifier[0] = modifier;
	}
	if (drmIoctl(fd, DRM_IOCTL_MODE_ADDFB2, &f))
		return errno;
	*fb_id = f.fb_id;
	return 0;
}

struct output {
	uint32_t conn_id, crtc_id;
	drmModeModeInfo mode;
};

static bool find_output(int fd, struct output *out)
{
	drmModeRes *res = drmModeGetResources(fd);
	bool found = false;
	int i;

	if (!res)
		return false;
	for (i = 0; i < res->count_connectors && !found; i++) {
		drmModeConnector *c = drmModeGetConnector(fd, res->connectors[i]);

		if (c && c->connection == DRM_MODE_CONNECTED && c->count_modes) {
			out->conn_id = c->connector_id;
			out->crtc_id = res->crtcs[0];
			out->mode = c->modes[0];
			found = true;
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	return found;
}

static void bad_input(int fd)
{
	struct drm_mode_create_dumb d;
	struct output o;
	uint32_t fb = 0, fb2 = 0;
	int e;

	e = dumb_create(fd, 100000, 100000, 32, NULL);
	check(e == EINVAL, "dumb-100000x100000", "errno %d (%s)", e, strerror(e));
	/* width * bpp wraps a u32: upstream once computed pitch 0 here. */
	e = dumb_create(fd, 1u << 29, 1, 8, NULL);
	check(e == EINVAL, "dumb-pitch-overflow", "errno %d (%s)", e, strerror(e));
	e = dumb_create(fd, 8192, 8192, 64, NULL);
	check(e == EINVAL, "dumb-bpp-64", "errno %d (%s)", e, strerror(e));
	e = dumb_create(fd, 16385, 4, 32, NULL);
	check(e == EINVAL, "dumb-width-16385", "errno %d (%s)", e, strerror(e));

	e = dumb_create(fd, 640, 480, 32, &d);
	check(e == 0 && d.pitch == 640 * 4, "dumb-640x480",
	      "errno %d pitch %u", e, e ? 0 : d.pitch);
	if (e)
		return;

	e = addfb2(fd, 640, 480, DRM_FORMAT_NV12, d.handle, d.pitch, 0, 0,
		   false, &fb);
	check(e == EINVAL, "addfb-nv12", "errno %d (%s)", e, strerror(e));
	e = addfb2(fd, 640, 480, DRM_FORMAT_XRGB8888, d.handle, d.pitch, 0,
		   I915_FORMAT_MOD_X_TILED, true, &fb);
	check(e == EINVAL, "addfb-x-tiled", "errno %d (%s)", e, strerror(e));
	/*
	 * displif has no pitch and no offset: a framebuffer with its own gets
	 * a display buffer of its own (issue #13.3); only what no display
	 * buffer can express is refused.
	 */
	e = addfb2(fd, 320, 240, DRM_FORMAT_XRGB8888, d.handle, d.pitch, 4096,
		   0, false, &fb);
	check(e == 0, "addfb-offset", "errno %d (%s)", e, strerror(e));
	if (!e)
		drmModeRmFB(fd, fb);
	e = addfb2(fd, 320, 240, DRM_FORMAT_XRGB8888, d.handle, 320 * 4, 0, 0,
		   false, &fb);
	check(e == 0, "addfb-foreign-pitch", "errno %d (%s)", e, strerror(e));
	if (!e)
		drmModeRmFB(fd, fb);
	e = addfb2(fd, 320, 240, DRM_FORMAT_XRGB8888, d.handle, 320 * 4 + 2, 0,
		   0, false, &fb);
	check(e == EINVAL, "addfb-pitch-not-pixels", "errno %d (%s)", e,
	      strerror(e));
	fb = 0;
	e = addfb2(fd, 640, 480, DRM_FORMAT_XRGB8888, d.handle, d.pitch, 0,
		   DRM_FORMAT_MOD_LINEAR, true, &fb);
	check(e == 0, "addfb-linear", "errno %d (%s)", e, strerror(e));
	/* Another format on the same buffer is fine with the buffer's pitch. */
	e = addfb2(fd, 640, 480, DRM_FORMAT_RGB565, d.handle, d.pitch, 0, 0,
		   false, &fb2);
	check(e == 0, "addfb-rgb565-buffer-pitch", "errno %d (%s)", e,
	      strerror(e));
	if (!e)
		drmModeRmFB(fd, fb2);

	if (fb) {
		struct drm_mode_fb_cmd2 g = { .fb_id = fb };

		e = drmIoctl(fd, DRM_IOCTL_MODE_GETFB2, &g) ? errno : 0;
		check(e == 0 && g.handles[0] && g.pitches[0] == d.pitch &&
		      g.pixel_format == DRM_FORMAT_XRGB8888, "getfb2",
		      "errno %d handle %u pitch %u", e, g.handles[0],
		      g.pitches[0]);
		if (!e && g.handles[0])
			drmCloseBufferHandle(fd, g.handles[0]);
	}

	if (find_output(fd, &o) && fb) {
		drmModeModeInfo m = o.mode;

		/* The framebuffer is 640x480, the mode another size. */
		m.hdisplay = 640;
		m.vdisplay = 480;
		e = drmModeSetCrtc(fd, o.crtc_id, fb, 0, 0, &o.conn_id, 1, &m) ?
			errno : 0;
		if (o.mode.hdisplay == 640 && o.mode.vdisplay == 480)
			check(true, "setcrtc-foreign-mode", "");
		else
			check(e == EINVAL, "setcrtc-foreign-mode",
			      "errno %d (%s)", e, strerror(e));
	}
	if (fb)
		drmModeRmFB(fd, fb);
	dumb_destroy(fd, d.handle);
}

static int exhaust_round(int fd, uint32_t w, uint32_t h, int *err)
{
	static uint32_t handles[MAX_BUFS];
	struct drm_mode_create_dumb d = { 0 };
	int n = 0, i;

	*err = 0;
	while (n < MAX_BUFS) {
		*err = dumb_create(fd, w, h, 32, &d);
		if (*err)
			break;
		handles[n++] = d.handle;
	}
	for (i = 0; i < n; i++)
		dumb_destroy(fd, handles[i]);
	return n;
}

static void exhaust(int fd, uint32_t w, uint32_t h, int rounds)
{
	struct drm_mode_create_dumb d;
	struct output o;
	int first = 0, n, e, r;
	uint32_t fb;
	char what[64];

	for (r = 0; r < rounds; r++) {
		n = exhaust_round(fd, w, h, &e);
		printf("STRESS round %d: %d buffers of %ux%u before errno %d (%s)\n",
		       r, n, w, h, e, strerror(e));
		snprintf(what, sizeof(what), "exhaust-round%d-refusal", r);
		check(e == ENOSPC || e == ENOMEM, what, "errno %d (%s) after %d",
		      e, strerror(e), n);
		if (r == 0) {
			first = n;
			check(n > 0, "exhaust-some-buffers", "none at all");
		} else {
			snprintf(what, sizeof(what), "exhaust-round%d-no-leak", r);
			check(n >= first, what, "%d buffers, first round had %d",
			      n, first);
		}
	}

	/* The device must still work for a normal client. */
	if (!find_output(fd, &o)) {
		check(false, "still-works", "no connected output");
		return;
	}
	e = dumb_create(fd, o.mode.hdisplay, o.mode.vdisplay, 32, &d);
	check(e == 0, "still-works-create", "errno %d (%s)", e, strerror(e));
	if (e)
		return;
	e = addfb2(fd, o.mode.hdisplay, o.mode.vdisplay, DRM_FORMAT_XRGB8888,
		   d.handle, d.pitch, 0, 0, false, &fb);
	check(e == 0, "still-works-addfb", "errno %d (%s)", e, strerror(e));
	if (!e) {
		e = drmModeSetCrtc(fd, o.crtc_id, fb, 0, 0, &o.conn_id, 1,
				   &o.mode) ? errno : 0;
		check(e == 0, "still-works-setcrtc", "errno %d (%s)", e,
		      strerror(e));
		drmModeRmFB(fd, fb);
	}
	dumb_destroy(fd, d.handle);
}

static int open_card(const char *path)
{
	char name[32];
	int i, fd;

	if (path)
		return open(path, O_RDWR | O_CLOEXEC);
	for (i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "/dev/dri/card%d", i);
		fd = open(name, O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "card", 1, 0, 'c' }, { "bad-input", 0, 0, 'b' },
		{ "exhaust", 1, 0, 'x' }, { "rounds", 1, 0, 'r' }, { 0 }
	};
	const char *card = NULL;
	bool bad = false;
	uint32_t w = 0, h = 0;
	int rounds = 2, c, fd;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c': card = optarg; break;
		case 'b': bad = true; break;
		case 'x':
			if (sscanf(optarg, "%ux%u", &w, &h) != 2 || !w || !h) {
				fprintf(stderr, "bad --exhaust %s\n", optarg);
				return 2;
			}
			break;
		case 'r': rounds = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [--card PATH] [--bad-input] [--exhaust WxH [--rounds N]]\n",
				argv[0]);
			return 2;
		}
	}
	fd = open_card(card);
	if (fd < 0) {
		printf("CLIENT VERDICT: FAIL cannot open the card: %s\n",
		       strerror(errno));
		return 1;
	}
	/* Be master, so mode setting is allowed while fbdev holds the display. */
	drmSetMaster(fd);
	if (bad)
		bad_input(fd);
	if (w)
		exhaust(fd, w, h, rounds);
	close(fd);
	if (failures) {
		printf("CLIENT VERDICT: FAIL %d check(s)\n", failures);
		return 1;
	}
	printf("CLIENT VERDICT: PASS\n");
	return 0;
}
