// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * KUnit: the driver's own accounting and its debugfs files
 * (xen_drm_front_debugfs.c). The counters must agree with what the fake
 * Xen sees handed out and come back to where they were; the files must
 * say what the device holds, and never print a kernel address.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/ctype.h>
#include <linux/delay.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include <drm/drm_fourcc.h>
#include <drm/drm_print.h>

#include <kunit/test.h>

#include <xen/xenbus.h>
#include <xen/interface/io/displif.h>

/* drm_mode_create_dumb() */
#include "drm_crtc_internal.h"

#include "../../xen_drm_front.h"
#include "../../xen_drm_front_debugfs.h"
#include "../../xen_drm_front_evtchnl.h"

#include "helpers.h"

#define DBG_RES		"640x480"
#define DBG_W		640
#define DBG_H		480
/* A 640x480 XRGB8888 dumb buffer: 300 pages, one directory page. */
#define DBG_BUF_PAGES	300
#define DBG_MAX_FBS	4

struct dbg_snap {
	long grants, pages, dbufs, fbs, evtchns, irqs;
};

struct dbg_ctx {
	struct kt_dev kd;
	struct kt_fb fbs[DBG_MAX_FBS];
	unsigned int num_fbs;
	struct dbg_snap base;
	unsigned int saved_timeout;
};

static void dbg_snap(struct dbg_snap *s)
{
	s->grants = atomic_long_read(&xen_drm_front_acct.grants);
	s->pages = atomic_long_read(&xen_drm_front_acct.pages);
	s->dbufs = atomic_long_read(&xen_drm_front_acct.dbufs);
	s->fbs = atomic_long_read(&xen_drm_front_acct.fbs);
	s->evtchns = atomic_long_read(&xen_drm_front_acct.evtchns);
	s->irqs = atomic_long_read(&xen_drm_front_acct.irqs);
}

/* What the driver holds now beyond what it held when the test started. */
static struct dbg_snap dbg_held(struct kunit *test)
{
	struct dbg_ctx *ctx = test->priv;
	struct dbg_snap s;

	dbg_snap(&s);
	s.grants -= ctx->base.grants;
	s.pages -= ctx->base.pages;
	s.dbufs -= ctx->base.dbufs;
	s.fbs -= ctx->base.fbs;
	s.evtchns -= ctx->base.evtchns;
	s.irqs -= ctx->base.irqs;
	return s;
}

static int dbg_init(struct kunit *test)
{
	struct dbg_ctx *ctx;

	fake_xen_reset();
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	dbg_snap(&ctx->base);
	ctx->saved_timeout = xen_drm_front_req_timeout_ms;
	test->priv = ctx;
	return 0;
}

static void dbg_exit(struct kunit *test)
{
	struct dbg_ctx *ctx = test->priv;
	struct kt_dev *kd = &ctx->kd;
	struct dbg_snap held;
	unsigned int i;

	if (kd->client_open) {
		kt_commits_idle(kd);
		for (i = 0; i < ctx->num_fbs; i++)
			kt_fb_destroy(kd, &ctx->fbs[i]);
	}
	kt_dev_down(kd);
	xen_drm_front_req_timeout_ms = ctx->saved_timeout;

	/* Everything counted was given back. */
	held = dbg_held(test);
	KUNIT_EXPECT_EQ(test, held.grants, 0);
	KUNIT_EXPECT_EQ(test, held.pages, 0);
	KUNIT_EXPECT_EQ(test, held.dbufs, 0);
	KUNIT_EXPECT_EQ(test, held.fbs, 0);
	KUNIT_EXPECT_EQ(test, held.evtchns, 0);
	KUNIT_EXPECT_EQ(test, held.irqs, 0);
	KUNIT_EXPECT_EQ(test, fake_xen_leaks(test), 0);
	KUNIT_EXPECT_EQ(test, fake_xen_errors(), 0);
}

static struct kt_dev *dbg_up(struct kunit *test, unsigned int num_conns,
			     bool be_alloc)
{
	struct dbg_ctx *ctx = test->priv;
	struct xen_drm_front_info *front_info;
	unsigned long flags;

	KUNIT_ASSERT_EQ(test, kt_dev_up(test, &ctx->kd, num_conns, DBG_RES,
					be_alloc), 0);
	/*
	 * The statistics count from here, like the backend's log: the
	 * format probe at connect is not what these tests look at.
	 */
	front_info = ctx->kd.front_info;
	spin_lock_irqsave(&front_info->io_lock, flags);
	memset(&front_info->stats, 0, sizeof(front_info->stats));
	spin_unlock_irqrestore(&front_info->io_lock, flags);
	return &ctx->kd;
}

