// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * KUnit: the xenbus state machine (xen_drm_front.c), driven through the
 * driver's own xenbus callbacks: probe, otherend_changed, remove.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/dma-mapping.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/stdarg.h>
#include <linux/workqueue.h>

#include <drm/drm_drv.h>

#include <kunit/test.h>

#include <xen/xenbus.h>
#include <xen/interface/io/displif.h>

#include "../../xen_drm_front.h"
#include "../../xen_drm_front_evtchnl.h"

#include "helpers.h"

#define SM_RES	"800x600"

struct sm_ctx {
	struct kt_dev kd;
	struct drm_device *held;
};

static int sm_init(struct kunit *test)
{
	struct sm_ctx *ctx;

	fake_xen_reset();
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	return 0;
}

static void sm_exit(struct kunit *test)
{
	struct sm_ctx *ctx = test->priv;

	if (ctx->held)
		drm_dev_put(ctx->held);
	kt_dev_down(&ctx->kd);
	KUNIT_EXPECT_EQ(test, fake_xen_leaks(test), 0);
	KUNIT_EXPECT_EQ(test, fake_xen_errors(), 0);
}

/* The frontend's state switches so far are exactly @n states. */
static void expect_states(struct kunit *test, struct fake_xb_dev *fdev,
			  unsigned int n, ...)
{
	unsigned int i;
	va_list ap;

	KUNIT_EXPECT_EQ(test, fdev->num_states, n);
	va_start(ap, n);
	for (i = 0; i < n && i < fdev->num_states; i++) {
		enum xenbus_state want = va_arg(ap, int);

		KUNIT_EXPECT_STREQ_MSG(test, xenbus_strstate(fdev->states[i]),
				       xenbus_strstate(want), "switch %u", i);
	}
	va_end(ap);
}

static void expect_state_node(struct kunit *test, struct fake_xb_dev *fdev,
			      enum xenbus_state state)
{
	char path[80], buf[8], want[8];

	snprintf(path, sizeof(path), "%s/state", fdev->nodename);
	snprintf(want, sizeof(want), "%d", state);
	KUNIT_ASSERT_TRUE(test, fake_xs_read(path, buf, sizeof(buf)));
	KUNIT_EXPECT_STREQ(test, buf, want);
}

static struct kt_dev *sm_probe(struct kunit *test, unsigned int num_conns,
			       const char *res)
{
	struct sm_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, kt_dev_probe(test, &ctx->kd, num_conns, res,
					   false), 0);
	return &ctx->kd;
}

static struct kt_dev *sm_up(struct kunit *test, unsigned int num_conns)
{
	struct sm_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, kt_dev_up(test, &ctx->kd, num_conns, SM_RES,
					false), 0);
	return &ctx->kd;
}

static void flush_reconnect(struct kt_dev *kd)
{
	flush_work(&kd->front_info->reconnect_work);
}

static void sm_probe_only(struct kunit *test)
{
	struct kt_dev *kd = sm_probe(test, 1, SM_RES);

	KUNIT_ASSERT_NOT_NULL(test, kd->front_info);
	KUNIT_EXPECT_PTR_EQ(test, kd->front_info->xb_dev, &kd->fdev->xb);
	/* Already Initialising: nothing switched, nothing set up. */
	KUNIT_EXPECT_EQ(test, kd->fdev->xb.state, XenbusStateInitialising);
	expect_states(test, kd->fdev, 0);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 0);
	KUNIT_EXPECT_EQ(test, dma_get_mask(&kd->fdev->xb.dev), DMA_BIT_MASK(64));
	KUNIT_EXPECT_NULL(test, kd->front_info->drm_info);
}

