// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * KUnit: request rings, event pages and event channels
 * (xen_drm_front_evtchnl.c), against the scripted backend of fake_xen.c.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/timer.h>

#include <kunit/test.h>

#include <xen/events.h>
#include <xen/xenbus.h>
#include <xen/interface/io/displif.h>

#include "../../xen_drm_front.h"
#include "../../xen_drm_front_evtchnl.h"

#include "fake_xen.h"

struct ev_ctx {
	struct kunit *test;
	struct fake_xb_dev *fdev;
	struct xen_drm_front_info *fi;
	struct fake_be be;
	bool attached;
	unsigned int saved_timeout;
	struct timer_list timer;
	void (*timer_fn)(struct ev_ctx *ctx);
	/* A request sent from a kthread. */
	struct completion thread_done;
	int thread_ret;
};

static int ev_init(struct kunit *test)
{
	struct ev_ctx *ctx;

	fake_xen_reset();
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->test = test;
	ctx->fdev = fake_xb_dev_create(test, 0);
	KUNIT_ASSERT_NOT_NULL(test, ctx->fdev);
	ctx->fi = kunit_kzalloc(test, sizeof(*ctx->fi), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->fi);
	ctx->fi->xb_dev = &ctx->fdev->xb;
	spin_lock_init(&ctx->fi->io_lock);
	mutex_init(&ctx->fi->lock);
	init_rwsem(&ctx->fi->pairs_sem);
	ctx->fi->cfg.version = 1;
	ctx->saved_timeout = xen_drm_front_req_timeout_ms;
	xen_drm_front_req_timeout_ms = 100;
	init_completion(&ctx->thread_done);
	test->priv = ctx;
	return 0;
}

static void ev_exit(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;

	if (ctx->timer_fn)
		del_timer_sync(&ctx->timer);
	xen_drm_front_evtchnl_free_all(ctx->fi);
	if (ctx->attached)
		fake_be_detach(&ctx->be);
	fake_xb_dev_destroy(ctx->fdev);
	xen_drm_front_req_timeout_ms = ctx->saved_timeout;
	KUNIT_EXPECT_EQ(test, fake_xen_leaks(test), 0);
	KUNIT_EXPECT_EQ(test, fake_xen_errors(), 0);
}

static void ev_create(struct kunit *test, unsigned int num)
{
	struct ev_ctx *ctx = test->priv;

	ctx->fi->cfg.num_connectors = num;
	KUNIT_ASSERT_EQ(test, xen_drm_front_evtchnl_create_all(ctx->fi), 0);
}

static void ev_attach(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;

	ctx->be.sync = true;
	KUNIT_ASSERT_EQ(test, fake_be_attach(test, &ctx->be, ctx->fdev,
					     ctx->fi->num_evt_pairs), 0);
	ctx->attached = true;
}

/* Channels for @num connectors, published, backend attached, connected. */
static void ev_up(struct kunit *test, unsigned int num)
{
	struct ev_ctx *ctx = test->priv;

	ev_create(test, num);
	KUNIT_ASSERT_EQ(test, xen_drm_front_evtchnl_publish_all(ctx->fi), 0);
	ev_attach(test);
	xen_drm_front_evtchnl_set_state(ctx->fi, EVTCHNL_STATE_CONNECTED);
}

static struct xen_drm_front_evtchnl *req_chan(struct ev_ctx *ctx,
					      unsigned int i)
{
	return &ctx->fi->evt_pairs[i].req;
}

static struct xen_drm_front_evtchnl *evt_chan(struct ev_ctx *ctx,
					      unsigned int i)
{
	return &ctx->fi->evt_pairs[i].evt;
}

static int call_op(struct ev_ctx *ctx, unsigned int conn, u8 op)
{
	struct xendispl_req req = { .operation = op };

	return xen_drm_front_evtchnl_call(ctx->fi, conn, &req, NULL);
}

static int send_op(struct ev_ctx *ctx, unsigned int conn, u8 op)
{
	struct xendispl_req req = { .operation = op };

	return xen_drm_front_evtchnl_send(ctx->fi, conn, &req);
}

/* After a timeout the ring refuses requests for a timeout period. */
static void wait_stall_over(void)
{
	msleep(xen_drm_front_req_timeout_ms + 20);
}

static void ev_timer_fn(struct timer_list *t)
{
	struct ev_ctx *ctx = from_timer(ctx, t, timer);

	/* Act only once the request is on the ring (a slow host...). */
	if (!READ_ONCE(ctx->be.num_log)) {
		mod_timer(&ctx->timer, jiffies + 1);
		return;
	}
	ctx->timer_fn(ctx);
}

static void ev_arm_timer(struct ev_ctx *ctx, void (*fn)(struct ev_ctx *ctx),
			 unsigned int ms)
{
	ctx->timer_fn = fn;
	timer_setup(&ctx->timer, ev_timer_fn, 0);
	mod_timer(&ctx->timer, jiffies + msecs_to_jiffies(ms));
}

static bool xs_uint(struct ev_ctx *ctx, unsigned int conn, const char *node,
		    unsigned int *val)
{
	char path[96], buf[32];

	if (conn == UINT_MAX)
		snprintf(path, sizeof(path), "%s/%s", ctx->fdev->nodename, node);
	else
		snprintf(path, sizeof(path), "%s/%u/%s", ctx->fdev->nodename,
			 conn, node);
	return fake_xs_read(path, buf, sizeof(buf)) && !kstrtouint(buf, 10, val);
}

/* ---- setup and publishing ---- */