static struct kt_fb *dbg_fb(struct kunit *test)
{
	struct dbg_ctx *ctx = test->priv;
	struct kt_fb *kfb;

	KUNIT_ASSERT_LT(test, ctx->num_fbs, DBG_MAX_FBS);
	kfb = &ctx->fbs[ctx->num_fbs++];
	KUNIT_ASSERT_EQ(test, kt_fb_create(&ctx->kd, kfb, DBG_W, DBG_H,
					   DRM_FORMAT_XRGB8888, 32), 0);
	return kfb;
}

static struct xen_drm_front_drm_info *dbg_drm_info(struct kt_dev *kd)
{
	return kd->drm->dev_private;
}

/* Run a debugfs show function into a buffer; returns the text. */
static char *dbg_show(struct kunit *test,
		      int (*show)(struct seq_file *m,
				  struct xen_drm_front_drm_info *drm_info),
		      struct kt_dev *kd)
{
	struct seq_file m = {};

	m.size = 16384;
	m.buf = kunit_kzalloc(test, m.size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.buf);
	KUNIT_ASSERT_EQ(test, show(&m, dbg_drm_info(kd)), 0);
	/* Not truncated (seq_file sets count to size on overflow). */
	KUNIT_ASSERT_LT(test, m.count, m.size);
	m.buf[m.count] = '\0';
	kunit_info(test, "%s", m.buf);
	return m.buf;
}

/* No run of 12 or more hex digits (a kernel address) in @text. */
static void expect_no_pointer(struct kunit *test, const char *text)
{
	unsigned int run = 0;
	const char *p;

	for (p = text; *p; p++) {
		run = isxdigit(*p) ? run + 1 : 0;
		KUNIT_EXPECT_LT_MSG(test, run, 12, "at \"%.24s\"",
				    p - min_t(unsigned int, run, 20));
		if (run >= 12)
			return;
	}
}

static void expect_contains(struct kunit *test, const char *text,
			    const char *what)
{
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(text, what), "no \"%s\"", what);
}

/* ---- accounting ---- */

/* Rings, event channels and IRQs of a connected device, and no more. */
static void dbg_acct_device(struct kunit *test)
{
	struct kt_dev *kd = dbg_up(test, 2, false);
	struct dbg_snap held = dbg_held(test);

	KUNIT_EXPECT_EQ(test, held.evtchns, 4);
	KUNIT_EXPECT_EQ(test, held.irqs, 4);
	KUNIT_EXPECT_EQ(test, held.grants, 4);
	KUNIT_EXPECT_EQ(test, held.grants, (long)fake_gnttab_in_use());
	KUNIT_EXPECT_EQ(test, held.pages, 4);
	KUNIT_EXPECT_EQ(test, held.dbufs, 0);
	KUNIT_EXPECT_EQ(test, held.fbs, 0);
	KUNIT_EXPECT_NOT_NULL(test, kd->drm);
}

/* Buffers and framebuffers count in and out, grants as the fake sees them. */
static void dbg_acct_buffers(struct kunit *test)
{
	struct dbg_ctx *ctx = test->priv;
	struct kt_dev *kd = dbg_up(test, 1, false);
	struct dbg_snap held;

	dbg_fb(test);
	dbg_fb(test);
	held = dbg_held(test);
	KUNIT_EXPECT_EQ(test, held.dbufs, 2);
	KUNIT_EXPECT_EQ(test, held.fbs, 2);
	/* Two ring pages; per buffer its data pages and one directory page. */
	KUNIT_EXPECT_EQ(test, held.grants, 2 + 2 * (DBG_BUF_PAGES + 1));
	KUNIT_EXPECT_EQ(test, held.grants, (long)fake_gnttab_in_use());
	KUNIT_EXPECT_EQ(test, held.pages, 2 + 2 * (DBG_BUF_PAGES + 1));

	kt_fb_destroy(kd, &ctx->fbs[1]);
	held = dbg_held(test);
	KUNIT_EXPECT_EQ(test, held.dbufs, 1);
	KUNIT_EXPECT_EQ(test, held.fbs, 1);
	KUNIT_EXPECT_EQ(test, held.grants, 2 + DBG_BUF_PAGES + 1);
	KUNIT_EXPECT_EQ(test, held.grants, (long)fake_gnttab_in_use());
	KUNIT_EXPECT_EQ(test, held.pages, 2 + DBG_BUF_PAGES + 1);
}

