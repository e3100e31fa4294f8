// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * KUnit: mode setting and GEM (xen_drm_front_kms.c, xen_drm_front_gem.c,
 * xen_drm_front_conn.c) on a DRM device brought up by the driver's own
 * xenbus callbacks; the scripted backend answers on the real rings and
 * sends EVT_PG_FLIP on the real event pages.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/seq_file.h>

#include <drm/drm_atomic.h>
#include <drm/drm_connector.h>
#include <drm/drm_crtc.h>
#include <drm/drm_drv.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_mode_config.h>
#include <drm/drm_modes.h>
#include <drm/drm_vblank.h>

#include <kunit/test.h>

#include <xen/xenbus.h>
#include <xen/interface/io/displif.h>

/* drm_mode_create_dumb(), drm_mode_destroy_dumb() */
#include "drm_crtc_internal.h"

#include "../../xen_drm_front.h"
#include "../../xen_drm_front_conn.h"
#include "../../xen_drm_front_evtchnl.h"
#include "../../xen_drm_front_gem.h"
#include "../../xen_drm_front_kms.h"

#include "helpers.h"

#define KMS_W	640
#define KMS_H	480
#define KMS_RES	"640x480"
#define KMS_MAX_FBS	12

struct kms_ctx {
	struct kt_dev kd;
	struct kt_fb fbs[KMS_MAX_FBS];
	unsigned int num_fbs;
	u32 dumb_handles[4];
	unsigned int num_dumbs;
};

static int kms_init(struct kunit *test)
{
	struct kms_ctx *ctx;

	fake_xen_reset();
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	return 0;
}

static void kms_exit(struct kunit *test)
{
	struct kms_ctx *ctx = test->priv;
	struct kt_dev *kd = &ctx->kd;
	unsigned int i;

	if (kd->client_open) {
		kt_commits_idle(kd);
		for (i = 0; i < ctx->num_fbs; i++)
			kt_fb_destroy(kd, &ctx->fbs[i]);
		for (i = 0; i < ctx->num_dumbs; i++)
			drm_mode_destroy_dumb(kd->drm, ctx->dumb_handles[i],
					      kd->client.file);
	}
	kt_dev_down(kd);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_granted(), 0);
	KUNIT_EXPECT_EQ(test, fake_xen_leaks(test), 0);
	KUNIT_EXPECT_EQ(test, fake_xen_errors(), 0);
}

static struct kt_dev *kms_up(struct kunit *test, unsigned int num_conns,
			     bool be_alloc)
{
	struct kms_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, kt_dev_up(test, &ctx->kd, num_conns, KMS_RES,
					be_alloc), 0);
	return &ctx->kd;
}

static struct kt_fb *kms_fb(struct kunit *test, u32 w, u32 h, u32 format,
			    u32 bpp)
{
	struct kms_ctx *ctx = test->priv;
	struct kt_fb *kfb;

	KUNIT_ASSERT_LT(test, ctx->num_fbs, KMS_MAX_FBS);
	kfb = &ctx->fbs[ctx->num_fbs++];
	KUNIT_ASSERT_EQ(test, kt_fb_create(&ctx->kd, kfb, w, h, format, bpp), 0);
	return kfb;
}

static struct kt_fb *kms_fb_xrgb(struct kunit *test)
{
	return kms_fb(test, KMS_W, KMS_H, DRM_FORMAT_XRGB8888, 32);
}

static u32 kms_dumb(struct kunit *test, u32 w, u32 h, u32 bpp,
		    struct drm_mode_create_dumb *out)
{
	struct kms_ctx *ctx = test->priv;
	struct drm_mode_create_dumb args = { .width = w, .height = h, .bpp = bpp };

	KUNIT_ASSERT_LT(test, ctx->num_dumbs, ARRAY_SIZE(ctx->dumb_handles));
	KUNIT_ASSERT_EQ(test, drm_mode_create_dumb(ctx->kd.drm, &args,
						   ctx->kd.client.file), 0);
	ctx->dumb_handles[ctx->num_dumbs++] = args.handle;
	if (out)
		*out = args;
	return args.handle;
}

static const struct fake_be_req *last_req(struct kunit *test, u8 op)
{
	struct kms_ctx *ctx = test->priv;
	const struct fake_be_req *r = fake_be_last(&ctx->kd.be, op);

	KUNIT_ASSERT_NOT_NULL_MSG(test, r, "no request %#x seen", op);
	return r;
}

static unsigned int ring_grants(struct kt_dev *kd)
{
	return 2 * kd->front_info->cfg.num_connectors;
}

/* ---- the device ---- */

static void kms_connectors(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 2, false);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, kd->drm->mode_config.num_connector, 2);
	KUNIT_EXPECT_EQ(test, kd->drm->mode_config.max_width, 8192);
	KUNIT_EXPECT_EQ(test, kd->drm->mode_config.max_height, 8192);
	KUNIT_EXPECT_TRUE(test, kd->drm->registered);
	for (i = 0; i < 2; i++) {
		struct drm_connector *conn = &kt_pipeline(kd, i)->conn;
		struct drm_display_mode *mode;
		int count;

		KUNIT_EXPECT_EQ(test, conn->connector_type,
				DRM_MODE_CONNECTOR_VIRTUAL);
		mutex_lock(&kd->drm->mode_config.mutex);
		count = conn->funcs->fill_modes(conn, 8192, 8192);
		mutex_unlock(&kd->drm->mode_config.mutex);
		KUNIT_ASSERT_EQ(test, count, 1);
		KUNIT_EXPECT_EQ(test, conn->status, connector_status_connected);
		mode = list_first_entry(&conn->modes, struct drm_display_mode,
					head);
		KUNIT_EXPECT_EQ(test, mode->hdisplay, KMS_W);
		KUNIT_EXPECT_EQ(test, mode->vdisplay, KMS_H);
		KUNIT_EXPECT_EQ(test, drm_mode_vrefresh(mode), 60);
		KUNIT_EXPECT_TRUE(test, mode->type & DRM_MODE_TYPE_PREFERRED);
	}
	/* Nothing asked of the backend yet. */
	KUNIT_EXPECT_EQ(test, kd->be.num_log, 0);
}

/* ---- buffers and framebuffers ---- */

static void kms_fb_create_destroy(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	const struct fake_be_req *create, *attach, *detach, *destroy;
	unsigned int pages = PAGE_ALIGN(KMS_W * 4 * KMS_H) >> PAGE_SHIFT;
	struct kt_fb *kfb = kms_fb_xrgb(test);
	struct fake_grant g;
	u64 dbuf, fb;

	KUNIT_EXPECT_EQ(test, kfb->pitch, KMS_W * 4);
	KUNIT_EXPECT_EQ(test, kfb->size, (u64)KMS_W * 4 * KMS_H);

	create = last_req(test, XENDISPL_OP_DBUF_CREATE);
	KUNIT_EXPECT_EQ(test, create->conn, 0);
	dbuf = create->req.op.dbuf_create.dbuf_cookie;
	KUNIT_EXPECT_NE(test, dbuf, 0);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.width, KMS_W);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.height, KMS_H);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.bpp, 32);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.buffer_sz, kfb->size);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.flags, 0);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.data_ofs, 0);
	KUNIT_ASSERT_TRUE(test, fake_gnttab_get(create->req.op.dbuf_create.gref_directory, &g));
	KUNIT_EXPECT_EQ(test, g.state, FAKE_GNT_GRANTED);
	/* libxenbe maps the directory read-write: a read-only grant fails it */
	KUNIT_EXPECT_FALSE(test, g.readonly);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), ring_grants(kd) + 1 + pages);

	attach = last_req(test, XENDISPL_OP_FB_ATTACH);
	KUNIT_EXPECT_EQ(test, attach->conn, 0);
	fb = attach->req.op.fb_attach.fb_cookie;
	KUNIT_EXPECT_EQ(test, attach->req.op.fb_attach.dbuf_cookie, dbuf);
	KUNIT_EXPECT_NE(test, fb, 0);
	KUNIT_EXPECT_NE(test, fb, dbuf);
	KUNIT_EXPECT_EQ(test, attach->req.op.fb_attach.width, KMS_W);
	KUNIT_EXPECT_EQ(test, attach->req.op.fb_attach.height, KMS_H);
	KUNIT_EXPECT_EQ(test, attach->req.op.fb_attach.pixel_format,
			DRM_FORMAT_XRGB8888);

	kt_fb_destroy(kd, kfb);
	detach = last_req(test, XENDISPL_OP_FB_DETACH);
	KUNIT_EXPECT_EQ(test, detach->req.op.fb_detach.fb_cookie, fb);
	destroy = last_req(test, XENDISPL_OP_DBUF_DESTROY);
	KUNIT_EXPECT_EQ(test, destroy->req.op.dbuf_destroy.dbuf_cookie, dbuf);
	/* The framebuffer goes before its buffer. */
	KUNIT_EXPECT_LT(test, detach - kd->be.log, destroy - kd->be.log);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_FB_DETACH), 1);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_DESTROY), 1);
	/* Only the rings stay granted. */
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), ring_grants(kd));
}

static void kms_dumb_layout(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct drm_mode_create_dumb args;
	const struct fake_be_req *create;

	kms_dumb(test, 1366, 768, 24, &args);
	KUNIT_EXPECT_EQ(test, args.pitch, 4098);
	KUNIT_EXPECT_EQ(test, args.size, PAGE_ALIGN(4098ULL * 768));
	create = last_req(test, XENDISPL_OP_DBUF_CREATE);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.width, 1366);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.bpp, 24);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.buffer_sz, args.size);

	/* Too large for the device: refused before anything is shared. */
	args = (struct drm_mode_create_dumb){ .width = 8193, .height = 8, .bpp = 32 };
	KUNIT_EXPECT_EQ(test, drm_mode_create_dumb(kd->drm, &args, kd->client.file),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_CREATE), 1);
}

static void kms_fb_all_formats(struct kunit *test)
{
	static const struct {
		u32 format, bpp;
	} formats[] = {
		{ DRM_FORMAT_RGB565, 16 }, { DRM_FORMAT_RGB888, 24 },
		{ DRM_FORMAT_XRGB8888, 32 }, { DRM_FORMAT_ARGB8888, 32 },
		{ DRM_FORMAT_XRGB4444, 16 }, { DRM_FORMAT_ARGB4444, 16 },
		{ DRM_FORMAT_XRGB1555, 16 }, { DRM_FORMAT_ARGB1555, 16 },
		{ DRM_FORMAT_YUYV, 16 },
	};
	struct kt_dev *kd = kms_up(test, 1, false);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(formats); i++) {
		struct kms_ctx *ctx = test->priv;
		struct kt_fb *kfb;

		KUNIT_EXPECT_TRUE(test, xen_drm_front_kms_format_supported(formats[i].format));
		kfb = kms_fb(test, KMS_W, KMS_H, formats[i].format, formats[i].bpp);
		KUNIT_EXPECT_EQ(test, last_req(test, XENDISPL_OP_FB_ATTACH)->req.op.fb_attach.pixel_format,
				formats[i].format);
		kt_fb_destroy(kd, kfb);
		ctx->num_fbs--;
	}
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), ring_grants(kd));
}