static void ev_create_and_publish(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	unsigned int i, val;

	ctx->fi->cfg.version = 2;
	ev_create(test, 2);
	KUNIT_ASSERT_EQ(test, xen_drm_front_evtchnl_publish_all(ctx->fi), 0);

	/* One transaction, committed; 4 nodes per connector and version. */
	KUNIT_EXPECT_EQ(test, fake_xs_transactions_started(), 1);
	KUNIT_EXPECT_EQ(test, fake_xs_transactions_open(), 0);
	KUNIT_EXPECT_EQ(test, fake_xs_count("device/vdispl/0/"), 2 * 4 + 1);
	KUNIT_ASSERT_TRUE(test, xs_uint(ctx, UINT_MAX, XENDISPL_FIELD_FE_VERSION,
					&val));
	KUNIT_EXPECT_EQ(test, val, 2);

	/* Two ring pages per connector granted, writable, to the backend. */
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 4);
	for (i = 0; i < 2; i++) {
		struct xen_drm_front_evtchnl *req = req_chan(ctx, i);
		struct xen_drm_front_evtchnl *evt = evt_chan(ctx, i);
		struct xen_displif_sring *sring;
		struct fake_grant g;

		KUNIT_ASSERT_TRUE(test, xs_uint(ctx, i, XENDISPL_FIELD_REQ_RING_REF, &val));
		KUNIT_EXPECT_EQ(test, val, req->gref);
		KUNIT_ASSERT_TRUE(test, xs_uint(ctx, i, XENDISPL_FIELD_REQ_CHANNEL, &val));
		KUNIT_EXPECT_EQ(test, val, req->port);
		KUNIT_ASSERT_TRUE(test, xs_uint(ctx, i, XENDISPL_FIELD_EVT_RING_REF, &val));
		KUNIT_EXPECT_EQ(test, val, evt->gref);
		KUNIT_ASSERT_TRUE(test, xs_uint(ctx, i, XENDISPL_FIELD_EVT_CHANNEL, &val));
		KUNIT_EXPECT_EQ(test, val, evt->port);

		KUNIT_ASSERT_TRUE(test, fake_gnttab_get(req->gref, &g));
		KUNIT_EXPECT_EQ(test, g.state, FAKE_GNT_GRANTED);
		KUNIT_EXPECT_EQ(test, g.domid, FAKE_BACKEND_DOMID);
		KUNIT_EXPECT_FALSE(test, g.readonly);
		sring = page_address(fake_gnttab_page(req->gref));
		KUNIT_EXPECT_PTR_EQ(test, (void *)sring,
				    (void *)req->u.req.ring.sring);
		KUNIT_EXPECT_EQ(test, sring->req_prod, 0);
		KUNIT_EXPECT_EQ(test, sring->rsp_event, 1);
		KUNIT_ASSERT_TRUE(test, fake_gnttab_get(evt->gref, &g));
		KUNIT_EXPECT_EQ(test, g.state, FAKE_GNT_GRANTED);
		KUNIT_EXPECT_FALSE(test, g.readonly);
		KUNIT_EXPECT_PTR_EQ(test, page_address(fake_gnttab_page(evt->gref)),
				    (void *)evt->u.evt.page);

		KUNIT_EXPECT_TRUE(test, fake_irq_bound(req->irq));
		KUNIT_EXPECT_TRUE(test, fake_irq_bound(evt->irq));
		KUNIT_EXPECT_EQ(test, fake_irq_of_port(req->port), req->irq);
		KUNIT_EXPECT_EQ(test, fake_irq_of_port(evt->port), evt->irq);
		KUNIT_EXPECT_NE(test, req->irq, evt->irq);
		/* Nothing is connected yet. */
		KUNIT_EXPECT_EQ(test, req->state, EVTCHNL_STATE_DISCONNECTED);
	}
	KUNIT_EXPECT_EQ(test, ctx->fdev->fatal_count, 0);
}

static void ev_publish_retries_eagain(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	unsigned int val;

	ev_create(test, 3);
	fake_xs_set_eagain(3);
	KUNIT_ASSERT_EQ(test, xen_drm_front_evtchnl_publish_all(ctx->fi), 0);
	KUNIT_EXPECT_EQ(test, fake_xs_transactions_started(), 4);
	KUNIT_EXPECT_EQ(test, fake_xs_transactions_open(), 0);
	KUNIT_EXPECT_EQ(test, fake_xs_count("device/vdispl/0/"), 3 * 4 + 1);
	KUNIT_ASSERT_TRUE(test, xs_uint(ctx, 2, XENDISPL_FIELD_EVT_CHANNEL, &val));
	KUNIT_EXPECT_EQ(test, val, evt_chan(ctx, 2)->port);
	KUNIT_ASSERT_TRUE(test, xs_uint(ctx, UINT_MAX, XENDISPL_FIELD_FE_VERSION,
					&val));
	KUNIT_EXPECT_EQ(test, val, 1);
	KUNIT_EXPECT_EQ(test, ctx->fdev->fatal_count, 0);
}

/* A store that always conflicts: bounded retries, an error, nothing written. */
static void ev_publish_eagain_forever(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;

	ev_create(test, 1);
	fake_xs_set_eagain(1000);
	KUNIT_EXPECT_EQ(test, xen_drm_front_evtchnl_publish_all(ctx->fi),
			-EAGAIN);
	fake_xs_set_eagain(0);
	KUNIT_EXPECT_GT(test, fake_xs_transactions_started(), 1);
	KUNIT_EXPECT_LE(test, fake_xs_transactions_started(), 1000);
	KUNIT_EXPECT_EQ(test, fake_xs_transactions_open(), 0);
	/* Nothing published (the fatal error wrote the state node). */
	KUNIT_EXPECT_EQ(test, fake_xs_count("device/vdispl/0/0/"), 0);
	KUNIT_EXPECT_FALSE(test, fake_xs_exists("device/vdispl/0/" XENDISPL_FIELD_FE_VERSION));
	KUNIT_EXPECT_EQ(test, ctx->fdev->fatal_count, 1);
	KUNIT_EXPECT_EQ(test, ctx->fdev->fatal_err, -EAGAIN);
}