/* be-alloc: we grant only the directory; the data pages are ballooned. */
static void dbg_acct_be_alloc(struct kunit *test)
{
	dbg_up(test, 1, true);
	dbg_fb(test);
	KUNIT_EXPECT_EQ(test, dbg_held(test).dbufs, 1);
	KUNIT_EXPECT_EQ(test, dbg_held(test).grants, 2 + 1);
	KUNIT_EXPECT_EQ(test, dbg_held(test).grants,
			(long)fake_gnttab_in_use());
	KUNIT_EXPECT_EQ(test, dbg_held(test).pages, 2 + DBG_BUF_PAGES + 1);
	KUNIT_EXPECT_EQ(test, fake_balloon_pages(), DBG_BUF_PAGES);
}

/* Buffers the grant table cannot hold leave nothing counted. */
static void dbg_acct_out_of_grants(struct kunit *test)
{
	struct kt_dev *kd = dbg_up(test, 1, false);
	struct drm_mode_create_dumb args = {
		.width = DBG_W, .height = DBG_H, .bpp = 32,
	};

	fake_gnttab_set_capacity(2 + 10);
	KUNIT_EXPECT_EQ(test, drm_mode_create_dumb(kd->drm, &args,
						   kd->client.file), -ENOSPC);
	fake_gnttab_set_capacity(0);
	KUNIT_EXPECT_EQ(test, dbg_held(test).dbufs, 0);
	KUNIT_EXPECT_EQ(test, dbg_held(test).grants, 2);
	KUNIT_EXPECT_EQ(test, dbg_held(test).pages, 2);
}

/* ---- request statistics ---- */

static struct xen_drm_front_op_stats dbg_op_stats(struct kt_dev *kd, u8 op)
{
	struct xen_drm_front_info *front_info = kd->front_info;
	struct xen_drm_front_op_stats s;
	unsigned long flags;

	spin_lock_irqsave(&front_info->io_lock, flags);
	s = front_info->stats.op[op - XEN_DRM_FRONT_STATS_OP_FIRST];
	spin_unlock_irqrestore(&front_info->io_lock, flags);
	return s;
}

/* Every request the backend saw is counted as sent, by operation. */
static void dbg_stats_sent(struct kunit *test)
{
	struct dbg_ctx *ctx = test->priv;
	struct kt_dev *kd = dbg_up(test, 1, false);
	struct kt_fb *a = dbg_fb(test), *b = dbg_fb(test);
	u8 op;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	KUNIT_ASSERT_EQ(test, kt_commit_flip_sync(kd, 0, b->fb), 0);
	KUNIT_ASSERT_EQ(test, kt_commit_flip_sync(kd, 0, a->fb), 0);
	kt_commits_idle(kd);
	kt_fb_destroy(kd, &ctx->fbs[1]);

	for (op = XENDISPL_OP_DBUF_CREATE; op <= XENDISPL_OP_GET_EDID; op++) {
		struct xen_drm_front_op_stats s = dbg_op_stats(kd, op);

		KUNIT_EXPECT_EQ_MSG(test, s.sent, fake_be_count(&kd->be, op),
				    "operation %#x", op);
		KUNIT_EXPECT_EQ_MSG(test, s.errors + s.timeouts + s.not_sent,
				    0, "operation %#x", op);
		KUNIT_EXPECT_GE_MSG(test, s.max_us, s.last_us,
				    "operation %#x", op);
	}
	KUNIT_EXPECT_EQ(test, dbg_op_stats(kd, XENDISPL_OP_PG_FLIP).sent, 2);
	KUNIT_EXPECT_EQ(test, dbg_op_stats(kd, XENDISPL_OP_DBUF_CREATE).sent, 2);
	KUNIT_EXPECT_EQ(test, dbg_op_stats(kd, XENDISPL_OP_DBUF_DESTROY).sent,
			1);
}

/*
 * A flip's PG_FLIP, sent without waiting, is timed to the tick (no clock
 * read per flip): answered 60 ms late, its round trip says about that.
 */