static void sm_connect(struct kunit *test)
{
	struct kt_dev *kd = sm_probe(test, 2, SM_RES);
	char path[96], buf[16];

	KUNIT_ASSERT_EQ(test, kt_dev_initwait(kd), 0);
	expect_states(test, kd->fdev, 1, XenbusStateInitialised);
	expect_state_node(test, kd->fdev, XenbusStateInitialised);
	/* Published: 4 nodes per connector, the version and the state. */
	KUNIT_EXPECT_EQ(test, fake_xs_count("device/vdispl/0/0/"), 4 + 1);
	KUNIT_EXPECT_EQ(test, fake_xs_count("device/vdispl/0/1/"), 4 + 1);
	snprintf(path, sizeof(path), "%s/%s", kd->fdev->nodename,
		 XENDISPL_FIELD_FE_VERSION);
	KUNIT_ASSERT_TRUE(test, fake_xs_read(path, buf, sizeof(buf)));
	KUNIT_EXPECT_STREQ(test, buf, "1");
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 4);
	KUNIT_EXPECT_NULL(test, kd->front_info->drm_info);
	KUNIT_EXPECT_EQ(test, kd->front_info->evt_pairs[0].req.state,
			EVTCHNL_STATE_DISCONNECTED);

	KUNIT_ASSERT_EQ(test, kt_dev_connected(kd), 0);
	expect_states(test, kd->fdev, 2, XenbusStateInitialised,
		      XenbusStateConnected);
	expect_state_node(test, kd->fdev, XenbusStateConnected);
	KUNIT_EXPECT_TRUE(test, kd->drm->registered);
	KUNIT_EXPECT_EQ(test, kd->drm->mode_config.num_connector, 2);
	KUNIT_EXPECT_EQ(test, kd->front_info->evt_pairs[1].req.state,
			EVTCHNL_STATE_CONNECTED);
	KUNIT_EXPECT_EQ(test, kd->fdev->fatal_count, 0);
}

static void sm_connect_version_2(struct kunit *test)
{
	struct sm_ctx *ctx = test->priv;
	char path[96], buf[16];

	/* The backend's "versions" must be there before InitWait. */
	fake_xs_write("backend/vdispl/7/0/" XENDISPL_FIELD_BE_VERSIONS, "1,2");
	sm_probe(test, 1, SM_RES);
	KUNIT_ASSERT_EQ(test, kt_dev_initwait(&ctx->kd), 0);
	snprintf(path, sizeof(path), "%s/%s", ctx->kd.fdev->nodename,
		 XENDISPL_FIELD_FE_VERSION);
	KUNIT_ASSERT_TRUE(test, fake_xs_read(path, buf, sizeof(buf)));
	KUNIT_EXPECT_STREQ(test, buf, "2");
	KUNIT_EXPECT_EQ(test, ctx->kd.front_info->cfg.version, 2);
	KUNIT_ASSERT_EQ(test, kt_dev_connected(&ctx->kd), 0);
}

/* Backend states out of order are ignored. */
static void sm_out_of_order(struct kunit *test)
{
	struct kt_dev *kd = sm_probe(test, 1, SM_RES);

	kt_backend_state(kd, XenbusStateConnected);
	kt_backend_state(kd, XenbusStateInitialised);
	kt_backend_state(kd, XenbusStateReconfiguring);
	kt_backend_state(kd, XenbusStateClosed);
	expect_states(test, kd->fdev, 0);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 0);

	KUNIT_ASSERT_EQ(test, kt_dev_initwait(kd), 0);
	/* A second InitWait sets up nothing more. */
	kt_backend_state(kd, XenbusStateInitWait);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 2);
	KUNIT_ASSERT_EQ(test, kt_dev_connected(kd), 0);
	/* A second Connected creates no second device. */
	kt_backend_state(kd, XenbusStateConnected);
	expect_states(test, kd->fdev, 2, XenbusStateInitialised,
		      XenbusStateConnected);
	KUNIT_EXPECT_PTR_EQ(test, kd->front_info->drm_info->drm_dev, kd->drm);
}