/* Call the driver's fb_create directly, as drm_mode_addfb2() would. */
static int try_fb_create(struct kt_dev *kd, struct drm_mode_fb_cmd2 *cmd)
{
	struct drm_framebuffer *fb;

	fb = kd->drm->mode_config.funcs->fb_create(kd->drm, kd->client.file,
						   cmd);
	if (IS_ERR(fb))
		return PTR_ERR(fb);
	drm_framebuffer_put(fb);
	return 0;
}

static void kms_fb_rejects(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct drm_mode_create_dumb args;
	struct drm_mode_fb_cmd2 cmd;
	unsigned int attaches;

	kms_dumb(test, KMS_W, KMS_H, 32, &args);
	memset(&cmd, 0, sizeof(cmd));
	cmd.width = KMS_W;
	cmd.height = KMS_H;
	cmd.pixel_format = DRM_FORMAT_XRGB8888;
	cmd.handles[0] = args.handle;
	cmd.pitches[0] = args.pitch;
	/* The reference: accepted (and detached when put). */
	KUNIT_ASSERT_EQ(test, try_fb_create(kd, &cmd), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_FB_DETACH), 1);
	attaches = fake_be_count(&kd->be, XENDISPL_OP_FB_ATTACH);

	cmd.pixel_format = DRM_FORMAT_XBGR8888;
	KUNIT_EXPECT_EQ(test, try_fb_create(kd, &cmd), -EINVAL);
	cmd.pixel_format = DRM_FORMAT_NV12;
	KUNIT_EXPECT_EQ(test, try_fb_create(kd, &cmd), -EINVAL);
	cmd.pixel_format = DRM_FORMAT_XRGB8888;

	cmd.flags = DRM_MODE_FB_MODIFIERS;
	cmd.modifier[0] = I915_FORMAT_MOD_X_TILED;
	KUNIT_EXPECT_EQ(test, try_fb_create(kd, &cmd), -EINVAL);
	cmd.modifier[0] = DRM_FORMAT_MOD_INVALID;
	KUNIT_EXPECT_EQ(test, try_fb_create(kd, &cmd), -EINVAL);

	/* Past the buffer's end (DRM's own check). */
	cmd.flags = 0;
	cmd.modifier[0] = 0;
	cmd.offsets[0] = PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, try_fb_create(kd, &cmd), -EINVAL);
	cmd.offsets[0] = 0;
	cmd.pitches[0] = args.pitch + 64;
	KUNIT_EXPECT_EQ(test, try_fb_create(kd, &cmd), -EINVAL);
	/* A pitch that is not a whole number of pixels: no buffer width. */
	cmd.width = KMS_W / 2;
	cmd.pitches[0] = args.pitch / 2 + 2;
	KUNIT_EXPECT_EQ(test, try_fb_create(kd, &cmd), -EINVAL);
	/* An offset within a page needs displif version 2. */
	cmd.pitches[0] = args.pitch;
	cmd.height = KMS_H / 2;
	cmd.offsets[0] = 64;
	KUNIT_EXPECT_EQ(test, kd->front_info->cfg.version, 1);
	KUNIT_EXPECT_EQ(test, try_fb_create(kd, &cmd), -EINVAL);
	cmd.offsets[0] = 0;
	cmd.height = KMS_H;

	/* None of them reached the backend. */
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_FB_ATTACH),
			attaches);

	/* A linear modifier is fine. */
	cmd.width = KMS_W;
	cmd.pitches[0] = args.pitch;
	cmd.flags = DRM_MODE_FB_MODIFIERS;
	cmd.modifier[0] = DRM_FORMAT_MOD_LINEAR;
	KUNIT_EXPECT_EQ(test, try_fb_create(kd, &cmd), 0);
}

/*
 * A framebuffer whose pitch is not its buffer's (here: half the width,
 * packed) gets a display buffer of its own over the same pages, pitch /
 * cpp wide; the backend shows the framebuffer's width x height from it.
 * One with the buffer's pitch (a part of it) uses the buffer's.
 */
static void kms_fb_foreign_pitch(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	const struct fake_be_req *create, *attach;
	struct drm_mode_create_dumb args;
	struct drm_mode_fb_cmd2 cmd = {};
	struct drm_framebuffer *fb;
	u64 obj_dbuf, view;
	u32 grants;

	kms_dumb(test, KMS_W, KMS_H, 32, &args);
	obj_dbuf = last_req(test, XENDISPL_OP_DBUF_CREATE)->req.op.dbuf_create.dbuf_cookie;
	grants = fake_gnttab_in_use();
	cmd.width = KMS_W / 2;
	cmd.height = KMS_H / 2;
	cmd.pixel_format = DRM_FORMAT_XRGB8888;
	cmd.handles[0] = args.handle;

	/* The buffer's own pitch: its own dbuf. */
	cmd.pitches[0] = args.pitch;
	fb = kd->drm->mode_config.funcs->fb_create(kd->drm, kd->client.file, &cmd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fb));
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_CREATE), 1);
	attach = last_req(test, XENDISPL_OP_FB_ATTACH);
	KUNIT_EXPECT_EQ(test, attach->req.op.fb_attach.dbuf_cookie, obj_dbuf);
	KUNIT_EXPECT_EQ(test, attach->req.op.fb_attach.width, KMS_W / 2);
	drm_framebuffer_put(fb);

	/* Packed at half the pitch: a view, KMS_W / 2 wide. */
	cmd.pitches[0] = args.pitch / 2;
	fb = kd->drm->mode_config.funcs->fb_create(kd->drm, kd->client.file, &cmd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fb));
	create = last_req(test, XENDISPL_OP_DBUF_CREATE);
	view = create->req.op.dbuf_create.dbuf_cookie;
	KUNIT_EXPECT_NE(test, view, obj_dbuf);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.width, KMS_W / 2);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.height, KMS_H / 2);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.bpp, 32);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.data_ofs, 0);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.buffer_sz,
			PAGE_ALIGN(args.pitch / 2 * KMS_H / 2));
	attach = last_req(test, XENDISPL_OP_FB_ATTACH);
	KUNIT_EXPECT_EQ(test, attach->req.op.fb_attach.dbuf_cookie, view);
	KUNIT_EXPECT_EQ(test, attach->req.op.fb_attach.width, KMS_W / 2);
	KUNIT_EXPECT_EQ(test, attach->req.op.fb_attach.height, KMS_H / 2);
	KUNIT_EXPECT_EQ(test, xen_drm_front_fb_to_dbuf_cookie(fb), view);
	/* The same pages, granted again for the view. */
	KUNIT_EXPECT_GT(test, fake_gnttab_in_use(), grants);
	drm_framebuffer_put(fb);
	KUNIT_EXPECT_EQ(test, last_req(test, XENDISPL_OP_DBUF_DESTROY)->req.op.dbuf_destroy.dbuf_cookie,
			view);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_FB_DETACH), 2);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), grants);
}

/*
 * A framebuffer at an offset: its view starts at the page holding the
 * offset; the rest of the offset is data_ofs (version 2).
 */
static void kms_fb_offset(struct kunit *test)
{
	struct kms_ctx *ctx = test->priv;
	struct kt_dev *kd = &ctx->kd;
	const struct fake_be_req *create;
	struct drm_mode_create_dumb args;
	struct drm_mode_fb_cmd2 cmd = {};
	char path[96];
	u32 grants;

	KUNIT_ASSERT_EQ(test, kt_dev_probe(test, kd, 1, KMS_RES, false), 0);
	snprintf(path, sizeof(path), "%s/%s", kd->fdev->otherend,
		 XENDISPL_FIELD_BE_VERSIONS);
	fake_xs_write(path, "1,2");
	KUNIT_ASSERT_EQ(test, kt_dev_initwait(kd), 0);
	KUNIT_ASSERT_EQ(test, kt_dev_connected(kd), 0);
	KUNIT_ASSERT_EQ(test, kt_client_open(kd), 0);
	KUNIT_ASSERT_EQ(test, kd->front_info->cfg.version, 2);

	/* Two frames and a line: room for the second one 64 bytes on. */
	kms_dumb(test, KMS_W, KMS_H * 2 + 1, 32, &args);
	grants = fake_gnttab_in_use();
	cmd.width = KMS_W;
	cmd.height = KMS_H;
	cmd.pixel_format = DRM_FORMAT_XRGB8888;
	cmd.handles[0] = args.handle;
	cmd.pitches[0] = args.pitch;
	/* The second frame of a double-height buffer, and 64 bytes more. */
	cmd.offsets[0] = args.pitch * KMS_H + 64;
	KUNIT_ASSERT_EQ(test, try_fb_create(kd, &cmd), 0);
	create = last_req(test, XENDISPL_OP_DBUF_CREATE);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.width, KMS_W);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.height, KMS_H);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.data_ofs,
			offset_in_page(cmd.offsets[0]));
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.buffer_sz,
			PAGE_ALIGN(cmd.offsets[0] + args.pitch * KMS_H) -
			(cmd.offsets[0] & PAGE_MASK));
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_DESTROY), 1);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), grants);

	/*
	 * Half as wide, its last line ending at the buffer's end (DRM
	 * accepts it): that line's padding would run past it. Refused.
	 */
	cmd.width = KMS_W / 2;
	cmd.offsets[0] = args.size - args.pitch * (KMS_H - 1) - KMS_W / 2 * 4;
	KUNIT_EXPECT_EQ(test, try_fb_create(kd, &cmd), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_CREATE), 2);
}

/* A backend-allocated buffer's pages cannot be granted again: refused. */
static void kms_be_alloc_foreign_pitch(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, true);
	struct drm_mode_create_dumb args;
	struct drm_mode_fb_cmd2 cmd = {};

	kms_dumb(test, KMS_W, KMS_H, 32, &args);
	cmd.width = KMS_W / 2;
	cmd.height = KMS_H / 2;
	cmd.pixel_format = DRM_FORMAT_XRGB8888;
	cmd.handles[0] = args.handle;
	cmd.pitches[0] = args.pitch / 2;
	KUNIT_EXPECT_EQ(test, try_fb_create(kd, &cmd), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_CREATE), 1);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_FB_ATTACH), 0);
}

/* ---- formats the backend accepts ---- */

static bool plane_has(struct kt_dev *kd, u32 format)
{
	struct drm_plane *plane = &kt_pipeline(kd, 0)->pipe.plane;
	unsigned int i;

	for (i = 0; i < plane->format_count; i++)
		if (plane->format_types[i] == format)
			return true;
	return false;
}

/*
 * At connect every candidate format is tried once; the planes offer only
 * those the backend accepted, and ADDFB2 refuses the others.
 */