static void dbg_stats_async_round_trip(struct kunit *test)
{
	struct kt_dev *kd = dbg_up(test, 1, false);
	struct xen_drm_front_op_stats s;

	kd->be.sync = false;
	KUNIT_ASSERT_EQ(test, xen_drm_front_page_flip(kd->front_info, 0, 1000),
			0);
	msleep(60);
	fake_be_process(&kd->be, 0);
	s = dbg_op_stats(kd, XENDISPL_OP_PG_FLIP);
	KUNIT_EXPECT_EQ(test, s.sent, 1);
	KUNIT_EXPECT_EQ(test, s.errors + s.timeouts + s.not_sent, 0);
	/* A tick either side: jiffies_to_usecs() of whole ticks. */
	KUNIT_EXPECT_GE(test, s.last_us, 60000 - jiffies_to_usecs(1));
	KUNIT_EXPECT_LT(test, s.last_us, 10 * USEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, s.max_us, s.last_us);
	kd->be.sync = true;
}

/* Error responses, timeouts and requests refused while stalled. */
static void dbg_stats_errors_timeouts(struct kunit *test)
{
	struct kt_dev *kd = dbg_up(test, 1, false);
	struct xen_drm_front_info *front_info = kd->front_info;
	const struct fake_be_req *r;
	struct xen_drm_front_op_stats s;

	kd->be.status[XENDISPL_OP_FB_ATTACH] = -EBUSY;
	KUNIT_EXPECT_EQ(test, xen_drm_front_fb_attach(front_info, 1, 1000,
						      DBG_W, DBG_H,
						      DRM_FORMAT_XRGB8888),
			-EBUSY);
	s = dbg_op_stats(kd, XENDISPL_OP_FB_ATTACH);
	KUNIT_EXPECT_EQ(test, s.sent, 1);
	KUNIT_EXPECT_EQ(test, s.errors, 1);
	KUNIT_EXPECT_EQ(test, s.timeouts, 0);

	xen_drm_front_req_timeout_ms = 100;
	kd->be.drop[XENDISPL_OP_FB_DETACH] = true;
	KUNIT_EXPECT_EQ(test, xen_drm_front_fb_detach(front_info, 1000),
			-ETIMEDOUT);
	/* The backend stalled: the next one is refused before the ring. */
	KUNIT_EXPECT_EQ(test, xen_drm_front_fb_detach(front_info, 1000),
			-ETIMEDOUT);
	s = dbg_op_stats(kd, XENDISPL_OP_FB_DETACH);
	KUNIT_EXPECT_EQ(test, s.sent, 1);
	KUNIT_EXPECT_EQ(test, s.timeouts, 1);
	KUNIT_EXPECT_EQ(test, s.not_sent, 1);
	KUNIT_EXPECT_EQ(test, s.errors, 0);
	KUNIT_EXPECT_EQ(test, s.last_us, 0);

	/* A late answer ends the stall; the next request is answered. */
	r = fake_be_last(&kd->be, XENDISPL_OP_FB_DETACH);
	KUNIT_ASSERT_NOT_NULL(test, r);
	fake_be_respond_raw(&kd->be, 0, r->req.id, XENDISPL_OP_FB_DETACH, 0,
			    true);
	kd->be.drop[XENDISPL_OP_FB_DETACH] = false;
	KUNIT_EXPECT_EQ(test, xen_drm_front_fb_detach(front_info, 1000), 0);
	s = dbg_op_stats(kd, XENDISPL_OP_FB_DETACH);
	KUNIT_EXPECT_EQ(test, s.sent, 2);
	KUNIT_EXPECT_EQ(test, s.timeouts, 1);
	KUNIT_EXPECT_EQ(test, s.errors, 0);
}

/* ---- the files ---- */

static void dbg_show_state(struct kunit *test)
{
	struct kt_dev *kd = dbg_up(test, 2, false);
	struct xen_drm_front_info *front_info = kd->front_info;
	char want[96];
	char *text;

	text = dbg_show(test, xen_drm_front_debugfs_state_show, kd);
	snprintf(want, sizeof(want), "protocol-version: %u\n",
		 front_info->cfg.version);
	expect_contains(test, text, want);
	snprintf(want, sizeof(want), "device: %s\n",
		 dev_name(&kd->fdev->xb.dev));
	expect_contains(test, text, want);
	expect_contains(test, text, "frontend-state: Connected\n");
	expect_contains(test, text, "be-alloc: no\n");
	expect_contains(test, text, "connectors: 2\n");
	expect_contains(test, text, "connector 0: 640x480, unique-id -\n");
	expect_contains(test, text, "connector 1: 640x480, unique-id -\n");
	snprintf(want, sizeof(want), "  req-ring: connected, port %u, irq %d,",
		 front_info->evt_pairs[1].req.port,
		 front_info->evt_pairs[1].req.irq);
	expect_contains(test, text, want);
	snprintf(want, sizeof(want), "  evt-ring: connected, port %u, irq %d,",
		 front_info->evt_pairs[1].evt.port,
		 front_info->evt_pairs[1].evt.irq);
	expect_contains(test, text, want);
	expect_no_pointer(test, text);
}