static void expect_fatal(struct kunit *test, struct kt_dev *kd, int err)
{
	KUNIT_EXPECT_EQ(test, kd->fdev->fatal_count, 1);
	KUNIT_EXPECT_EQ(test, kd->fdev->fatal_err, err);
	expect_states(test, kd->fdev, 1, XenbusStateClosing);
	KUNIT_EXPECT_NULL(test, kd->front_info->evt_pairs);
	KUNIT_EXPECT_EQ(test, fake_xen_leaks(test), 0);
}

static void sm_bad_config_fatal(struct kunit *test)
{
	struct kt_dev *kd = sm_probe(test, 2, "800x600junk");

	kt_backend_state(kd, XenbusStateInitWait);
	expect_fatal(test, kd, -EINVAL);
}

static void sm_no_connector_fatal(struct kunit *test)
{
	struct kt_dev *kd = sm_probe(test, 0, SM_RES);

	kt_backend_state(kd, XenbusStateInitWait);
	expect_fatal(test, kd, -ENODEV);
}

static void sm_ring_failure_fatal(struct kunit *test)
{
	struct kt_dev *kd = sm_probe(test, 2, SM_RES);

	fake_ring_fail_setup(3);
	kt_backend_state(kd, XenbusStateInitWait);
	expect_fatal(test, kd, -ENOMEM);
}

static void sm_publish_retried(struct kunit *test)
{
	struct kt_dev *kd = sm_probe(test, 1, SM_RES);

	fake_xs_set_eagain(5);
	KUNIT_ASSERT_EQ(test, kt_dev_initwait(kd), 0);
	KUNIT_EXPECT_EQ(test, fake_xs_transactions_started(), 6);
	KUNIT_EXPECT_EQ(test, kd->fdev->fatal_count, 0);
	KUNIT_ASSERT_EQ(test, kt_dev_connected(kd), 0);
}

/*
 * The backend goes away and comes back: the DRM device waits for it, its
 * users keep their card (displif's recovery reconnect), and the state
 * machine follows the backend at once, whether anybody uses the card.
 */
static void expect_device_held(struct kunit *test, struct kt_dev *kd,
			       struct drm_device *drm)
{
	expect_states(test, kd->fdev, 4, XenbusStateInitialised,
		      XenbusStateConnected, XenbusStateReconfiguring,
		      XenbusStateInitialising);
	expect_state_node(test, kd->fdev, XenbusStateInitialising);
	KUNIT_ASSERT_NOT_NULL(test, kd->front_info->drm_info);
	KUNIT_EXPECT_PTR_EQ(test, kd->front_info->drm_info->drm_dev, drm);
	KUNIT_EXPECT_FALSE(test, drm_dev_is_unplugged(drm));
	KUNIT_EXPECT_TRUE(test, kd->front_info->resuming);
	KUNIT_EXPECT_NULL(test, kd->front_info->evt_pairs);
	/* The rings' grants are gone; no buffer holds one here. */
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 0);
	/* Nobody but the re-creation may talk to a backend meanwhile. */
	KUNIT_EXPECT_EQ(test, xen_drm_front_fb_detach(kd->front_info, 1), -EIO);
}

static void expect_device_back(struct kunit *test, struct kt_dev *kd,
			       struct drm_device *drm)
{
	expect_states(test, kd->fdev, 6, XenbusStateInitialised,
		      XenbusStateConnected, XenbusStateReconfiguring,
		      XenbusStateInitialising, XenbusStateInitialised,
		      XenbusStateConnected);
	KUNIT_EXPECT_PTR_EQ(test, kd->front_info->drm_info->drm_dev, drm);
	KUNIT_EXPECT_FALSE(test, drm_dev_is_unplugged(drm));
	KUNIT_EXPECT_FALSE(test, kd->front_info->resuming);
	/* It works: a request goes through the new rings. */
	KUNIT_EXPECT_EQ(test, xen_drm_front_fb_detach(kd->front_info, 1), 0);
	KUNIT_EXPECT_EQ(test, fake_be_count(&kd->be, XENDISPL_OP_FB_DETACH), 1);
}