static void kms_formats_probed(struct kunit *test)
{
	struct kms_ctx *ctx = test->priv;
	struct kt_dev *kd = &ctx->kd;
	struct drm_mode_create_dumb args;
	struct drm_mode_fb_cmd2 cmd = {};

	KUNIT_ASSERT_EQ(test, kt_dev_probe(test, kd, 2, KMS_RES, false), 0);
	KUNIT_ASSERT_EQ(test, kt_dev_initwait(kd), 0);
	kd->be.refuse_formats[0] = DRM_FORMAT_RGB565;
	kd->be.refuse_formats[1] = DRM_FORMAT_ARGB8888;
	kd->be.num_refuse_formats = 2;
	KUNIT_ASSERT_EQ(test, kt_dev_connected(kd), 0);
	KUNIT_ASSERT_EQ(test, kt_client_open(kd), 0);

	/* One buffer per bytes-per-pixel, one attach per format. */
	KUNIT_EXPECT_EQ(test, kd->be.forgotten[XENDISPL_OP_DBUF_CREATE], 3);
	KUNIT_EXPECT_EQ(test, kd->be.forgotten[XENDISPL_OP_DBUF_DESTROY], 3);
	KUNIT_EXPECT_EQ(test, kd->be.forgotten[XENDISPL_OP_FB_ATTACH], 9);
	KUNIT_EXPECT_EQ(test, kd->be.forgotten[XENDISPL_OP_FB_DETACH], 7);
	KUNIT_EXPECT_EQ(test, kd->front_info->num_formats, 7);
	/* Nothing of the probe is left granted. */
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), ring_grants(kd));

	KUNIT_EXPECT_EQ(test, kt_pipeline(kd, 0)->pipe.plane.format_count, 7);
	KUNIT_EXPECT_EQ(test, kt_pipeline(kd, 1)->pipe.plane.format_count, 7);
	KUNIT_EXPECT_TRUE(test, plane_has(kd, DRM_FORMAT_XRGB8888));
	KUNIT_EXPECT_TRUE(test, plane_has(kd, DRM_FORMAT_RGB888));
	KUNIT_EXPECT_TRUE(test, plane_has(kd, DRM_FORMAT_XRGB1555));
	KUNIT_EXPECT_FALSE(test, plane_has(kd, DRM_FORMAT_RGB565));
	KUNIT_EXPECT_FALSE(test, plane_has(kd, DRM_FORMAT_ARGB8888));

	kms_dumb(test, KMS_W, KMS_H, 16, &args);
	cmd.width = KMS_W;
	cmd.height = KMS_H;
	cmd.handles[0] = args.handle;
	cmd.pitches[0] = args.pitch;
	cmd.pixel_format = DRM_FORMAT_RGB565;
	KUNIT_EXPECT_EQ(test, try_fb_create(kd, &cmd), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_FB_ATTACH), 0);
	cmd.pixel_format = DRM_FORMAT_XRGB1555;
	KUNIT_EXPECT_EQ(test, try_fb_create(kd, &cmd), 0);
}

/* Without XRGB8888 the device is unusable: no DRM device, nothing held. */
static void kms_formats_no_xrgb8888(struct kunit *test)
{
	struct kms_ctx *ctx = test->priv;
	struct kt_dev *kd = &ctx->kd;

	KUNIT_ASSERT_EQ(test, kt_dev_probe(test, kd, 1, KMS_RES, false), 0);
	KUNIT_ASSERT_EQ(test, kt_dev_initwait(kd), 0);
	kd->be.refuse_formats[0] = DRM_FORMAT_XRGB8888;
	kd->be.num_refuse_formats = 1;
	KUNIT_EXPECT_EQ(test, kt_dev_connected(kd), -EIO);
	KUNIT_EXPECT_NULL(test, kd->front_info->drm_info);
	KUNIT_EXPECT_EQ(test, kd->fdev->fatal_count, 1);
	KUNIT_EXPECT_EQ(test, kd->fdev->fatal_err, -ENODEV);
	KUNIT_EXPECT_EQ(test, kd->front_info->num_formats, 0);
	/* Every probe buffer destroyed, its grants ended. */
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_CREATE),
			fake_be_count(&kd->be, XENDISPL_OP_DBUF_DESTROY));
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), ring_grants(kd));
}

/* Backend-allocated buffers: we map exactly what the backend granted. */
static void kms_be_alloc_dumb(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, true);
	unsigned int pages = PAGE_ALIGN(KMS_W * 4 * KMS_H) >> PAGE_SHIFT;
	struct kms_ctx *ctx = test->priv;
	const struct fake_be_req *create;
	struct drm_mode_create_dumb args;

	kms_dumb(test, KMS_W, KMS_H, 32, &args);
	create = last_req(test, XENDISPL_OP_DBUF_CREATE);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.flags,
			XENDISPL_DBUF_FLG_REQ_ALLOC);
	KUNIT_EXPECT_EQ(test, create->req.op.dbuf_create.buffer_sz, args.size);
	KUNIT_EXPECT_TRUE(test, kd->be.be_alloc_dir_writable);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_granted(), pages);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_mapped(), pages);
	KUNIT_EXPECT_EQ(test, fake_balloon_pages(), pages);
	/* Only the directory is ours to grant. */
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), ring_grants(kd) + 1);

	KUNIT_ASSERT_EQ(test, drm_mode_destroy_dumb(kd->drm, args.handle,
						    kd->client.file), 0);
	ctx->num_dumbs--;
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_DESTROY), 1);
	/* Unmapped before the backend was told to free its pages. */
	KUNIT_EXPECT_EQ(test, kd->be.mapped_at_destroy, 0);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_mapped(), 0);
	KUNIT_EXPECT_EQ(test, fake_balloon_pages(), 0);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), ring_grants(kd));
}

/* A backend that leaves a reference empty: refused, and its buffer freed. */
static void kms_be_alloc_zero_gref(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, true);
	struct drm_mode_create_dumb args = {
		.width = KMS_W, .height = KMS_H, .bpp = 32,
	};
	const struct fake_be_req *create, *destroy;

	kd->be.be_alloc_zero_gref = true;
	KUNIT_EXPECT_EQ(test, drm_mode_create_dumb(kd->drm, &args, kd->client.file),
			-EINVAL);
	create = last_req(test, XENDISPL_OP_DBUF_CREATE);
	destroy = last_req(test, XENDISPL_OP_DBUF_DESTROY);
	KUNIT_EXPECT_EQ(test, destroy->req.op.dbuf_destroy.dbuf_cookie,
			create->req.op.dbuf_create.dbuf_cookie);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_mapped(), 0);
	KUNIT_EXPECT_EQ(test, fake_balloon_pages(), 0);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), ring_grants(kd));
}

static void kms_dbuf_create_fails(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct drm_mode_create_dumb args = {
		.width = KMS_W, .height = KMS_H, .bpp = 32,
	};

	kd->be.status[XENDISPL_OP_DBUF_CREATE] = -ENOMEM;
	KUNIT_EXPECT_EQ(test, drm_mode_create_dumb(kd->drm, &args, kd->client.file),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_CREATE), 1);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_DESTROY), 0);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), ring_grants(kd));
}

static void kms_dumb_out_of_grants(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct drm_mode_create_dumb args = {
		.width = KMS_W, .height = KMS_H, .bpp = 32,
	};

	fake_gnttab_set_capacity(ring_grants(kd) + 10);
	KUNIT_EXPECT_EQ(test, drm_mode_create_dumb(kd->drm, &args, kd->client.file),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_CREATE), 0);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), ring_grants(kd));
	fake_gnttab_set_capacity(0);
}

/* ---- mode setting ---- */

static void kms_enable_set_config(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 2, false);
	const struct fake_be_req *cfg;
	struct kt_fb *kfb = kms_fb_xrgb(test);
	u64 fb = last_req(test, XENDISPL_OP_FB_ATTACH)->req.op.fb_attach.fb_cookie;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 1, kfb->fb), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 1);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 0);
	cfg = last_req(test, XENDISPL_OP_SET_CONFIG);
	/* On the connector's own ring. */
	KUNIT_EXPECT_EQ(test, cfg->conn, 1);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.fb_cookie, fb);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.x, 0);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.y, 0);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.width, KMS_W);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.height, KMS_H);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.bpp, 32);
	KUNIT_EXPECT_TRUE(test, kt_flip_done(kd, 1));
	KUNIT_EXPECT_EQ(test, kt_pipeline(kd, 1)->conn.state->link_status,
			DRM_MODE_LINK_STATUS_GOOD);
}

static void kms_disable_set_config_zero(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	const struct fake_be_req *cfg;
	struct kt_fb *kfb = kms_fb_xrgb(test);

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, kfb->fb), 0);
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 2);
	cfg = last_req(test, XENDISPL_OP_SET_CONFIG);
	KUNIT_EXPECT_EQ(test, cfg->conn, 0);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.fb_cookie, 0);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.x, 0);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.y, 0);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.width, 0);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.height, 0);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.bpp, 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 0);
}

static void kms_wrong_mode_rejected(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *kfb = kms_fb(test, 800, 600, DRM_FORMAT_XRGB8888, 32);

	KUNIT_EXPECT_EQ(test, kt_commit_enable(kd, 0, kfb->fb), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 0);
}

static u64 fb_cookie_of(struct kunit *test)
{
	return last_req(test, XENDISPL_OP_FB_ATTACH)->req.op.fb_attach.fb_cookie;
}

/* Timings nothing can show are refused, whatever the size. */
static void kms_mode_timings(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct drm_simple_display_pipe *pipe = &kt_pipeline(kd, 0)->pipe;
	struct drm_display_mode *mode, *big;

	mode = xen_drm_front_conn_mode_create(kd->drm, KMS_W, KMS_H);
	KUNIT_ASSERT_NOT_NULL(test, mode);
	KUNIT_EXPECT_EQ(test, pipe->funcs->mode_valid(pipe, mode), MODE_OK);

	mode->clock = INT_MAX;
	KUNIT_EXPECT_EQ(test, pipe->funcs->mode_valid(pipe, mode), MODE_CLOCK_HIGH);
	mode->clock = 0;
	KUNIT_EXPECT_EQ(test, pipe->funcs->mode_valid(pipe, mode), MODE_CLOCK_LOW);
	mode->clock = -25000;
	KUNIT_EXPECT_EQ(test, pipe->funcs->mode_valid(pipe, mode), MODE_CLOCK_LOW);
	/* 640x480 at 1000 Hz, at 0.002 Hz. */
	mode->clock = mode->htotal * mode->vtotal;
	KUNIT_EXPECT_EQ(test, pipe->funcs->mode_valid(pipe, mode), MODE_CLOCK_HIGH);
	mode->clock = 1;
	KUNIT_EXPECT_EQ(test, pipe->funcs->mode_valid(pipe, mode), MODE_CLOCK_LOW);
	mode->clock = 25000;
	KUNIT_EXPECT_EQ(test, pipe->funcs->mode_valid(pipe, mode), MODE_OK);
	mode->htotal = 0;
	KUNIT_EXPECT_EQ(test, pipe->funcs->mode_valid(pipe, mode), MODE_H_ILLEGAL);
	mode->htotal = KMS_W - 1;
	KUNIT_EXPECT_EQ(test, pipe->funcs->mode_valid(pipe, mode), MODE_H_ILLEGAL);
	mode->htotal = 800;
	mode->vtotal = 0;
	KUNIT_EXPECT_EQ(test, pipe->funcs->mode_valid(pipe, mode), MODE_V_ILLEGAL);
	mode->vtotal = 525;
	KUNIT_EXPECT_EQ(test, pipe->funcs->mode_valid(pipe, mode), MODE_OK);
	drm_mode_destroy(kd->drm, mode);

	/* Our largest size at 60 Hz and at 240 Hz is fine; above, not. */
	big = xen_drm_front_conn_mode_create(kd->drm, 8192, 8192);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_EXPECT_EQ(test, xen_drm_front_kms_timings_valid(big), MODE_OK);
	big->clock *= 4;
	KUNIT_EXPECT_EQ(test, xen_drm_front_kms_timings_valid(big), MODE_OK);
	big->clock += big->clock / 100;
	KUNIT_EXPECT_EQ(test, xen_drm_front_kms_timings_valid(big), MODE_CLOCK_HIGH);
	drm_mode_destroy(kd->drm, big);
}