/* Any allocation failing while creating leaves nothing behind. */
static void ev_create_failure_cleans_up(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	unsigned int n;

	ctx->fi->cfg.num_connectors = 2;
	for (n = 1; n <= 4; n++) {
		fake_ring_fail_setup(n);
		KUNIT_EXPECT_EQ_MSG(test, xen_drm_front_evtchnl_create_all(ctx->fi),
				    -ENOMEM, "ring %u", n);
		KUNIT_EXPECT_NULL(test, ctx->fi->evt_pairs);
		KUNIT_EXPECT_EQ(test, ctx->fi->num_evt_pairs, 0);
		KUNIT_EXPECT_EQ_MSG(test, fake_xen_leaks(test), 0, "ring %u", n);
	}
	fake_ring_fail_setup(0);
	for (n = 1; n <= 4; n++) {
		fake_evtchn_fail_alloc(n);
		KUNIT_EXPECT_EQ_MSG(test, xen_drm_front_evtchnl_create_all(ctx->fi),
				    -ENOSPC, "channel %u", n);
		KUNIT_EXPECT_NULL(test, ctx->fi->evt_pairs);
		KUNIT_EXPECT_EQ_MSG(test, fake_xen_leaks(test), 0, "channel %u", n);
	}
	fake_evtchn_fail_alloc(0);
	KUNIT_EXPECT_EQ(test, xen_drm_front_evtchnl_create_all(ctx->fi), 0);
}

/* ---- requests and responses ---- */

static void ev_call_ok(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	struct xendispl_req req = { .operation = XENDISPL_OP_SET_CONFIG };
	struct xendispl_resp resp = {};
	const struct fake_be_req *seen;
	int irq;

	ev_up(test, 1);
	irq = req_chan(ctx, 0)->irq;
	req.op.set_config.fb_cookie = 0x1122334455667788ULL;
	req.op.set_config.width = 1024;
	req.op.set_config.height = 768;
	req.op.set_config.bpp = 32;
	KUNIT_ASSERT_EQ(test, xen_drm_front_evtchnl_call(ctx->fi, 0, &req,
							 &resp), 0);
	KUNIT_EXPECT_EQ(test, resp.id, req.id);
	KUNIT_EXPECT_EQ(test, resp.operation, XENDISPL_OP_SET_CONFIG);
	KUNIT_EXPECT_EQ(test, fake_irq_notify_count(irq), 1);

	KUNIT_ASSERT_EQ(test, ctx->be.num_log, 1);
	seen = &ctx->be.log[0];
	KUNIT_EXPECT_EQ(test, seen->conn, 0);
	KUNIT_EXPECT_EQ(test, seen->req.id, 0);
	KUNIT_EXPECT_EQ(test, seen->req.operation, XENDISPL_OP_SET_CONFIG);
	KUNIT_EXPECT_EQ(test, seen->req.op.set_config.fb_cookie,
			0x1122334455667788ULL);
	KUNIT_EXPECT_EQ(test, seen->req.op.set_config.width, 1024);
	KUNIT_EXPECT_EQ(test, seen->req.op.set_config.height, 768);
	KUNIT_EXPECT_EQ(test, seen->req.op.set_config.bpp, 32);

	/* Ids increase per ring. */
	KUNIT_ASSERT_EQ(test, call_op(ctx, 0, XENDISPL_OP_PG_FLIP), 0);
	KUNIT_ASSERT_EQ(test, ctx->be.num_log, 2);
	KUNIT_EXPECT_EQ(test, ctx->be.log[1].req.id, 1);
	KUNIT_EXPECT_EQ(test, fake_irq_notify_count(irq), 2);
	/* The responses were not spurious interrupts. */
	KUNIT_EXPECT_EQ(test, fake_irq_last_eoi_flags(irq), 0);
}

static void ev_call_own_ring(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;

	ev_up(test, 3);
	KUNIT_ASSERT_EQ(test, call_op(ctx, 2, XENDISPL_OP_PG_FLIP), 0);
	KUNIT_ASSERT_EQ(test, ctx->be.num_log, 1);
	KUNIT_EXPECT_EQ(test, ctx->be.log[0].conn, 2);
	KUNIT_EXPECT_EQ(test, fake_irq_notify_count(req_chan(ctx, 2)->irq), 1);
	KUNIT_EXPECT_EQ(test, fake_irq_notify_count(req_chan(ctx, 0)->irq), 0);
	KUNIT_EXPECT_EQ(test, fake_irq_notify_count(req_chan(ctx, 1)->irq), 0);
}

/* The id wraps at 16 bits and keeps matching. */
static void ev_call_id_wraps(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;

	ev_up(test, 1);
	req_chan(ctx, 0)->u.req.next_id = 0xffff;
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_PG_FLIP), 0);
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_PG_FLIP), 0);
	KUNIT_ASSERT_EQ(test, ctx->be.num_log, 2);
	KUNIT_EXPECT_EQ(test, ctx->be.log[0].req.id, 0xffff);
	KUNIT_EXPECT_EQ(test, ctx->be.log[1].req.id, 0);
}

static void ev_wrong_id_ignored(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	ktime_t start;

	ev_up(test, 1);
	ctx->be.id_delta = 1;
	start = ktime_get();
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG),
			-ETIMEDOUT);
	KUNIT_EXPECT_GE(test, ktime_ms_delta(ktime_get(), start), 90);
	KUNIT_EXPECT_EQ(test, ctx->be.num_resp, 1);
	/* The channel still works. */
	ctx->be.id_delta = 0;
	wait_stall_over();
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG), 0);
	KUNIT_EXPECT_EQ(test, req_chan(ctx, 0)->state, EVTCHNL_STATE_CONNECTED);
}