static void dbg_show_buffers(struct kunit *test)
{
	struct kt_dev *kd = dbg_up(test, 1, false);
	char *text;

	text = dbg_show(test, xen_drm_front_debugfs_buffers_show, kd);
	expect_contains(test, text, "dbufs: 0\n");
	expect_contains(test, text, "fbs: 0\n");

	dbg_fb(test);
	text = dbg_show(test, xen_drm_front_debugfs_buffers_show, kd);
	expect_contains(test, text, "dbufs: 1\n");
	expect_contains(test, text,
			": 640x480, bpp 32, size 1228800, pages 300, grants 301, fe-alloc\n");
	expect_contains(test, text, "fbs: 1\n");
	expect_contains(test, text, ", 640x480, format XR24 little-endian");
	expect_no_pointer(test, text);
}

static void dbg_show_buffers_be_alloc(struct kunit *test)
{
	struct kt_dev *kd = dbg_up(test, 1, true);
	char *text;

	dbg_fb(test);
	text = dbg_show(test, xen_drm_front_debugfs_buffers_show, kd);
	expect_contains(test, text,
			": 640x480, bpp 32, size 1228800, pages 300, grants 1, be-alloc, mapped directly\n");
	expect_no_pointer(test, text);
}

static void dbg_show_stats(struct kunit *test)
{
	struct kt_dev *kd = dbg_up(test, 1, false);
	struct kt_fb *a = dbg_fb(test);
	char want[96];
	char *text;

	KUNIT_ASSERT_EQ(test, kt_commit_enable(kd, 0, a->fb), 0);
	text = dbg_show(test, xen_drm_front_debugfs_stats_show, kd);
	snprintf(want, sizeof(want), "held-grants: %ld\n",
		 atomic_long_read(&xen_drm_front_acct.grants));
	expect_contains(test, text, want);
	snprintf(want, sizeof(want), "held-irqs: %ld\n",
		 atomic_long_read(&xen_drm_front_acct.irqs));
	expect_contains(test, text, want);
	expect_contains(test, text, "held-dbufs: ");
	expect_contains(test, text, "held-fbs: ");
	expect_contains(test, text, "held-pages: ");
	expect_contains(test, text, "held-evtchns: ");
	snprintf(want, sizeof(want), "shadow-copied-pages: %ld\n",
		 atomic_long_read(&xen_drm_front_acct.shadow_copied));
	expect_contains(test, text, want);
	snprintf(want, sizeof(want), "%-12s %10u %8u %8u %8u ", "SET_CONFIG",
		 1, 0, 0, 0);
	expect_contains(test, text, want);
	snprintf(want, sizeof(want), "%-12s %10u %8u %8u %8u ", "FB_ATTACH",
		 1, 0, 0, 0);
	expect_contains(test, text, want);
	expect_no_pointer(test, text);
}

static struct kunit_case dbg_cases[] = {
	KUNIT_CASE(dbg_acct_device),
	KUNIT_CASE(dbg_acct_buffers),
	KUNIT_CASE(dbg_acct_be_alloc),
	KUNIT_CASE(dbg_acct_out_of_grants),
	KUNIT_CASE(dbg_stats_sent),
	KUNIT_CASE(dbg_stats_async_round_trip),
	KUNIT_CASE(dbg_stats_errors_timeouts),
	KUNIT_CASE(dbg_show_state),
	KUNIT_CASE(dbg_show_buffers),
	KUNIT_CASE(dbg_show_buffers_be_alloc),
	KUNIT_CASE(dbg_show_stats),
	{}
};

static struct kunit_suite dbg_suite = {
	.name = "xen_drm_front_debugfs",
	.init = dbg_init,
	.exit = dbg_exit,
	.test_cases = dbg_cases,
};

kunit_test_suite(dbg_suite);