/*
 * DPMS off (ACTIVE = 0) keeps the plane and its framebuffer: the display
 * goes dark (an all-zero SET_CONFIG), a flip meanwhile is no request, and
 * ACTIVE = 1 shows the plane's framebuffer again.
 */
static void kms_dpms_off_on(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	u64 cookie_b = fb_cookie_of(test);
	const struct fake_be_req *cfg;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_EXPECT_EQ(test, kt_commit_crtc(kd, 0, true, false), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 2);
	cfg = last_req(test, XENDISPL_OP_SET_CONFIG);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.fb_cookie, 0);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.width, 0);
	KUNIT_EXPECT_PTR_EQ(test, kt_pipeline(kd, 0)->pipe.plane.state->fb, a->fb);

	KUNIT_EXPECT_EQ(test, kt_commit_flip_sync(kd, 0, b->fb), 0);
	KUNIT_EXPECT_TRUE(test, kt_flip_done(kd, 0));
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 0);

	KUNIT_EXPECT_EQ(test, kt_commit_crtc(kd, 0, true, true), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 3);
	cfg = last_req(test, XENDISPL_OP_SET_CONFIG);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.fb_cookie, cookie_b);
	KUNIT_EXPECT_EQ(test, cfg->req.op.set_config.width, KMS_W);
}

/*
 * Disabling the CRTC (MODE_ID = 0) while the primary plane keeps its
 * framebuffer is refused by DRM's helpers, as for every simple-pipe
 * driver: drm_atomic_helper_check_plane_state() will not update a plane
 * on a disabled CRTC. User space detaches the plane in the same commit.
 */
static void kms_disable_with_plane_rejected(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_EXPECT_EQ(test, kt_commit_crtc(kd, 0, false, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 1);
	KUNIT_EXPECT_TRUE(test, kt_pipeline(kd, 0)->pipe.crtc.state->active);
	/* With the plane detached, it is a plain disable. */
	KUNIT_EXPECT_EQ(test, kt_commit_enable(kd, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 2);
}

/* The unique-id is in the connector's debugfs, not in PATH (DP MST's). */
static void kms_unique_id_not_path(struct kunit *test)
{
	struct kms_ctx *ctx = test->priv;
	struct kt_dev *kd = &ctx->kd;
	struct drm_connector *conn;
	struct seq_file m = {};
	unsigned int i;

	KUNIT_ASSERT_EQ(test, kt_dev_probe(test, kd, 2, KMS_RES, false), 0);
	fake_xb_write_conn(kd->fdev, 0, XENDISPL_FIELD_UNIQUE_ID, "HDMI-A-1");
	KUNIT_ASSERT_EQ(test, kt_dev_initwait(kd), 0);
	KUNIT_ASSERT_EQ(test, kt_dev_connected(kd), 0);
	KUNIT_ASSERT_EQ(test, kt_client_open(kd), 0);

	conn = &kt_pipeline(kd, 0)->conn;
	/* drm_object_property_get_value() WARNs on an atomic driver. */
	for (i = 0; i < conn->base.properties->count; i++)
		KUNIT_EXPECT_PTR_NE(test, conn->base.properties->properties[i],
				    kd->drm->mode_config.path_property);
	KUNIT_EXPECT_NULL(test, conn->path_blob_ptr);
	KUNIT_EXPECT_NOT_NULL(test, conn->funcs->debugfs_init);

	m.size = 256;
	m.buf = kunit_kzalloc(test, m.size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.buf);
	KUNIT_ASSERT_EQ(test, xen_drm_front_conn_unique_id_show(&m, kt_pipeline(kd, 0)), 0);
	m.buf[m.count] = '\0';
	KUNIT_EXPECT_STREQ(test, m.buf, "HDMI-A-1\n");
	m.count = 0;
	KUNIT_ASSERT_EQ(test, xen_drm_front_conn_unique_id_show(&m, kt_pipeline(kd, 1)), 0);
	KUNIT_EXPECT_EQ(test, m.count, 0);
}

/* The flip's event goes out on EVT_PG_FLIP for its framebuffer only. */
static void kms_flip_event(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	u64 cookie_a = fb_cookie_of(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	u64 cookie_b = fb_cookie_of(test);
	const struct fake_be_req *flip;

	/* The test sends the backend's events itself. */
	kd->be.auto_flip_evt = false;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 1);
	flip = last_req(test, XENDISPL_OP_PG_FLIP);
	KUNIT_EXPECT_EQ(test, flip->conn, 0);
	KUNIT_EXPECT_EQ(test, flip->req.op.pg_flip.fb_cookie, cookie_b);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 1);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 0));

	/* Stale or bogus events do not complete it. */
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP, cookie_a, true);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 0));
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP, 0, true);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 0));
	fake_be_send_event(&kd->be, 0, 0x33, cookie_b, true);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 0));

	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP, cookie_b, true);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 500));
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&kt_pipeline(kd, 0)->frame_done_work));

	/* A duplicate is harmless; the next flip works the same way. */
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP, cookie_b, true);
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, a->fb), 0);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 0));
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP, cookie_a, true);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 500));
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 2);
}

/* A backend that shows what it is given: flips complete promptly. */
static void kms_flip_backend_events(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	unsigned int i;
	ktime_t start;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	start = ktime_get();
	for (i = 0; i < 10; i++) {
		KUNIT_ASSERT_EQ(test, kt_commit_flip_sync(kd, 0, i % 2 ? a->fb : b->fb), 0);
		KUNIT_ASSERT_TRUE(test, kt_flip_done(kd, 0));
	}
	/* No flip waited for the frame-done timeout. */
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start),
			XEN_DRM_FRONT_FRAME_DONE_TIMEOUT_MS);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 10);
	KUNIT_EXPECT_EQ(test, kd->front_info->evt_pairs[0].evt.u.evt.page->in_cons, 10);
}

/* Front-buffer rendering: DIRTYFB shows the same framebuffer again. */
static void kms_dirtyfb_flips(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	u64 cookie_a = fb_cookie_of(test);
	struct drm_clip_rect clip = { .x1 = 0, .y1 = 0, .x2 = 16, .y2 = 16 };

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_ASSERT_NOT_NULL(test, a->fb->funcs->dirty);
	KUNIT_ASSERT_EQ(test, a->fb->funcs->dirty(a->fb, kd->client.file, 0, 0,
						  &clip, 1), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 1);
	KUNIT_EXPECT_EQ(test, last_req(test, XENDISPL_OP_PG_FLIP)->req.op.pg_flip.fb_cookie,
			cookie_a);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 1000));
}

/* An event on another connector's page does not complete this flip. */
static void kms_flip_event_other_connector(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 2, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	u64 cookie_b = fb_cookie_of(test);

	kd->be.auto_flip_evt = false;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 1, a->fb), 0);
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 1, b->fb), 0);
	KUNIT_EXPECT_EQ(test, last_req(test, XENDISPL_OP_PG_FLIP)->conn, 1);
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP, cookie_b, true);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 1));
	fake_be_send_event(&kd->be, 1, XENDISPL_EVT_PG_FLIP, cookie_b, true);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 1, 500));
}

/*
 * A flip in flight holds a vblank reference: the vblank timer runs, so the
 * flip's event carries a current count and timestamp; the reference goes
 * with the event.
 */
static void kms_flip_holds_vblank(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	struct drm_crtc *crtc = &kt_pipeline(kd, 0)->pipe.crtc;
	u64 seq0;

	kd->be.auto_flip_evt = false;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&kd->drm->vblank[0].refcount), 0);
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&kd->drm->vblank[0].refcount), 1);
	KUNIT_EXPECT_TRUE(test, kd->drm->vblank[0].enabled);
	seq0 = drm_crtc_vblank_count(crtc);
	msleep(100);
	KUNIT_EXPECT_GE(test, drm_crtc_vblank_count(crtc) - seq0, 3);
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP,
			   xen_drm_front_fb_to_cookie(b->fb), true);
	KUNIT_EXPECT_TRUE(test, kt_flip_done(kd, 0));
	KUNIT_EXPECT_EQ(test, atomic_read(&kd->drm->vblank[0].refcount), 0);
}

/* Park the vblank timer far away. */
static void kt_vblank_park(struct xen_drm_front_drm_pipeline *pipeline)
{
	unsigned long flags;

	spin_lock_irqsave(&pipeline->vblank_lock, flags);
	hrtimer_start(&pipeline->vblank_timer, ms_to_ktime(10000),
		      HRTIMER_MODE_REL);
	spin_unlock_irqrestore(&pipeline->vblank_lock, flags);
}

/*
 * Park the vblank timer and count a vblank now, as the timer would: at the
 * first ideal vblank at or after now.
 */
static void kt_vblank_tick_now(struct xen_drm_front_drm_pipeline *pipeline)
{
	unsigned long flags;
	s64 period, since;

	spin_lock_irqsave(&pipeline->vblank_lock, flags);
	hrtimer_start(&pipeline->vblank_timer, ms_to_ktime(10000),
		      HRTIMER_MODE_REL);
	period = ktime_to_ns(pipeline->vblank_period);
	since = ktime_to_ns(ktime_sub(ktime_get(), pipeline->last_vblank));
	pipeline->last_vblank =
		ktime_add_ns(pipeline->last_vblank,
			     max_t(s64, 1, div64_s64(since + period - 1, period)) *
			     period);
	spin_unlock_irqrestore(&pipeline->vblank_lock, flags);
	drm_crtc_handle_vblank(&pipeline->pipe.crtc);
}

/*
 * An EVT_PG_FLIP a period or more after the last vblank is counted, stamped
 * with the last ideal vblank before it: a whole number of periods after
 * the last one, however late the event. One sooner is not counted; if no
 * vblank came since the last flip event, its flip completes at the next
 * ideal vblank. The others push the timer 5/4 of a period on.
 */