static void ev_wrong_op_ignored(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;

	ev_up(test, 1);
	/* Right id, wrong operation: not the answer to our request. */
	ctx->be.op_override = XENDISPL_OP_PG_FLIP;
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG),
			-ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, ctx->be.num_resp, 1);
	ctx->be.op_override = 0;
	wait_stall_over();
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG), 0);
}

/* A late answer to a timed-out request does not complete the next one. */
static void ev_timeout_late_response(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	ktime_t start;
	s64 ms;

	ev_up(test, 1);
	ctx->be.drop[XENDISPL_OP_FB_ATTACH] = true;
	start = ktime_get();
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_FB_ATTACH),
			-ETIMEDOUT);
	ms = ktime_ms_delta(ktime_get(), start);
	KUNIT_EXPECT_GE(test, ms, 90);
	KUNIT_EXPECT_LT(test, ms, 2000);

	/* The late success for id 0 is ignored... */
	fake_be_respond_raw(&ctx->be, 0, 0, XENDISPL_OP_FB_ATTACH, 0, true);
	/* ...and the next request gets its own (failed) answer. */
	ctx->be.drop[XENDISPL_OP_FB_ATTACH] = false;
	ctx->be.status[XENDISPL_OP_FB_ATTACH] = -EBUSY;
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_FB_ATTACH), -EBUSY);
	KUNIT_EXPECT_EQ(test, req_chan(ctx, 0)->state, EVTCHNL_STATE_CONNECTED);
}

/* The late answer, then an event (whose interrupt takes it), then ours. */
static void ev_late_answer_then_event(struct ev_ctx *ctx)
{
	fake_be_respond_raw(&ctx->be, 0, 0, XENDISPL_OP_SET_CONFIG, 0, false);
	fake_be_send_event(&ctx->be, 0, XENDISPL_EVT_PG_FLIP, 0, true);
	fake_be_process(&ctx->be, 0);
}

/*
 * A late answer taken by the event interrupt moves rsp_cons past the slot
 * rsp_event was set for: the answer to the request waiting must still be
 * notified, not found at its timeout.
 */
static void ev_late_answer_taken_by_event(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	struct xen_drm_front_evtchnl *ch;
	ktime_t start;

	ev_up(test, 1);
	ch = req_chan(ctx, 0);
	ctx->be.drop[XENDISPL_OP_SET_CONFIG] = true;
	KUNIT_ASSERT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG),
			-ETIMEDOUT);
	wait_stall_over();
	xen_drm_front_req_timeout_ms = 3000;
	ctx->be.sync = false;
	ev_arm_timer(ctx, ev_late_answer_then_event, 50);
	start = ktime_get();
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_FB_ATTACH), 0);
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start), 1500);
	KUNIT_EXPECT_EQ(test, ch->u.req.ring.rsp_cons, 2);
	KUNIT_EXPECT_EQ(test, evt_chan(ctx, 0)->u.evt.page->in_cons, 1);
	KUNIT_EXPECT_FALSE(test, ch->u.req.pending);
}

/*
 * After a timeout, requests fail at once for a timeout period (callers do
 * not each wait in turn for a dead backend); any answer ends that.
 */
static void ev_stall_after_timeout(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	int irq;
	ktime_t start;

	ev_up(test, 1);
	irq = req_chan(ctx, 0)->irq;
	xen_drm_front_req_timeout_ms = 300;
	ctx->be.drop[XENDISPL_OP_SET_CONFIG] = true;
	KUNIT_ASSERT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG),
			-ETIMEDOUT);
	start = ktime_get();
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG),
			-ETIMEDOUT);
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start), 250);
	/* Refused before the ring: not sent, no notification. */
	KUNIT_EXPECT_EQ(test, ctx->be.num_log, 1);
	KUNIT_EXPECT_EQ(test, fake_irq_notify_count(irq), 1);

	/* A late answer shows the backend alive: requests go through again. */
	fake_be_respond_raw(&ctx->be, 0, 0, XENDISPL_OP_SET_CONFIG, 0, true);
	ctx->be.drop[XENDISPL_OP_SET_CONFIG] = false;
	start = ktime_get();
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG), 0);
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start), 250);
	KUNIT_EXPECT_EQ(test, ctx->be.num_log, 2);

	/* Without an answer, the refusal ends with the period. */
	ctx->be.drop[XENDISPL_OP_SET_CONFIG] = true;
	KUNIT_ASSERT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG),
			-ETIMEDOUT);
	ctx->be.drop[XENDISPL_OP_SET_CONFIG] = false;
	wait_stall_over();
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG), 0);
	KUNIT_EXPECT_EQ(test, ctx->be.num_log, 4);
}

/* Every errno of Xen's public/errno.h but the internal EINTR, ERESTART. */
static const s32 xen_public_errnos[] = {
	1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18, 19, 20, 21,
	22, 23, 24, 28, 30, 31, 33, 34, 35, 36, 37, 38, 39, 61, 62, 74, 84,
	88, 90, 95, 98, 99, 105, 106, 107, 110, 111,
};