static void sm_backend_closed_keeps_device(struct kunit *test)
{
	struct kt_dev *kd = sm_up(test, 1);
	struct drm_device *drm = kd->drm;

	kt_backend_state(kd, XenbusStateClosed);
	flush_reconnect(kd);
	expect_device_held(test, kd, drm);

	/* The restarted backend. */
	fake_be_detach(&kd->be);
	KUNIT_ASSERT_EQ(test, kt_dev_initwait(kd), 0);
	KUNIT_ASSERT_EQ(test, kt_dev_connected(kd), 0);
	expect_device_back(test, kd, drm);
}

/* Closing, then InitWait before the reconnect ran: followed all the same. */
static void sm_backend_closing_then_initwait(struct kunit *test)
{
	struct kt_dev *kd = sm_up(test, 1);
	struct drm_device *drm = kd->drm;

	kt_backend_state(kd, XenbusStateClosing);
	fake_be_detach(&kd->be);
	kt_backend_state(kd, XenbusStateInitWait);
	flush_reconnect(kd);
	/* The reconnect found the backend waiting and answered it. */
	expect_states(test, kd->fdev, 5, XenbusStateInitialised,
		      XenbusStateConnected, XenbusStateReconfiguring,
		      XenbusStateInitialising, XenbusStateInitialised);
	KUNIT_ASSERT_EQ(test, kt_be_attach(kd), 0);
	KUNIT_ASSERT_EQ(test, kt_dev_connected(kd), 0);
	expect_device_back(test, kd, drm);
}

static void sm_backend_unknown_keeps_device(struct kunit *test)
{
	struct kt_dev *kd = sm_up(test, 1);
	struct drm_device *drm = kd->drm;

	kt_backend_state(kd, XenbusStateUnknown);
	flush_reconnect(kd);
	expect_device_held(test, kd, drm);
}

/*
 * With backend-allocated buffers the pages lived in the backend that is
 * gone: the card is unplugged, and replaced once its last user left.
 */
static void sm_backend_closing_be_alloc_replaces(struct kunit *test)
{
	struct sm_ctx *ctx = test->priv;
	struct kt_dev *kd = &ctx->kd;
	struct drm_device *old;

	KUNIT_ASSERT_EQ(test, kt_dev_up(test, kd, 1, SM_RES, true), 0);
	old = kd->drm;
	kt_client_close(kd);
	ctx->held = old;
	drm_dev_get(old);
	kt_backend_state(kd, XenbusStateClosing);
	flush_reconnect(kd);
	expect_states(test, kd->fdev, 3, XenbusStateInitialised,
		      XenbusStateConnected, XenbusStateReconfiguring);
	KUNIT_EXPECT_TRUE(test, drm_dev_is_unplugged(old));
	KUNIT_EXPECT_NULL(test, kd->front_info->evt_pairs);

	/* The backend restarts while the user still holds the device. */
	fake_be_detach(&kd->be);
	kt_backend_state(kd, XenbusStateInitWait);
	expect_states(test, kd->fdev, 3, XenbusStateInitialised,
		      XenbusStateConnected, XenbusStateReconfiguring);

	/* The user closes: back to Initialising, and on to the backend. */
	ctx->held = NULL;
	drm_dev_put(old);
	flush_reconnect(kd);
	expect_states(test, kd->fdev, 5, XenbusStateInitialised,
		      XenbusStateConnected, XenbusStateReconfiguring,
		      XenbusStateInitialising, XenbusStateInitialised);
	KUNIT_ASSERT_EQ(test, kt_be_attach(kd), 0);
	KUNIT_ASSERT_EQ(test, kt_dev_connected(kd), 0);
	KUNIT_EXPECT_TRUE(test, kd->drm->registered);
	/*
	 * A new card: the old one was unplugged for good. Not the pointers:
	 * the old one is freed, and the new one may get its address.
	 */
	KUNIT_EXPECT_FALSE(test, drm_dev_is_unplugged(kd->drm));
}