static void kms_frame_done_paces_vblank(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	struct xen_drm_front_drm_pipeline *pipeline = kt_pipeline(kd, 0);
	struct drm_crtc *crtc = &pipeline->pipe.crtc;
	ktime_t period, left, t0, t;
	u64 seq0, seq;

	kd->be.auto_flip_evt = false;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	KUNIT_ASSERT_TRUE(test, kd->drm->vblank[0].enabled);
	period = pipeline->vblank_period;
	KUNIT_ASSERT_GT(test, ktime_to_ns(period), 0);

	/*
	 * A period and more after the last vblank (which may be up to a
	 * period ahead of now): counted.
	 */
	kt_vblank_tick_now(pipeline);
	seq0 = drm_crtc_vblank_count_and_time(crtc, &t0);
	msleep(2 * ktime_to_ms(period) + 2);
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP,
			   xen_drm_front_fb_to_cookie(b->fb), true);
	KUNIT_ASSERT_TRUE(test, kt_flip_done(kd, 0));
	seq = drm_crtc_vblank_count_and_time(crtc, &t);
	KUNIT_EXPECT_GE(test, seq, seq0 + 1);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(ktime_sub(t, t0)),
			(s64)(seq - seq0) * ktime_to_ns(period));
	left = hrtimer_get_remaining(&pipeline->vblank_timer);
	/* Re-armed: no longer parked 10 s away (it may have fired since). */
	KUNIT_EXPECT_LE(test, ktime_to_ns(left), ktime_to_ns(period) * 5 / 4);

	/* A vblank (the timer's) since that flip, and just now: not counted. */
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, a->fb), 0);
	kt_vblank_tick_now(pipeline);
	seq0 = drm_crtc_vblank_count(crtc);
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP,
			   xen_drm_front_fb_to_cookie(a->fb), true);
	KUNIT_ASSERT_TRUE(test, kt_flip_done(kd, 0));
	KUNIT_EXPECT_EQ(test, drm_crtc_vblank_count(crtc), seq0);
	KUNIT_EXPECT_EQ(test, pipeline->last_flip_seq, seq0);
	/* Not counted, but the timer moves to the backend's phase all the same. */
	left = hrtimer_get_remaining(&pipeline->vblank_timer);
	KUNIT_EXPECT_LE(test, ktime_to_ns(left), ktime_to_ns(period) * 5 / 4);

	/*
	 * Soon after, but no vblank since the last flip: it completes at a
	 * vblank of its own, the next ideal one, which the timer is armed
	 * for. (Parked first: no timer vblank between.)
	 */
	kt_vblank_park(pipeline);
	seq0 = drm_crtc_vblank_count_and_time(crtc, &t0);
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP,
			   xen_drm_front_fb_to_cookie(b->fb), true);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 0));
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 500));
	seq = drm_crtc_vblank_count_and_time(crtc, &t);
	KUNIT_EXPECT_EQ(test, seq, seq0 + 1);
	KUNIT_EXPECT_EQ(test, pipeline->last_flip_seq, seq0 + 1);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(ktime_sub(t, t0)), ktime_to_ns(period));
}

/*
 * DRM_MODE_PAGE_FLIP_ASYNC: the flip completes on its EVT_PG_FLIP, with
 * no vblank since the last flip event, and the event neither counts a
 * vblank nor moves the timer. The next plain flip waits for a vblank of
 * its own again.
 */
static void kms_flip_async(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	struct xen_drm_front_drm_pipeline *pipeline = kt_pipeline(kd, 0);
	struct drm_crtc *crtc = &pipeline->pipe.crtc;
	ktime_t t0, t;
	u64 seq0;
	int i;

	KUNIT_EXPECT_TRUE(test, kd->drm->mode_config.async_page_flip);
	kd->be.auto_flip_evt = false;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP,
			   xen_drm_front_fb_to_cookie(b->fb), true);
	KUNIT_ASSERT_TRUE(test, kt_wait_flip_done(kd, 0, 500));

	kt_vblank_park(pipeline);
	seq0 = drm_crtc_vblank_count_and_time(crtc, &t0);
	KUNIT_ASSERT_EQ(test, pipeline->last_flip_seq, seq0);
	for (i = 0; i < 4; i++) {
		struct drm_framebuffer *fb = i % 2 ? b->fb : a->fb;

		KUNIT_ASSERT_EQ(test, kt_commit_flip_async(kd, 0, fb), 0);
		KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 0));
		fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP,
				   xen_drm_front_fb_to_cookie(fb), true);
		KUNIT_EXPECT_TRUE(test, kt_flip_done(kd, 0));
	}
	KUNIT_EXPECT_EQ(test, drm_crtc_vblank_count_and_time(crtc, &t), seq0);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(t), ktime_to_ns(t0));
	KUNIT_EXPECT_EQ(test, pipeline->last_flip_seq, seq0);
	/* Still parked: the events did not re-arm the timer. */
	KUNIT_EXPECT_GT(test, ktime_to_ms(hrtimer_get_remaining(&pipeline->vblank_timer)),
			5000);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 5);

	/*
	 * An async flip is committed in the caller's context: its PG_FLIP
	 * is out when the nonblocking commit returns, no worker in between.
	 */
	KUNIT_ASSERT_EQ(test, kt_commit_flip_async_nowait(kd, 0, a->fb), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 6);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 0));
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP,
			   xen_drm_front_fb_to_cookie(a->fb), true);
	KUNIT_EXPECT_TRUE(test, kt_flip_done(kd, 0));

	/*
	 * A plain flip again completes at a vblank of its own: counted by
	 * its event if a period has passed (the test is slow under TCG), else
	 * by the timer at the next ideal vblank. An async one would carry
	 * seq0 still: the timer is parked.
	 */
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP,
			   xen_drm_front_fb_to_cookie(b->fb), true);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 500));
	KUNIT_EXPECT_GT(test, pipeline->last_flip_seq, seq0);
}

/*
 * The timer's vblanks are stamped with the time it was programmed for:
 * successive timestamps differ by exactly the mode's frame time (times
 * the count's difference), which is DRM's own frame duration, and none is
 * in the future.
 */
static void kms_vblank_timestamps_exact(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct xen_drm_front_drm_pipeline *pipeline = kt_pipeline(kd, 0);
	struct drm_crtc *crtc = &pipeline->pipe.crtc;
	unsigned int samples = 0, wrong = 0;
	unsigned long end;
	ktime_t t, tprev;
	u64 c, cprev;
	s64 period;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_ASSERT_EQ(test, drm_crtc_vblank_get(crtc), 0);
	period = ktime_to_ns(pipeline->vblank_period);
	KUNIT_EXPECT_EQ(test, period, (s64)kd->drm->vblank[0].framedur_ns);
	/* 640x480 at 60 Hz, from the mode's timings. */
	KUNIT_EXPECT_GT(test, period, 16600000LL);
	KUNIT_EXPECT_LT(test, period, 16700000LL);

	cprev = drm_crtc_vblank_count_and_time(crtc, &tprev);
	end = jiffies + msecs_to_jiffies(600);
	while (time_before(jiffies, end)) {
		usleep_range(3000, 5000);
		c = drm_crtc_vblank_count_and_time(crtc, &t);
		if (c == cprev)
			continue;
		if (ktime_to_ns(ktime_sub(t, tprev)) != (s64)(c - cprev) * period) {
			if (!wrong++)
				kunit_info(test, "counts %llu..%llu, %lld ns apart\n",
					   cprev, c, ktime_to_ns(ktime_sub(t, tprev)));
		}
		KUNIT_EXPECT_LE(test, ktime_to_ns(t), ktime_get_ns());
		cprev = c;
		tprev = t;
		samples++;
	}
	drm_crtc_vblank_put(crtc);
	KUNIT_EXPECT_GE(test, samples, 5);
	KUNIT_EXPECT_EQ(test, wrong, 0);
}

/*
 * Vblank off and on again (after DRM's off delay) goes on on the same
 * grid: the count DRM derives for the time it was off is exact.
 */
static void kms_vblank_timestamps_across_off(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct xen_drm_front_drm_pipeline *pipeline = kt_pipeline(kd, 0);
	struct drm_crtc *crtc = &pipeline->pipe.crtc;
	ktime_t t0, t;
	u64 c0, c;
	s64 period;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_ASSERT_EQ(test, drm_crtc_vblank_get(crtc), 0);
	msleep(50);
	c0 = drm_crtc_vblank_count_and_time(crtc, &t0);
	period = ktime_to_ns(pipeline->vblank_period);
	drm_crtc_vblank_put(crtc);
	/* Off now, not after the default 5 s. */
	drm_crtc_vblank_off(crtc);
	KUNIT_EXPECT_FALSE(test, pipeline->vblank_on);
	msleep(100);
	drm_crtc_vblank_on(crtc);
	KUNIT_ASSERT_EQ(test, drm_crtc_vblank_get(crtc), 0);
	msleep(50);
	c = drm_crtc_vblank_count_and_time(crtc, &t);
	drm_crtc_vblank_put(crtc);
	KUNIT_EXPECT_GT(test, c, c0);
	KUNIT_EXPECT_GT(test, ktime_to_ns(t), ktime_to_ns(t0));
	KUNIT_EXPECT_EQ(test, div64_s64(ktime_to_ns(ktime_sub(t, t0)), period) * period,
			ktime_to_ns(ktime_sub(t, t0)));
}

/* No EVT_PG_FLIP at all: the frame-done timeout sends the event. */
static void kms_flip_timeout(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	ktime_t start;
	s64 ms;

	kd->be.auto_flip_evt = false;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	start = ktime_get();
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 0));
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0,
						  XEN_DRM_FRONT_FRAME_DONE_TIMEOUT_MS + 2000));
	ms = ktime_ms_delta(ktime_get(), start);
	KUNIT_EXPECT_GE(test, ms, XEN_DRM_FRONT_FRAME_DONE_TIMEOUT_MS - 100);
	/* A late event is ignored. */
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP, fb_cookie_of(test), true);
	KUNIT_EXPECT_EQ(test, kd->front_info->evt_pairs[0].evt.state,
			EVTCHNL_STATE_CONNECTED);
}

static void expect_link_bad(struct kunit *test, struct kt_dev *kd,
			    unsigned int idx)
{
	flush_work(&kt_pipeline(kd, idx)->link_bad_work);
	KUNIT_EXPECT_EQ(test, kt_pipeline(kd, idx)->conn.state->link_status,
			DRM_MODE_LINK_STATUS_BAD);
	KUNIT_EXPECT_GE(test, atomic_read(&kd->hotplugs), 1);
}

/*
 * A nonblocking flip's commit ends once PG_FLIP is sent: its worker does
 * not sleep until EVT_PG_FLIP. The framebuffer the flip replaces is held
 * until the backend shows the new one, even once the client removed it:
 * no FB_DETACH of a framebuffer the backend may still be showing.
 */