static void ev_status_to_errno(struct kunit *test)
{
	static const s32 not_errnos[] = {
		1, 5, 22, 0x7fffffff, -1000, -200, -524 /* ENOTSUPP */,
		-4095, INT_MIN,
	};
	unsigned int i;

	KUNIT_EXPECT_EQ(test, xen_drm_front_evtchnl_status_to_errno(0), 0);
	/*
	 * Xen's numbers are Linux's: the status is the errno, but for "not
	 * implemented" (38), a syscall number's error in Linux.
	 */
	for (i = 0; i < ARRAY_SIZE(xen_public_errnos); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    xen_drm_front_evtchnl_status_to_errno(-xen_public_errnos[i]),
				    xen_public_errnos[i] == 38 ? -EOPNOTSUPP :
				    -xen_public_errnos[i], "status %d",
				    -xen_public_errnos[i]);
	for (i = 0; i < ARRAY_SIZE(not_errnos); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    xen_drm_front_evtchnl_status_to_errno(not_errnos[i]),
				    -EIO, "status %d", not_errnos[i]);
}

static void ev_status_through_ring(struct kunit *test)
{
	static const struct {
		s32 status;
		int ret;
	} cases[] = {
		{ -22, -EINVAL }, { -12, -ENOMEM }, { -2, -ENOENT },
		{ -110, -ETIMEDOUT }, { -38, -EOPNOTSUPP }, { 7, -EIO },
		{ -9999, -EIO }, { 0, 0 },
	};
	struct ev_ctx *ctx = test->priv;
	unsigned int i;

	ev_up(test, 1);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ctx->be.status[XENDISPL_OP_DBUF_DESTROY] = cases[i].status;
		KUNIT_EXPECT_EQ_MSG(test, call_op(ctx, 0, XENDISPL_OP_DBUF_DESTROY),
				    cases[i].ret, "status %d", cases[i].status);
	}
}

static void ev_call_not_connected(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;

	ev_create(test, 1);
	KUNIT_ASSERT_EQ(test, xen_drm_front_evtchnl_publish_all(ctx->fi), 0);
	ev_attach(test);
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_PG_FLIP), -EIO);
	KUNIT_EXPECT_EQ(test, ctx->be.num_log, 0);
	KUNIT_EXPECT_EQ(test, fake_irq_notify_count(req_chan(ctx, 0)->irq), 0);
	KUNIT_EXPECT_EQ(test, req_chan(ctx, 0)->u.req.ring.req_prod_pvt, 0);
}

static void ev_disconnect(struct ev_ctx *ctx)
{
	xen_drm_front_evtchnl_set_state(ctx->fi, EVTCHNL_STATE_DISCONNECTED);
}

/* Disconnecting from another context releases the waiter with -EIO. */
static void ev_disconnect_releases_waiter(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	ktime_t start;
	s64 ms;

	ev_up(test, 1);
	xen_drm_front_req_timeout_ms = 3000;
	ctx->be.drop[XENDISPL_OP_SET_CONFIG] = true;
	ev_arm_timer(ctx, ev_disconnect, 50);
	start = ktime_get();
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG), -EIO);
	ms = ktime_ms_delta(ktime_get(), start);
	KUNIT_EXPECT_GE(test, ms, 40);
	KUNIT_EXPECT_LT(test, ms, 1500);
	/* And nobody gets in any more. */
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG), -EIO);
	KUNIT_EXPECT_EQ(test, ctx->be.num_log, 1);
}

static int ev_call_thread(void *data)
{
	struct ev_ctx *ctx = data;

	ctx->thread_ret = call_op(ctx, 0, XENDISPL_OP_DBUF_CREATE);
	complete(&ctx->thread_done);
	return 0;
}

/* Tearing down while a request waits: the waiter leaves first, with -EIO. */
static void ev_free_all_releases_waiter(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	struct task_struct *task;
	ktime_t start;

	ev_up(test, 1);
	xen_drm_front_req_timeout_ms = 5000;
	ctx->be.drop[XENDISPL_OP_DBUF_CREATE] = true;
	start = ktime_get();
	task = kthread_run(ev_call_thread, ctx, "kunit-xen-call");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&ctx->be.got_request,
							  HZ), 0);
	xen_drm_front_evtchnl_free_all(ctx->fi);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&ctx->thread_done,
							  5 * HZ), 0);
	KUNIT_EXPECT_EQ(test, ctx->thread_ret, -EIO);
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start), 2000);
	KUNIT_EXPECT_NULL(test, ctx->fi->evt_pairs);
	KUNIT_EXPECT_EQ(test, fake_xen_leaks(test), 0);
}

/* 32 unanswered requests fill the ring; answered late, it is usable again. */
static void ev_ring_full(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	unsigned int i, size;
	ktime_t start;

	ev_up(test, 1);
	xen_drm_front_req_timeout_ms = 10;
	ctx->be.sync = false;
	size = RING_SIZE(&req_chan(ctx, 0)->u.req.ring);
	KUNIT_ASSERT_EQ(test, size, 32);
	for (i = 0; i < size; i++) {
		KUNIT_ASSERT_EQ(test, call_op(ctx, 0, XENDISPL_OP_PG_FLIP),
				-ETIMEDOUT);
		wait_stall_over();
	}
	/* Refused at once, without waiting for an answer. */
	xen_drm_front_req_timeout_ms = 3000;
	start = ktime_get();
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_PG_FLIP), -ENOSPC);
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start), 1500);
	KUNIT_EXPECT_EQ(test, req_chan(ctx, 0)->u.req.ring.req_prod_pvt, size);

	/* The backend wakes up and answers all 32: stale, ignored. */
	fake_be_process(&ctx->be, 0);
	KUNIT_EXPECT_EQ(test, ctx->be.num_resp, size);
	KUNIT_EXPECT_EQ(test, req_chan(ctx, 0)->u.req.ring.rsp_cons, size);
	ctx->be.sync = true;
	xen_drm_front_req_timeout_ms = 100;
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_PG_FLIP), 0);
	KUNIT_EXPECT_EQ(test, req_chan(ctx, 0)->state, EVTCHNL_STATE_CONNECTED);
}