/* The backend goes away before it ever connected: no device to wait for. */
static void sm_backend_gone_before_connected(struct kunit *test)
{
	struct kt_dev *kd = sm_probe(test, 1, SM_RES);

	KUNIT_ASSERT_EQ(test, kt_dev_initwait(kd), 0);
	fake_be_detach(&kd->be);
	kt_backend_state(kd, XenbusStateClosed);
	flush_reconnect(kd);
	KUNIT_EXPECT_NULL(test, kd->front_info->evt_pairs);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 0);
	/* It must come back for a restarted backend, not stay stuck. */
	KUNIT_EXPECT_EQ(test, kd->fdev->xb.state, XenbusStateInitialising);
	KUNIT_ASSERT_EQ(test, kt_dev_initwait(kd), 0);
	KUNIT_ASSERT_EQ(test, kt_dev_connected(kd), 0);
}

static void sm_remove_connected(struct kunit *test)
{
	struct kt_dev *kd = sm_up(test, 2);
	struct drm_device *drm = kd->drm;

	/* Like a user space file, open across the removal. */
	kt_client_unlist(kd);
	xen_drm_front_xenbus_driver.remove(&kd->fdev->xb);
	kd->removed = true;
	expect_states(test, kd->fdev, 4, XenbusStateInitialised,
		      XenbusStateConnected, XenbusStateClosing,
		      XenbusStateClosed);
	KUNIT_EXPECT_EQ(test, kd->fdev->frontend_closed, 1);
	KUNIT_EXPECT_TRUE(test, drm_dev_is_unplugged(drm));
	KUNIT_EXPECT_NULL(test, kd->front_info->evt_pairs);
	/* The user's close later must not reconnect anything. */
	kt_client_close(kd);
	KUNIT_EXPECT_EQ(test, kd->fdev->num_states, 4);
	KUNIT_EXPECT_EQ(test, fake_xen_leaks(test), 0);
}

/* remove() waited its whole timeout for the backend, then went on. */
static void expect_remove_timed_out(struct kunit *test, struct kt_dev *kd)
{
	ktime_t start = ktime_get();

	xen_drm_front_xenbus_driver.remove(&kd->fdev->xb);
	kd->removed = true;
	KUNIT_EXPECT_GE(test, ktime_ms_delta(ktime_get(), start), 2900);
	expect_states(test, kd->fdev, 4, XenbusStateInitialised,
		      XenbusStateConnected, XenbusStateClosing,
		      XenbusStateClosed);
}

static void sm_remove_backend_silent(struct kunit *test)
{
	struct kt_dev *kd = sm_up(test, 1);

	kd->be_acks_closing = false;
	expect_remove_timed_out(test, kd);
}

/*
 * A backend at Closing may still map our buffers: remove() waits for it to
 * be done (Closed or InitWait) before it frees them, up to its timeout.
 */
static void sm_remove_waits_for_backend_closed(struct kunit *test)
{
	struct kt_dev *kd = sm_up(test, 1);

	kd->be_stays_closing = true;
	expect_remove_timed_out(test, kd);
}

/* A backend that goes Closed at once costs remove() no wait. */
static void sm_remove_backend_closed_fast(struct kunit *test)
{
	struct kt_dev *kd = sm_up(test, 1);
	ktime_t start;

	start = ktime_get();
	xen_drm_front_xenbus_driver.remove(&kd->fdev->xb);
	kd->removed = true;
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), start), 1000);
	KUNIT_EXPECT_EQ(test, kd->fdev->frontend_closed, 1);
}

/*
 * Removal while waiting for the last user of the old device (unplugged:
 * backend-allocated buffers cannot wait for the backend's return).
 */