static void kms_flip_holds_old_fb(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct xen_drm_front_drm_pipeline *p = kt_pipeline(kd, 0);
	struct kt_fb *a = kms_fb_xrgb(test);
	u64 cookie_a = fb_cookie_of(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	u64 cookie_b = fb_cookie_of(test);
	ktime_t start;

	kd->be.auto_flip_evt = false;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	start = ktime_get();
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	kt_commits_idle(kd);
	/* Well before the frame-done timeout would have let it go. */
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start),
			XEN_DRM_FRONT_FRAME_DONE_TIMEOUT_MS / 2);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 0));
	KUNIT_EXPECT_PTR_EQ(test, p->pending_old_fb, a->fb);

	kt_fb_destroy(kd, a);
	flush_work(&p->release_work);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_FB_DETACH), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_DESTROY), 0);

	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP, cookie_b, true);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 500));
	KUNIT_EXPECT_NULL(test, p->pending_old_fb);
	flush_work(&p->release_work);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_FB_DETACH), 1);
	KUNIT_EXPECT_EQ(test, last_req(test, XENDISPL_OP_FB_DETACH)->req.op.fb_detach.fb_cookie,
			cookie_a);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_DESTROY), 1);
}

/*
 * The client keeps both framebuffers (the usual double buffering): the
 * flip's reference goes where the flip completes, with no work item.
 */
static void kms_flip_release_no_work(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct xen_drm_front_drm_pipeline *p = kt_pipeline(kd, 0);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	u64 cookie_b = fb_cookie_of(test);
	unsigned int refs;

	kd->be.auto_flip_evt = false;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	refs = drm_framebuffer_read_refcount(a->fb);
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	kt_commits_idle(kd);
	/* The plane state's reference went, the flip's is held. */
	KUNIT_EXPECT_EQ(test, drm_framebuffer_read_refcount(a->fb), refs);
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP, cookie_b, true);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 500));
	KUNIT_EXPECT_EQ(test, drm_framebuffer_read_refcount(a->fb), refs - 1);
	KUNIT_EXPECT_FALSE(test, work_pending(&p->release_work));
	KUNIT_EXPECT_TRUE(test, llist_empty(&p->release_fbs));
}

/*
 * A backend that goes away completes the flips in flight
 * (xen_drm_front_kms_release_flips()), also one whose commit still waits
 * for the previous PG_FLIP's response: nothing of that flip may be left
 * held once its event went (the CI's displ_be backend-restart once left
 * the replaced framebuffer held, and WARNed at the next flip).
 */
static void kms_flip_released_while_settling(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct xen_drm_front_drm_pipeline *p = kt_pipeline(kd, 0);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	u64 cookie_b = fb_cookie_of(test);
	unsigned long end;
	unsigned int refs;

	kd->be.auto_flip_evt = false;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	refs = drm_framebuffer_read_refcount(b->fb);
	kd->be.sync = false;
	/* Shown, its response still to come (within 3 s). */
	KUNIT_ASSERT_EQ(test, kt_commit_flip_nowait(kd, 0, b->fb), 0);
	kt_commits_idle(kd);
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP, cookie_b, true);
	KUNIT_ASSERT_TRUE(test, kt_wait_flip_done(kd, 0, 500));

	/* The next flip's commit waits for that response. */
	KUNIT_ASSERT_EQ(test, kt_commit_flip_nowait(kd, 0, a->fb), 0);
	end = jiffies + HZ;
	while (!READ_ONCE(p->pending_event) && time_before(jiffies, end))
		usleep_range(1000, 2000);
	KUNIT_ASSERT_NOT_NULL(test, READ_ONCE(p->pending_event));
	msleep(20);

	xen_drm_front_kms_release_flips(kd->front_info->drm_info);
	KUNIT_EXPECT_TRUE(test, kt_flip_done(kd, 0));
	fake_be_process(&kd->be, 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 1);
	kt_commits_idle(kd);
	fake_be_process(&kd->be, 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 2);
	KUNIT_EXPECT_NULL(test, p->pending_event);
	KUNIT_EXPECT_NULL(test, p->pending_old_fb);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&p->frame_done_work));
	flush_work(&p->release_work);
	/* The plane holds a; b is the client's alone again. */
	KUNIT_EXPECT_EQ(test, drm_framebuffer_read_refcount(b->fb), refs);

	/* Its late EVT_PG_FLIP completes nothing; the next flip is normal. */
	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP,
			   xen_drm_front_fb_to_cookie(a->fb), true);
	kd->be.sync = true;
	kd->be.auto_flip_evt = true;
	KUNIT_ASSERT_EQ(test, kt_commit_flip_sync(kd, 0, b->fb), 0);
	KUNIT_EXPECT_TRUE(test, kt_flip_done(kd, 0));
	KUNIT_EXPECT_NULL(test, p->pending_old_fb);
}

/*
 * The frame-done work completes only a flip past its deadline: run early
 * (as one armed for the previous flip may), it leaves the flip in flight
 * alone and waits for that flip's deadline.
 */
static void kms_frame_done_work_only_overdue(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct xen_drm_front_drm_pipeline *p = kt_pipeline(kd, 0);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	u64 cookie_b = fb_cookie_of(test);

	kd->be.auto_flip_evt = false;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	kt_commits_idle(kd);
	KUNIT_ASSERT_TRUE(test, delayed_work_pending(&p->frame_done_work));
	mod_delayed_work(system_wq, &p->frame_done_work, 0);
	flush_delayed_work(&p->frame_done_work);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 0));
	KUNIT_EXPECT_PTR_EQ(test, p->pending_old_fb, a->fb);
	/* Armed again, for the flip's own deadline. */
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&p->frame_done_work));

	fake_be_send_event(&kd->be, 0, XENDISPL_EVT_PG_FLIP, cookie_b, true);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 500));
	KUNIT_EXPECT_NULL(test, p->pending_old_fb);
}

/*
 * A flip interrupts the guest once: its PG_FLIP response comes unnotified
 * and the EVT_PG_FLIP's interrupt takes it, then completes the flip.
 */
static void kms_flip_one_interrupt(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	struct xen_drm_front_evtchnl_pair *pair = &kd->front_info->evt_pairs[0];
	unsigned int req_irqs, evt_irqs;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	req_irqs = fake_irq_eoi_count(pair->req.irq);
	evt_irqs = fake_irq_eoi_count(pair->evt.irq);
	KUNIT_ASSERT_EQ(test, kt_commit_flip_sync(kd, 0, b->fb), 0);
	KUNIT_EXPECT_TRUE(test, kt_flip_done(kd, 0));
	KUNIT_EXPECT_EQ(test, fake_irq_eoi_count(pair->req.irq), req_irqs);
	KUNIT_EXPECT_EQ(test, fake_irq_eoi_count(pair->evt.irq), evt_irqs + 1);
	KUNIT_EXPECT_FALSE(test, pair->req.u.req.pending);
	KUNIT_EXPECT_EQ(test, pair->req.u.req.ring.rsp_cons,
			pair->req.u.req.ring.req_prod_pvt);
}

/*
 * The PG_FLIP response may come after the commit ended, and unnotified. A
 * refusal still completes the flip within a frame (the vblank timer looks
 * for the response) and marks the link bad.
 */
static void kms_flip_refused_after_commit(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);

	kd->be.auto_flip_evt = false;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	kd->be.sync = false;
	kd->be.status[XENDISPL_OP_PG_FLIP] = -EINVAL;
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	kt_commits_idle(kd);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 0));
	KUNIT_EXPECT_EQ(test, atomic_read(&kd->hotplugs), 0);

	fake_be_process(&kd->be, 0);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 500));
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&kt_pipeline(kd, 0)->frame_done_work));
	kd->be.sync = true;
	expect_link_bad(test, kd, 0);
}

static void kms_set_config_error_link_bad(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 2, false);
	struct kt_fb *kfb = kms_fb_xrgb(test);

	kd->be.status[XENDISPL_OP_SET_CONFIG] = -EIO;
	/* An atomic commit cannot fail once checked... */
	KUNIT_EXPECT_EQ(test, kt_commit_enable(kd, 1, kfb->fb), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 1);
	/* ...so the link goes bad and user space is told to probe. */
	expect_link_bad(test, kd, 1);
	KUNIT_EXPECT_EQ(test, kt_pipeline(kd, 0)->conn.state->link_status,
			DRM_MODE_LINK_STATUS_GOOD);
}

static void kms_flip_error_link_bad(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&kd->hotplugs), 0);
	kd->be.status[XENDISPL_OP_PG_FLIP] = -EINVAL;
	KUNIT_EXPECT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	/* The event is not held back for a flip the backend refused. */
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 1000));
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&kt_pipeline(kd, 0)->frame_done_work));
	expect_link_bad(test, kd, 0);
}

/*
 * Neither a response nor EVT_PG_FLIP: the frame-done timeout completes the
 * flip and reports the PG_FLIP that was never answered. A late answer
 * ends the ring's stall and flips work again.
 */
static void kms_flip_unanswered_link_bad(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);

	kd->be.auto_flip_evt = false;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	kd->be.sync = false;
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	kt_commits_idle(kd);
	KUNIT_EXPECT_EQ(test, atomic_read(&kd->hotplugs), 0);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0,
						  XEN_DRM_FRONT_FRAME_DONE_TIMEOUT_MS + 2000));
	flush_delayed_work(&kt_pipeline(kd, 0)->frame_done_work);
	expect_link_bad(test, kd, 0);

	fake_be_process(&kd->be, 0);
	kd->be.sync = true;
	kd->be.auto_flip_evt = true;
	KUNIT_ASSERT_EQ(test, kt_commit_flip_sync(kd, 0, a->fb), 0);
	KUNIT_EXPECT_TRUE(test, kt_flip_done(kd, 0));
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 2);
}

/*
 * Failures while the link is already BAD send no further hotplug: fbdev
 * re-commits on each one and would loop against a backend failing every
 * flip.
 */
static void kms_flip_error_one_hotplug(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	int i, hotplugs;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	kd->be.status[XENDISPL_OP_PG_FLIP] = -EINVAL;
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	KUNIT_ASSERT_TRUE(test, kt_wait_flip_done(kd, 0, 1000));
	expect_link_bad(test, kd, 0);
	hotplugs = atomic_read(&kd->hotplugs);
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, i & 1 ? b->fb : a->fb), 0);
		KUNIT_ASSERT_TRUE(test, kt_wait_flip_done(kd, 0, 1000));
		flush_work(&kt_pipeline(kd, 0)->link_bad_work);
	}
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&kd->hotplugs), hotplugs);
	KUNIT_EXPECT_EQ(test, kt_pipeline(kd, 0)->conn.state->link_status,
			DRM_MODE_LINK_STATUS_BAD);
}