/*
 * One connector up, a backend that answers only when told to, and a
 * PG_FLIP sent without waiting. Return: the connector's request channel.
 */
static struct xen_drm_front_evtchnl *ev_up_async_flip(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;

	ev_up(test, 1);
	ctx->be.sync = false;
	KUNIT_ASSERT_EQ(test, send_op(ctx, 0, XENDISPL_OP_PG_FLIP), 0);
	return req_chan(ctx, 0);
}

/*
 * A request sent without waiting (PG_FLIP, from the commit path) returns
 * at once, and its answer comes unnotified: nobody waits for it, so it
 * does not interrupt the guest; whoever looks next takes it. The ring
 * still carries one request at a time: the next one goes once the first
 * is answered.
 */
static void ev_send_async(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	struct xen_drm_front_evtchnl *ch;
	unsigned int irqs;

	ch = ev_up_async_flip(test);
	KUNIT_EXPECT_TRUE(test, ch->u.req.pending);
	KUNIT_EXPECT_TRUE(test, ch->u.req.async);
	KUNIT_EXPECT_EQ(test, ch->u.req.ring.req_prod_pvt, 1);
	irqs = fake_irq_eoi_count(ch->irq);
	fake_be_process(&ctx->be, 0);
	KUNIT_EXPECT_EQ(test, ctx->be.num_resp, 1);
	KUNIT_EXPECT_EQ(test, fake_irq_eoi_count(ch->irq), irqs);
	KUNIT_EXPECT_TRUE(test, ch->u.req.pending);
	xen_drm_front_evtchnl_poll(ctx->fi, 0);
	KUNIT_EXPECT_FALSE(test, ch->u.req.pending);
	KUNIT_EXPECT_EQ(test, ch->u.req.ring.rsp_cons, 1);
	ctx->be.sync = true;
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG), 0);
	KUNIT_EXPECT_EQ(test, ch->u.req.ring.req_prod_pvt, 2);
	/* Somebody waited for that one: it was notified. */
	KUNIT_EXPECT_EQ(test, fake_irq_eoi_count(ch->irq), irqs + 1);
}

/* The next request takes an answer nobody took, without waiting. */
static void ev_send_async_then_call(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	struct xen_drm_front_evtchnl *ch;
	ktime_t start;

	ch = ev_up_async_flip(test);
	xen_drm_front_req_timeout_ms = 3000;
	fake_be_process(&ctx->be, 0);
	KUNIT_EXPECT_TRUE(test, ch->u.req.pending);
	ctx->be.sync = true;
	start = ktime_get();
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG), 0);
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start), 1500);
	KUNIT_EXPECT_EQ(test, ch->u.req.ring.rsp_cons, 2);
	KUNIT_EXPECT_FALSE(test, ch->u.req.stalled);
}

/* Answers what is on connector 0's ring (already logged or not). */
static void ev_answer_timer_fn(struct timer_list *t)
{
	struct ev_ctx *ctx = from_timer(ctx, t, timer);

	fake_be_process(&ctx->be, 0);
}

static void ev_process_conn0(struct ev_ctx *ctx)
{
	fake_be_process(&ctx->be, 0);
}

/*
 * Not answered yet when the next request comes: that one waits, and has
 * the answer notified, so it goes as soon as the answer is there (not at
 * the first one's timeout).
 */
static void ev_send_async_waiter_notified(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	struct xen_drm_front_evtchnl *ch;
	unsigned int irqs;
	ktime_t start;

	ch = ev_up_async_flip(test);
	xen_drm_front_req_timeout_ms = 3000;
	irqs = fake_irq_eoi_count(ch->irq);
	/* The timer answers the PG_FLIP; the notify hook the SET_CONFIG. */
	ctx->be.sync = true;
	ctx->timer_fn = ev_process_conn0;	/* for ev_exit() */
	timer_setup(&ctx->timer, ev_answer_timer_fn, 0);
	mod_timer(&ctx->timer, jiffies + msecs_to_jiffies(50));
	start = ktime_get();
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG), 0);
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start), 1500);
	KUNIT_EXPECT_EQ(test, fake_irq_eoi_count(ch->irq), irqs + 2);
	KUNIT_EXPECT_FALSE(test, ch->u.req.stalled);
	KUNIT_EXPECT_FALSE(test, ch->u.req.waiter);
}

/*
 * Unanswered: the next request waits out the first one's timeout, then
 * the ring stalls as after any timeout; a late answer ends the stall.
 */
static void ev_send_async_unanswered(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	struct xen_drm_front_evtchnl *ch;
	ktime_t start;

	ch = ev_up_async_flip(test);
	start = ktime_get();
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG),
			-ETIMEDOUT);
	KUNIT_EXPECT_GE(test, ktime_ms_delta(ktime_get(), start),
			xen_drm_front_req_timeout_ms - 10);
	/* Never sent: the PG_FLIP is all the ring holds. */
	KUNIT_EXPECT_EQ(test, ch->u.req.ring.req_prod_pvt, 1);
	KUNIT_EXPECT_FALSE(test, ch->u.req.pending);
	KUNIT_EXPECT_TRUE(test, ch->u.req.stalled);
	KUNIT_EXPECT_EQ(test, send_op(ctx, 0, XENDISPL_OP_PG_FLIP), -ETIMEDOUT);

	fake_be_process(&ctx->be, 0);
	KUNIT_EXPECT_FALSE(test, ch->u.req.stalled);
	ctx->be.sync = true;
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG), 0);
}