static void sm_remove_while_reconfiguring(struct kunit *test)
{
	struct sm_ctx *ctx = test->priv;
	struct kt_dev *kd = &ctx->kd;
	struct drm_device *old;
	unsigned int refs;

	KUNIT_ASSERT_EQ(test, kt_dev_up(test, kd, 1, SM_RES, true), 0);
	old = kd->drm;
	kt_client_close(kd);
	/*
	 * The user holds two references, so that a reference wrongly
	 * dropped by the driver shows as a count instead of freeing the
	 * device under the test.
	 */
	drm_dev_get(old);
	drm_dev_get(old);
	kt_backend_state(kd, XenbusStateClosed);
	KUNIT_EXPECT_EQ(test, kd->fdev->xb.state, XenbusStateReconfiguring);
	KUNIT_EXPECT_EQ(test, kref_read(&old->ref), 2);

	xen_drm_front_xenbus_driver.remove(&kd->fdev->xb);
	kd->removed = true;
	refs = kref_read(&old->ref);
	KUNIT_EXPECT_EQ_MSG(test, refs, 2,
			    "remove() dropped a reference it no longer had");
	expect_states(test, kd->fdev, 5, XenbusStateInitialised,
		      XenbusStateConnected, XenbusStateReconfiguring,
		      XenbusStateClosing, XenbusStateClosed);

	/* The user closes; the device goes, nothing reconnects. */
	while (refs--)
		drm_dev_put(old);
	KUNIT_EXPECT_EQ(test, kd->fdev->num_states, 5);
}

/* Removal while the device waits for the backend's return. */
static void sm_remove_while_backend_away(struct kunit *test)
{
	struct kt_dev *kd = sm_up(test, 1);
	struct drm_device *drm = kd->drm;

	/* Like a user space file, open across the removal. */
	kt_client_unlist(kd);
	kt_backend_state(kd, XenbusStateClosed);
	flush_reconnect(kd);
	KUNIT_EXPECT_TRUE(test, kd->front_info->resuming);
	xen_drm_front_xenbus_driver.remove(&kd->fdev->xb);
	kd->removed = true;
	KUNIT_EXPECT_TRUE(test, drm_dev_is_unplugged(drm));
	KUNIT_EXPECT_NULL(test, kd->front_info->drm_info);
	KUNIT_EXPECT_EQ(test, kd->fdev->frontend_closed, 1);
	/* The user's close later must not reconnect anything. */
	kt_client_close(kd);
	flush_reconnect(kd);
	KUNIT_EXPECT_EQ(test, kd->fdev->xb.state, XenbusStateClosed);
	KUNIT_EXPECT_EQ(test, fake_xen_leaks(test), 0);
}

static struct kunit_case front_cases[] = {
	KUNIT_CASE(sm_probe_only),
	KUNIT_CASE(sm_connect),
	KUNIT_CASE(sm_connect_version_2),
	KUNIT_CASE(sm_out_of_order),
	KUNIT_CASE(sm_bad_config_fatal),
	KUNIT_CASE(sm_no_connector_fatal),
	KUNIT_CASE(sm_ring_failure_fatal),
	KUNIT_CASE(sm_publish_retried),
	KUNIT_CASE(sm_backend_closed_keeps_device),
	KUNIT_CASE(sm_backend_closing_then_initwait),
	KUNIT_CASE(sm_backend_unknown_keeps_device),
	KUNIT_CASE(sm_backend_closing_be_alloc_replaces),
	KUNIT_CASE(sm_backend_gone_before_connected),
	KUNIT_CASE(sm_remove_connected),
	KUNIT_CASE(sm_remove_backend_silent),
	KUNIT_CASE(sm_remove_waits_for_backend_closed),
	KUNIT_CASE(sm_remove_backend_closed_fast),
	KUNIT_CASE(sm_remove_while_reconfiguring),
	KUNIT_CASE(sm_remove_while_backend_away),
	{}
};

static struct kunit_suite front_suite = {
	.name = "xen_drm_front_state",
	.init = sm_init,
	.exit = sm_exit,
	.test_cases = front_cases,
};
kunit_test_suite(front_suite);