/*
 * A head the backend cannot light: its SET_CONFIG fails. One error, one
 * hotplug; the fbdev client's answer (a modeset that sets the link GOOD)
 * fails again and stays quiet: no further hotplug, so no loop. The dark
 * head sends no PG_FLIP for DIRTYFB, and no all-zero SET_CONFIG when a
 * modeset turns it off. The other head is not affected.
 */
static void kms_failed_head_not_relit(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 2, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct drm_clip_rect clip = { .x1 = 0, .y1 = 0, .x2 = 16, .y2 = 16 };
	struct xen_drm_front_drm_pipeline *p1 = kt_pipeline(kd, 1);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	kd->be.status[XENDISPL_OP_SET_CONFIG] = -EIO;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 1, a->fb), 0);
	expect_link_bad(test, kd, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&kd->hotplugs), 1);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 2);

	/* fbdev's answer to the hotplug, twice over. */
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 1, a->fb), 0);
		flush_work(&p1->link_bad_work);
	}
	/* Only the failing enables: nothing to turn off on a dark head. */
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&kd->hotplugs), 1);
	KUNIT_EXPECT_EQ(test, p1->conn.state->link_status,
			DRM_MODE_LINK_STATUS_BAD);

	/* DIRTYFB: the lit head flips, the dark one does not. */
	KUNIT_ASSERT_EQ(test, a->fb->funcs->dirty(a->fb, kd->client.file, 0, 0,
						  &clip, 1), 0);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 1000));
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 1, 1000));
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 1);
	KUNIT_EXPECT_EQ(test, last_req(test, XENDISPL_OP_PG_FLIP)->conn, 0);
	KUNIT_EXPECT_EQ(test, kt_pipeline(kd, 0)->conn.state->link_status,
			DRM_MODE_LINK_STATUS_GOOD);

	/* The backend can light it now: the next modeset does. */
	kd->be.status[XENDISPL_OP_SET_CONFIG] = 0;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 1, a->fb), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 5);
	KUNIT_EXPECT_EQ(test, p1->conn.state->link_status,
			DRM_MODE_LINK_STATUS_GOOD);
	KUNIT_ASSERT_EQ(test, a->fb->funcs->dirty(a->fb, kd->client.file, 0, 0,
						  &clip, 1), 0);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 1, 1000));
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 3);
	/* A failure after that is news again. */
	kd->be.status[XENDISPL_OP_SET_CONFIG] = -EIO;
	KUNIT_ASSERT_EQ(test, kt_commit_crtc(kd, 1, true, false), 0);
	KUNIT_ASSERT_EQ(test, kt_commit_crtc(kd, 1, true, true), 0);
	flush_work(&p1->link_bad_work);
	KUNIT_EXPECT_EQ(test, atomic_read(&kd->hotplugs), 2);
}

/*
 * The backend goes away with a flip in flight and comes back (#13.1): the
 * flip's event is released at once, the card stays, a later flip waits
 * for the backend's return, which re-creates buffers, framebuffers and
 * the mode and shows that flip.
 */
static void kms_backend_restart_keeps_display(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	struct drm_crtc *crtc = &kt_pipeline(kd, 0)->pipe.crtc;
	struct drm_device *drm = kd->drm;
	struct drm_crtc_commit *commit;
	const struct fake_be_req *r;
	ktime_t start;

	kd->be.auto_flip_evt = false;
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	commit = drm_crtc_commit_get(crtc->state->commit);
	KUNIT_EXPECT_FALSE(test, completion_done(&commit->flip_done));

	start = ktime_get();
	kt_backend_state(kd, XenbusStateClosed);
	KUNIT_EXPECT_TRUE(test, completion_done(&commit->flip_done));
	/* Released, not timed out (3.1 s). */
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start), 2500);
	drm_crtc_commit_put(commit);
	flush_work(&kd->front_info->reconnect_work);
	KUNIT_EXPECT_FALSE(test, drm_dev_is_unplugged(drm));
	KUNIT_EXPECT_EQ(test, kd->fdev->xb.state, XenbusStateInitialising);
	/* The rings are gone; only the two buffers' grants remain. */
	KUNIT_EXPECT_NULL(test, kd->front_info->evt_pairs);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(),
			2 * (1 + (PAGE_ALIGN(KMS_W * 4 * KMS_H) >> PAGE_SHIFT)));

	/* No backend: a flip waits for it, with the link left good. */
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, a->fb), 0);
	msleep(50);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 0));

	/* The backend is back. */
	fake_be_detach(&kd->be);
	kd->be_attached = false;
	KUNIT_ASSERT_EQ(test, kt_dev_initwait(kd), 0);
	kt_backend_state(kd, XenbusStateConnected);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 1000));
	KUNIT_EXPECT_EQ(test, kd->fdev->xb.state, XenbusStateConnected);
	KUNIT_ASSERT_NOT_NULL(test, kd->front_info->drm_info);
	KUNIT_EXPECT_PTR_EQ(test, kd->front_info->drm_info->drm_dev, drm);
	KUNIT_EXPECT_FALSE(test, kd->front_info->resuming);
	KUNIT_EXPECT_EQ(test, kt_pipeline(kd, 0)->conn.state->link_status,
			DRM_MODE_LINK_STATUS_GOOD);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_CREATE), 2);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_FB_ATTACH), 2);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 1);
	/* What the client flipped to while the backend was away. */
	r = last_req(test, XENDISPL_OP_SET_CONFIG);
	KUNIT_EXPECT_EQ(test, r->req.op.set_config.fb_cookie,
			xen_drm_front_fb_to_cookie(a->fb));

	kd->be.auto_flip_evt = true;
	KUNIT_EXPECT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 1000));
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 1);
}

/* Backend-allocated buffers cannot be re-created: the card is replaced. */
static void kms_backend_restart_be_alloc_unplugs(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, true);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct drm_device *drm = kd->drm;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	/* Like a user space file: open across the unplug. */
	kt_client_unlist(kd);
	kt_backend_state(kd, XenbusStateClosing);
	KUNIT_EXPECT_TRUE(test, drm_dev_is_unplugged(drm));
	KUNIT_EXPECT_EQ(test, kd->fdev->xb.state, XenbusStateReconfiguring);
	KUNIT_EXPECT_NULL(test, kd->front_info->evt_pairs);
	/* The user closes: buffers freed without asking the backend. */
	kt_fb_destroy(kd, a);
	kt_client_close(kd);
	flush_work(&kd->front_info->reconnect_work);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_DESTROY), 0);
	KUNIT_EXPECT_EQ(test, kd->fdev->xb.state, XenbusStateInitialising);
}

/*
 * remove() (unbinding the device) while a flip waits for the backend's
 * answer, which never comes: the backend closed its rings (issue #16). The
 * flip is released with an error by the teardown, and what the failed flip
 * looks at must still be there: remove() detaches the DRM device from us
 * only after unplugging it.
 */
static void kms_remove_with_flip_in_flight(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	struct drm_crtc *crtc = &kt_pipeline(kd, 0)->pipe.crtc;
	struct xen_drm_front_drm_info *drm_info = kd->front_info->drm_info;
	struct drm_device *drm = kd->drm;
	struct drm_crtc_commit *commit;
	ktime_t start;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	kd->be.drop[XENDISPL_OP_PG_FLIP] = true;
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	KUNIT_ASSERT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 1);
	commit = drm_crtc_commit_get(crtc->state->commit);
	KUNIT_EXPECT_FALSE(test, completion_done(&commit->flip_done));

	/* Like a user space file: open across the removal. */
	kt_client_unlist(kd);
	start = ktime_get();
	xen_drm_front_xenbus_driver.remove(&kd->fdev->xb);
	kd->removed = true;
	/* Released by the teardown, not by the request's timeout (3 s). */
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start), 2500);
	KUNIT_EXPECT_TRUE(test, completion_done(&commit->flip_done));
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&commit->cleanup_done,
							    10 * HZ) > 0);
	drm_crtc_commit_put(commit);
	KUNIT_EXPECT_TRUE(test, drm_dev_is_unplugged(drm));
	KUNIT_EXPECT_EQ(test, kd->fdev->frontend_closed, 1);
	/* Detached both ways: the device's last user will not call us. */
	KUNIT_EXPECT_NULL(test, kd->front_info->drm_info);
	KUNIT_EXPECT_NULL(test, drm_info->front_info);
}

/*
 * The same with a backend that is gone (killed: it neither answers nor
 * acknowledges Closing): remove() waits its 3 s while the flip's request
 * times out, in either order.
 */
static void kms_remove_backend_gone_with_flip(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	struct drm_crtc *crtc = &kt_pipeline(kd, 0)->pipe.crtc;
	struct drm_device *drm = kd->drm;
	struct drm_crtc_commit *commit;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	kd->be.drop[XENDISPL_OP_PG_FLIP] = true;
	kd->be_acks_closing = false;
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	commit = drm_crtc_commit_get(crtc->state->commit);

	kt_client_unlist(kd);
	xen_drm_front_xenbus_driver.remove(&kd->fdev->xb);
	kd->removed = true;
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&commit->cleanup_done,
							    10 * HZ) > 0);
	KUNIT_EXPECT_TRUE(test, completion_done(&commit->flip_done));
	drm_crtc_commit_put(commit);
	KUNIT_EXPECT_TRUE(test, drm_dev_is_unplugged(drm));
	KUNIT_EXPECT_EQ(test, kd->fdev->frontend_closed, 1);
	KUNIT_EXPECT_NULL(test, kd->front_info->drm_info);
}

struct kms_dirty_work {
	struct work_struct work;
	struct drm_framebuffer *fb;
	struct drm_file *file;
	int ret;
};

static void kms_dirty_fn(struct work_struct *work)
{
	struct kms_dirty_work *dw = container_of(work, struct kms_dirty_work,
						 work);
	struct drm_clip_rect clip = { .x1 = 0, .y1 = 0, .x2 = 16, .y2 = 16 };

	dw->ret = dw->fb->funcs->dirty(dw->fb, dw->file, 0, 0, &clip, 1);
}

/*
 * The same with the console's path: fbdev's damage worker turns DIRTYFB
 * into a blocking commit, which waits in display_update() for the flip's
 * answer while the device is removed.
 */
static void kms_remove_with_dirtyfb_in_flight(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct drm_device *drm = kd->drm;
	struct kms_dirty_work *dw;
	unsigned long end;

	dw = kunit_kzalloc(test, sizeof(*dw), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dw);
	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	kd->be.drop[XENDISPL_OP_PG_FLIP] = true;
	INIT_WORK(&dw->work, kms_dirty_fn);
	dw->fb = a->fb;
	dw->file = kd->client.file;
	dw->ret = 1;
	schedule_work(&dw->work);
	end = jiffies + 2 * HZ;
	while (!fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP) &&
	       time_before(jiffies, end))
		usleep_range(1000, 2000);
	KUNIT_ASSERT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 1);
	KUNIT_EXPECT_FALSE(test, work_pending(&dw->work));

	kt_client_unlist(kd);
	xen_drm_front_xenbus_driver.remove(&kd->fdev->xb);
	kd->removed = true;
	flush_work(&dw->work);
	/* The commit went through; the backend's failure is reported apart. */
	KUNIT_EXPECT_EQ(test, dw->ret, 0);
	KUNIT_EXPECT_TRUE(test, drm_dev_is_unplugged(drm));
	KUNIT_EXPECT_EQ(test, kd->fdev->frontend_closed, 1);
	KUNIT_EXPECT_NULL(test, kd->front_info->drm_info);
}