/* The channel goes away under an unanswered one: nothing is left pending. */
static void ev_send_async_disconnect(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	struct xen_drm_front_evtchnl *ch;

	ch = ev_up_async_flip(test);
	xen_drm_front_evtchnl_set_state(ctx->fi, EVTCHNL_STATE_DISCONNECTED);
	KUNIT_EXPECT_FALSE(test, ch->u.req.pending);
	KUNIT_EXPECT_FALSE(test, ch->u.req.async);
	KUNIT_EXPECT_TRUE(test, completion_done(&ch->u.req.done));
	KUNIT_EXPECT_EQ(test, send_op(ctx, 0, XENDISPL_OP_PG_FLIP), -EIO);
}

static void ev_bogus_rsp_prod(struct ev_ctx *ctx)
{
	struct xen_displif_sring *sring = req_chan(ctx, 0)->u.req.ring.sring;

	/* One request is outstanding; claim two responses. */
	WRITE_ONCE(sring->rsp_prod, req_chan(ctx, 0)->u.req.ring.rsp_cons + 2);
	fake_irq_raise(req_chan(ctx, 0)->irq);
}

static void ev_hostile_rsp_prod_ahead(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	ktime_t start;

	ev_up(test, 1);
	xen_drm_front_req_timeout_ms = 3000;
	ctx->be.drop[XENDISPL_OP_SET_CONFIG] = true;
	ev_arm_timer(ctx, ev_bogus_rsp_prod, 30);
	start = ktime_get();
	/* The waiter is released: the channel is broken. */
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG), -EIO);
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start), 1500);
	KUNIT_EXPECT_EQ(test, req_chan(ctx, 0)->state, EVTCHNL_STATE_BROKEN);
	/* Nothing was consumed from the bogus range. */
	KUNIT_EXPECT_EQ(test, req_chan(ctx, 0)->u.req.ring.rsp_cons, 0);
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_SET_CONFIG), -EIO);
	KUNIT_EXPECT_EQ(test, ctx->be.num_log, 1);
}

static void ev_hostile_rsp_prod_behind(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	struct xen_displif_sring *sring;

	ev_up(test, 1);
	KUNIT_ASSERT_EQ(test, call_op(ctx, 0, XENDISPL_OP_PG_FLIP), 0);
	KUNIT_ASSERT_EQ(test, call_op(ctx, 0, XENDISPL_OP_PG_FLIP), 0);
	sring = req_chan(ctx, 0)->u.req.ring.sring;
	WRITE_ONCE(sring->rsp_prod, 1);
	fake_irq_raise(req_chan(ctx, 0)->irq);
	KUNIT_EXPECT_EQ(test, req_chan(ctx, 0)->state, EVTCHNL_STATE_BROKEN);
	KUNIT_EXPECT_EQ(test, req_chan(ctx, 0)->u.req.ring.rsp_cons, 2);
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_PG_FLIP), -EIO);
}

/* ---- events ---- */

static struct xendispl_event_page *evt_page(struct ev_ctx *ctx,
					    unsigned int i)
{
	return evt_chan(ctx, i)->u.evt.page;
}

static void ev_events_consumed(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	int irq;

	ev_up(test, 2);
	irq = evt_chan(ctx, 1)->irq;
	fake_be_send_event(&ctx->be, 1, XENDISPL_EVT_PG_FLIP, 5, true);
	KUNIT_EXPECT_EQ(test, evt_page(ctx, 1)->in_cons, 1);
	KUNIT_EXPECT_EQ(test, evt_page(ctx, 0)->in_cons, 0);
	KUNIT_EXPECT_EQ(test, fake_irq_eoi_count(irq), 1);
	KUNIT_EXPECT_EQ(test, fake_irq_last_eoi_flags(irq), 0);
	KUNIT_EXPECT_EQ(test, evt_chan(ctx, 1)->u.evt.next_id, 1);

	/* An interrupt with nothing new is spurious. */
	fake_irq_raise(irq);
	KUNIT_EXPECT_EQ(test, fake_irq_eoi_count(irq), 2);
	KUNIT_EXPECT_EQ(test, fake_irq_last_eoi_flags(irq),
			XEN_EOI_FLAG_SPURIOUS);
	KUNIT_EXPECT_EQ(test, evt_chan(ctx, 1)->state, EVTCHNL_STATE_CONNECTED);
}

static void ev_events_wrap_around(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	struct xendispl_event_page *page;
	unsigned int i;

	ev_up(test, 1);
	page = evt_page(ctx, 0);
	/* Past the 63-slot ring several times, one at a time. */
	for (i = 0; i < 200; i++)
		fake_be_send_event(&ctx->be, 0, XENDISPL_EVT_PG_FLIP, i + 1, true);
	KUNIT_EXPECT_EQ(test, page->in_cons, 200);
	/* A whole ring's worth at once. */
	for (i = 0; i < XENDISPL_IN_RING_LEN; i++)
		fake_be_send_event(&ctx->be, 0, XENDISPL_EVT_PG_FLIP, i + 1, false);
	fake_irq_raise(evt_chan(ctx, 0)->irq);
	KUNIT_EXPECT_EQ(test, page->in_cons, 200 + XENDISPL_IN_RING_LEN);
	KUNIT_EXPECT_EQ(test, evt_chan(ctx, 0)->state, EVTCHNL_STATE_CONNECTED);

	/* The 32-bit indexes wrap too. */
	page->in_cons = 0xfffffff0;
	page->in_prod = 0xfffffff0;
	ctx->be.conn[0].evt_prod = 0xfffffff0;
	for (i = 0; i < 40; i++)
		fake_be_send_event(&ctx->be, 0, XENDISPL_EVT_PG_FLIP, i + 1, true);
	KUNIT_EXPECT_EQ(test, page->in_cons, 0x18);
	KUNIT_EXPECT_EQ(test, evt_chan(ctx, 0)->state, EVTCHNL_STATE_CONNECTED);
}

/* A producer more than a ring ahead: nothing read, channel broken. */
static void ev_events_producer_too_far(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	struct xendispl_event_page *page;
	int irq;

	ev_up(test, 1);
	page = evt_page(ctx, 0);
	irq = evt_chan(ctx, 0)->irq;
	fake_be_send_event(&ctx->be, 0, XENDISPL_EVT_PG_FLIP, 1, true);
	KUNIT_ASSERT_EQ(test, page->in_cons, 1);

	WRITE_ONCE(page->in_prod, 1 + XENDISPL_IN_RING_LEN + 1);
	fake_irq_raise(irq);
	KUNIT_EXPECT_EQ(test, evt_chan(ctx, 0)->state, EVTCHNL_STATE_BROKEN);
	KUNIT_EXPECT_EQ(test, page->in_cons, 1);
	KUNIT_EXPECT_EQ(test, evt_chan(ctx, 0)->u.evt.next_id, 1);

	/* Broken stays broken: later events are not read. */
	WRITE_ONCE(page->in_prod, 2);
	fake_irq_raise(irq);
	KUNIT_EXPECT_EQ(test, page->in_cons, 1);
	/* The request ring of the connector still works. */
	KUNIT_EXPECT_EQ(test, call_op(ctx, 0, XENDISPL_OP_PG_FLIP), 0);
}

static void ev_events_producer_behind(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	struct xendispl_event_page *page;

	ev_up(test, 1);
	page = evt_page(ctx, 0);
	page->in_cons = 10;
	WRITE_ONCE(page->in_prod, 9);
	fake_irq_raise(evt_chan(ctx, 0)->irq);
	KUNIT_EXPECT_EQ(test, evt_chan(ctx, 0)->state, EVTCHNL_STATE_BROKEN);
	KUNIT_EXPECT_EQ(test, page->in_cons, 10);
}

static void ev_events_unknown_type(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;

	ev_up(test, 1);
	fake_be_send_event(&ctx->be, 0, 0x42, 0, true);
	fake_be_send_event(&ctx->be, 0, 0xff, 77, true);
	/* PG_FLIP for a cookie nobody knows (no DRM device even). */
	fake_be_send_event(&ctx->be, 0, XENDISPL_EVT_PG_FLIP, 0xdeadbeef, true);
	KUNIT_EXPECT_EQ(test, evt_page(ctx, 0)->in_cons, 3);
	KUNIT_EXPECT_EQ(test, evt_chan(ctx, 0)->state, EVTCHNL_STATE_CONNECTED);
}

static void ev_events_ignored_when_disconnected(struct kunit *test)
{
	struct ev_ctx *ctx = test->priv;
	int irq;

	ev_up(test, 1);
	irq = evt_chan(ctx, 0)->irq;
	xen_drm_front_evtchnl_set_state(ctx->fi, EVTCHNL_STATE_DISCONNECTED);
	fake_be_send_event(&ctx->be, 0, XENDISPL_EVT_PG_FLIP, 1, true);
	KUNIT_EXPECT_EQ(test, evt_page(ctx, 0)->in_cons, 0);
	KUNIT_EXPECT_EQ(test, fake_irq_last_eoi_flags(irq),
			XEN_EOI_FLAG_SPURIOUS);
	/* Reconnected, the pending event is read on the next interrupt. */
	xen_drm_front_evtchnl_set_state(ctx->fi, EVTCHNL_STATE_CONNECTED);
	fake_irq_raise(irq);
	KUNIT_EXPECT_EQ(test, evt_page(ctx, 0)->in_cons, 1);
}

static struct kunit_case evtchnl_cases[] = {
	KUNIT_CASE(ev_create_and_publish),
	KUNIT_CASE(ev_publish_retries_eagain),
	KUNIT_CASE(ev_publish_eagain_forever),
	KUNIT_CASE(ev_create_failure_cleans_up),
	KUNIT_CASE(ev_call_ok),
	KUNIT_CASE(ev_call_own_ring),
	KUNIT_CASE(ev_call_id_wraps),
	KUNIT_CASE(ev_wrong_id_ignored),
	KUNIT_CASE(ev_wrong_op_ignored),
	KUNIT_CASE(ev_timeout_late_response),
	KUNIT_CASE(ev_late_answer_taken_by_event),
	KUNIT_CASE(ev_stall_after_timeout),
	KUNIT_CASE(ev_status_to_errno),
	KUNIT_CASE(ev_status_through_ring),
	KUNIT_CASE(ev_call_not_connected),
	KUNIT_CASE(ev_disconnect_releases_waiter),
	KUNIT_CASE(ev_free_all_releases_waiter),
	KUNIT_CASE(ev_ring_full),
	KUNIT_CASE(ev_send_async),
	KUNIT_CASE(ev_send_async_then_call),
	KUNIT_CASE(ev_send_async_waiter_notified),
	KUNIT_CASE(ev_send_async_unanswered),
	KUNIT_CASE(ev_send_async_disconnect),
	KUNIT_CASE(ev_hostile_rsp_prod_ahead),
	KUNIT_CASE(ev_hostile_rsp_prod_behind),
	KUNIT_CASE(ev_events_consumed),
	KUNIT_CASE(ev_events_wrap_around),
	KUNIT_CASE(ev_events_producer_too_far),
	KUNIT_CASE(ev_events_producer_behind),
	KUNIT_CASE(ev_events_unknown_type),
	KUNIT_CASE(ev_events_ignored_when_disconnected),
	{}
};

static struct kunit_suite evtchnl_suite = {
	.name = "xen_drm_front_evtchnl",
	.init = ev_init,
	.exit = ev_exit,
	.test_cases = evtchnl_cases,
};
kunit_test_suite(evtchnl_suite);