/* Save + restore: the backend forgets us, xenbus calls resume(). */
static void kms_restore_begin(struct kunit *test, struct kt_dev *kd)
{
	fake_be_detach(&kd->be);
	kd->be_attached = false;
	/* A new backend instance, not Connected yet. */
	fake_xb_set_backend_state(kd->fdev, XenbusStateInitialising);
	kd->fdev->xb.state = XenbusStateInitialising;
	KUNIT_ASSERT_EQ(test, xen_drm_front_xenbus_driver.resume(&kd->fdev->xb), 0);
	KUNIT_EXPECT_NULL(test, kd->front_info->evt_pairs);
}

/*
 * After a restore the same DRM device goes on: its buffers, framebuffers
 * and mode are created again on the new backend, with the old cookies and
 * new grants, and flips go on.
 */
static void kms_restore_resyncs(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 2, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	struct drm_device *drm = kd->drm;
	const struct fake_be_req *r;
	struct drm_framebuffer *fb;
	unsigned int in_use, i, attached = 0;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 1, a->fb), 0);
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 1, b->fb), 0);
	KUNIT_ASSERT_TRUE(test, kt_wait_flip_done(kd, 1, 1000));
	in_use = fake_gnttab_in_use();

	kms_restore_begin(test, kd);
	/* No backend yet: a flip waits for it, with the link left good. */
	KUNIT_ASSERT_EQ(test, kt_commit_flip(kd, 1, a->fb), 0);
	msleep(50);
	KUNIT_EXPECT_FALSE(test, kt_flip_done(kd, 1));

	KUNIT_ASSERT_EQ(test, kt_dev_initwait(kd), 0);
	kt_backend_state(kd, XenbusStateConnected);
	/* Shown by the SET_CONFIG that restores the display. */
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 1, 1000));
	KUNIT_EXPECT_EQ(test, kt_pipeline(kd, 1)->conn.state->link_status,
			DRM_MODE_LINK_STATUS_GOOD);
	KUNIT_EXPECT_EQ(test, kd->fdev->xb.state, XenbusStateConnected);
	KUNIT_ASSERT_NOT_NULL(test, kd->front_info->drm_info);
	KUNIT_EXPECT_PTR_EQ(test, kd->front_info->drm_info->drm_dev, drm);
	KUNIT_EXPECT_FALSE(test, drm_dev_is_unplugged(drm));
	KUNIT_EXPECT_FALSE(test, kd->front_info->resuming);

	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_CREATE), 2);
	r = last_req(test, XENDISPL_OP_DBUF_CREATE);
	KUNIT_EXPECT_EQ(test, r->req.op.dbuf_create.dbuf_cookie,
			xen_drm_front_fb_to_dbuf_cookie(b->fb));
	KUNIT_EXPECT_EQ(test, r->req.op.dbuf_create.width, KMS_W);
	KUNIT_EXPECT_EQ(test, r->req.op.dbuf_create.buffer_sz, b->size);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_FB_ATTACH), 2);
	for (i = 0; i < kd->be.num_log; i++) {
		r = &kd->be.log[i];
		if (r->req.operation != XENDISPL_OP_FB_ATTACH)
			continue;
		fb = r->req.op.fb_attach.fb_cookie == xen_drm_front_fb_to_cookie(a->fb) ?
			a->fb : b->fb;
		KUNIT_EXPECT_EQ(test, r->req.op.fb_attach.fb_cookie,
				xen_drm_front_fb_to_cookie(fb));
		KUNIT_EXPECT_EQ(test, r->req.op.fb_attach.dbuf_cookie,
				xen_drm_front_fb_to_dbuf_cookie(fb));
		attached |= fb == a->fb ? 1 : 2;
	}
	KUNIT_EXPECT_EQ(test, attached, 3);
	/* Only the lit pipe, with what it showed last. */
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_SET_CONFIG), 1);
	r = last_req(test, XENDISPL_OP_SET_CONFIG);
	KUNIT_EXPECT_EQ(test, r->conn, 1);
	KUNIT_EXPECT_EQ(test, r->req.op.set_config.fb_cookie,
			xen_drm_front_fb_to_cookie(a->fb));
	KUNIT_EXPECT_EQ(test, r->req.op.set_config.width, KMS_W);
	KUNIT_EXPECT_EQ(test, r->req.op.set_config.bpp, 32);
	/* The dead grants were ended, as many new ones taken. */
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), in_use);

	KUNIT_EXPECT_EQ(test, kt_commit_flip(kd, 1, b->fb), 0);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 1, 1000));
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 1);
	r = last_req(test, XENDISPL_OP_PG_FLIP);
	KUNIT_EXPECT_EQ(test, r->req.op.pg_flip.fb_cookie,
			xen_drm_front_fb_to_cookie(b->fb));
}

/* A resume where the backend kept us (S3): nothing is torn down. */
static void kms_resume_backend_kept(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct kt_fb *a = kms_fb_xrgb(test);
	struct kt_fb *b = kms_fb_xrgb(test);
	struct drm_device *drm = kd->drm;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	kd->fdev->xb.state = XenbusStateInitialising;
	KUNIT_ASSERT_EQ(test, xen_drm_front_xenbus_driver.resume(&kd->fdev->xb), 0);
	KUNIT_EXPECT_EQ(test, kd->fdev->xb.state, XenbusStateConnected);
	KUNIT_EXPECT_NOT_NULL(test, kd->front_info->evt_pairs);
	KUNIT_EXPECT_FALSE(test, kd->front_info->resuming);
	KUNIT_EXPECT_PTR_EQ(test, kd->front_info->drm_info->drm_dev, drm);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_DBUF_CREATE), 2);
	KUNIT_EXPECT_EQ(test, kt_commit_flip(kd, 0, b->fb), 0);
	KUNIT_EXPECT_TRUE(test, kt_wait_flip_done(kd, 0, 1000));
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP), 1);
}

/* A backend with another configuration: the card is replaced. */
static void kms_restore_other_config(struct kunit *test)
{
	struct kt_dev *kd = kms_up(test, 1, false);
	struct drm_device *old = kd->drm;

	kms_restore_begin(test, kd);
	kt_write_config(kd->fdev, 1, "800x600", false);
	/* Like a user space file: open across the unplug. */
	kt_client_unlist(kd);
	KUNIT_ASSERT_EQ(test, kt_dev_initwait(kd), 0);
	KUNIT_ASSERT_EQ(test, kt_dev_connected(kd), 0);
	KUNIT_EXPECT_PTR_NE(test, kd->drm, old);
	KUNIT_EXPECT_TRUE(test, drm_dev_is_unplugged(old));
	KUNIT_EXPECT_FALSE(test, drm_dev_is_unplugged(kd->drm));
	KUNIT_EXPECT_EQ(test, kt_pipeline(kd, 0)->width, 800);
	KUNIT_EXPECT_FALSE(test, kd->front_info->resuming);
	/* The old device's last user leaves: no reconnect, nothing kept. */
	kt_client_close(kd);
	flush_work(&kd->front_info->reconnect_work);
	KUNIT_EXPECT_EQ(test, kd->fdev->xb.state, XenbusStateConnected);
	KUNIT_EXPECT_EQ(test, kt_client_open(kd), 0);
}

static struct kunit_case kms_cases[] = {
	KUNIT_CASE(kms_connectors),
	KUNIT_CASE(kms_fb_create_destroy),
	KUNIT_CASE(kms_dumb_layout),
	KUNIT_CASE(kms_fb_all_formats),
	KUNIT_CASE(kms_fb_rejects),
	KUNIT_CASE(kms_fb_foreign_pitch),
	KUNIT_CASE(kms_fb_offset),
	KUNIT_CASE(kms_be_alloc_foreign_pitch),
	KUNIT_CASE(kms_formats_probed),
	KUNIT_CASE(kms_formats_no_xrgb8888),
	KUNIT_CASE(kms_be_alloc_dumb),
	KUNIT_CASE(kms_be_alloc_zero_gref),
	KUNIT_CASE(kms_dbuf_create_fails),
	KUNIT_CASE(kms_dumb_out_of_grants),
	KUNIT_CASE(kms_enable_set_config),
	KUNIT_CASE(kms_disable_set_config_zero),
	KUNIT_CASE(kms_wrong_mode_rejected),
	KUNIT_CASE(kms_mode_timings),
	KUNIT_CASE(kms_dpms_off_on),
	KUNIT_CASE(kms_disable_with_plane_rejected),
	KUNIT_CASE(kms_unique_id_not_path),
	KUNIT_CASE(kms_flip_event),
	KUNIT_CASE(kms_flip_backend_events),
	KUNIT_CASE(kms_dirtyfb_flips),
	KUNIT_CASE(kms_flip_event_other_connector),
	KUNIT_CASE(kms_flip_timeout),
	KUNIT_CASE(kms_flip_holds_vblank),
	KUNIT_CASE(kms_frame_done_paces_vblank),
	KUNIT_CASE(kms_flip_async),
	KUNIT_CASE(kms_vblank_timestamps_exact),
	KUNIT_CASE(kms_vblank_timestamps_across_off),
	KUNIT_CASE(kms_set_config_error_link_bad),
	KUNIT_CASE(kms_flip_error_link_bad),
	KUNIT_CASE(kms_flip_holds_old_fb),
	KUNIT_CASE(kms_flip_release_no_work),
	KUNIT_CASE(kms_flip_released_while_settling),
	KUNIT_CASE(kms_frame_done_work_only_overdue),
	KUNIT_CASE(kms_flip_one_interrupt),
	KUNIT_CASE(kms_flip_refused_after_commit),
	KUNIT_CASE(kms_flip_unanswered_link_bad),
	KUNIT_CASE(kms_flip_error_one_hotplug),
	KUNIT_CASE(kms_failed_head_not_relit),
	KUNIT_CASE(kms_restore_resyncs),
	KUNIT_CASE(kms_restore_other_config),
	KUNIT_CASE(kms_resume_backend_kept),
	KUNIT_CASE(kms_backend_restart_keeps_display),
	KUNIT_CASE(kms_backend_restart_be_alloc_unplugs),
	KUNIT_CASE(kms_remove_with_flip_in_flight),
	KUNIT_CASE(kms_remove_with_dirtyfb_in_flight),
	KUNIT_CASE(kms_remove_backend_gone_with_flip),
	{}
};

static struct kunit_suite kms_suite = {
	.name = "xen_drm_front_kms",
	.init = kms_init,
	.exit = kms_exit,
	.test_cases = kms_cases,
};
kunit_test_suite(kms_suite);
