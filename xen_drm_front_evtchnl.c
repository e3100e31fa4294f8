// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * Xen para-virtual DRM frontend: request rings, event pages, event channels.
 *
 * Each connector has a request ring (we produce requests, the backend
 * produces responses) and an event page (the backend produces events). The
 * backend is another domain and is not trusted: every index it writes is
 * checked against what it could legitimately be before we read a slot, and
 * every slot is copied out of shared memory once before it is looked at.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/errno.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

#include "xen_drm_front.h"
#include "xen_drm_front_evtchnl.h"

unsigned int xen_drm_front_req_timeout_ms = XEN_DRM_FRONT_REQ_TIMEOUT_MS;
module_param_named(req_timeout_ms, xen_drm_front_req_timeout_ms, uint, 0644);
MODULE_PARM_DESC(req_timeout_ms,
		 "Time the backend gets to answer a request, in ms (default 3000)");

/* Bound on XenStore transaction retries, so a busy store cannot hang us. */
#define XEN_DRM_FRONT_XS_RETRIES	64

/* Xen's errno values that have the same number and meaning in Linux. */
static const s32 xen_errnos[] = {
	EPERM, ENOENT, ESRCH, EINTR, EIO, ENXIO, E2BIG, ENOEXEC, EBADF,
	ECHILD, EAGAIN, ENOMEM, EACCES, EFAULT, EBUSY, EEXIST, EXDEV, ENODEV,
	ENOTDIR, EISDIR, EINVAL, ENFILE, EMFILE, ENOSPC, EROFS, EMLINK, EDOM,
	ERANGE, EDEADLK, ENAMETOOLONG, ENOLCK, ENOTEMPTY, ENODATA, ETIME,
	EBADMSG, EOVERFLOW, EILSEQ, ENOTSOCK, EMSGSIZE, EOPNOTSUPP,
	EADDRINUSE, EADDRNOTAVAIL, ENOBUFS, EISCONN, ENOTCONN, ETIMEDOUT,
	ECONNREFUSED,
};

/*
 * Xen's "function not implemented": the backend lacks the operation. In
 * Linux that number means "no such system call", so it becomes -EOPNOTSUPP.
 */
#define XEN_DRM_FRONT_XEN_NOT_IMPLEMENTED	38

/**
 * xen_drm_front_evtchnl_status_to_errno() - map a response status to errno
 * @status: the status field of a displif response: 0 or -XEN_Exx
 *
 * Return: 0, the matching negative Linux errno (-EOPNOTSUPP for "not
 * implemented"), or -EIO for a status that is not a Xen errno (a positive
 * value, or a number Xen does not define).
 */
int xen_drm_front_evtchnl_status_to_errno(s32 status)
{
	size_t i;

	if (!status)
		return 0;
	if (status == -XEN_DRM_FRONT_XEN_NOT_IMPLEMENTED)
		return -EOPNOTSUPP;
	for (i = 0; i < ARRAY_SIZE(xen_errnos); i++)
		if (status == -xen_errnos[i])
			return status;
	return -EIO;
}

/*
 * Called with io_lock held: the request sent by xen_drm_front_evtchnl_send()
 * is answered, or never will be. Nobody waits for it: count it and hand
 * its outcome to the device.
 */
static void evtchnl_finish_async(struct xen_drm_front_evtchnl *evtchnl,
				 int status)
{
	struct xen_drm_front_info *front_info = evtchnl->front_info;
	u8 op = evtchnl->u.req.pending_op;

	evtchnl->u.req.pending = false;
	evtchnl->u.req.async = false;
	evtchnl->u.req.waiter = false;
	/*
	 * Timed in jiffies: in a PV guest a clock read can cost a trap to
	 * Xen, and this is once per flip; the tick's resolution still shows
	 * a slow backend.
	 */
	xen_drm_front_stats_account(front_info, op, status,
				    jiffies_to_usecs(jiffies -
						     evtchnl->u.req.sent_jiffies));
	complete(&evtchnl->u.req.done);
	xen_drm_front_on_response(front_info, evtchnl->index, op, status);
}

/* Called with io_lock held: stop all I/O on a channel the backend broke. */
static void evtchnl_mark_broken(struct xen_drm_front_evtchnl *evtchnl)
{
	evtchnl->state = EVTCHNL_STATE_BROKEN;
	if (evtchnl->type != EVTCHNL_TYPE_REQ || !evtchnl->u.req.pending)
		return;
	if (evtchnl->u.req.async) {
		evtchnl_finish_async(evtchnl, -EIO);
		return;
	}
	evtchnl->u.req.pending = false;
	evtchnl->u.req.resp.status = -EIO;
	complete(&evtchnl->u.req.done);
}

/* Called with io_lock held for every response the backend produced. */
static void evtchnl_on_response(struct xen_drm_front_evtchnl *evtchnl,
				const struct xendispl_resp *resp)
{
	struct device *dev = &evtchnl->front_info->xb_dev->dev;
	int status;

	/* Even a late answer shows the backend is alive again. */
	evtchnl->u.req.stalled = false;
	if (!evtchnl->u.req.pending || resp->id != evtchnl->u.req.pending_id) {
		dev_warn_ratelimited(dev, "connector %u: ignoring response with unexpected id %u\n",
				     evtchnl->index, resp->id);
		return;
	}
	if (resp->operation != evtchnl->u.req.pending_op) {
		dev_warn_ratelimited(dev, "connector %u: ignoring response %u for operation %#x, request was %#x\n",
				     evtchnl->index, resp->id, resp->operation,
				     evtchnl->u.req.pending_op);
		return;
	}
	status = xen_drm_front_evtchnl_status_to_errno(resp->status);
	if (status != resp->status)
		dev_warn_ratelimited(dev, "connector %u: response %u has invalid status %d\n",
				     evtchnl->index, resp->id, resp->status);
	if (evtchnl->u.req.async) {
		if (status)
			dev_err_ratelimited(dev, "connector %u: backend refused %s (id %u): status %d\n",
					    evtchnl->index,
					    xen_drm_front_op_name(resp->operation),
					    resp->id, status);
		evtchnl_finish_async(evtchnl, status);
		return;
	}
	evtchnl->u.req.resp = *resp;
	evtchnl->u.req.resp.status = status;
	evtchnl->u.req.pending = false;
	complete(&evtchnl->u.req.done);
}

/*
 * Called with io_lock held: take the responses the backend put on a
 * request ring. Return: true if it put any (or broke the ring).
 */
static bool evtchnl_take_responses(struct xen_drm_front_evtchnl *evtchnl)
{
	struct xen_displif_front_ring *ring = &evtchnl->u.req.ring;
	struct xendispl_resp resp;
	RING_IDX i, rp;

	if (evtchnl->state != EVTCHNL_STATE_CONNECTED)
		return false;
	rp = READ_ONCE(ring->sring->rsp_prod);
	/* Read the responses only after their producer index. */
	virt_rmb();
	if (rp - ring->rsp_cons > ring->req_prod_pvt - ring->rsp_cons) {
		dev_err(&evtchnl->front_info->xb_dev->dev,
			"connector %u: backend response producer %u is beyond our requests (%u..%u), ring disabled\n",
			evtchnl->index, rp, ring->rsp_cons, ring->req_prod_pvt);
		evtchnl_mark_broken(evtchnl);
		return true;
	}
	if (rp == ring->rsp_cons)
		return false;
	for (i = ring->rsp_cons; i != rp; i++) {
		RING_COPY_RESPONSE(ring, i, &resp);
		evtchnl_on_response(evtchnl, &resp);
	}
	ring->rsp_cons = rp;
	return true;
}

/*
 * Called with io_lock held: have the backend notify (the ring's rsp_event)
 * only a response somebody waits for. The response to a request sent
 * without waiting (PG_FLIP) would wake the guest for nothing: the frame's
 * EVT_PG_FLIP follows, and takes it (evtchnl_evt_interrupt()); else the
 * next request, xen_drm_front_evtchnl_settle() or a look from the vblank
 * timer (xen_drm_front_evtchnl_poll()) does. Return: true if responses
 * came meanwhile, which the caller must take.
 */
static bool evtchnl_arm(struct xen_drm_front_evtchnl *evtchnl)
{
	struct xen_displif_front_ring *ring = &evtchnl->u.req.ring;
	bool notify = evtchnl->u.req.pending &&
		      (!evtchnl->u.req.async || evtchnl->u.req.waiter);

	ring->sring->rsp_event = ring->rsp_cons + notify;
	/* The backend reads rsp_event after rsp_prod: so we, the other way. */
	virt_mb();
	return RING_HAS_UNCONSUMED_RESPONSES(ring);
}

/*
 * Called with io_lock held: take the responses on a request ring, then set
 * rsp_event for what is still in flight. Taking a late answer to a timed-out
 * request leaves rsp_event pointing at the slot that answer used: the
 * answer to the request in flight would come unnotified. A response put on
 * the ring before rsp_event moved was not notified either: it is taken too.
 * Return: true if there were any.
 */
static bool evtchnl_take_and_arm(struct xen_drm_front_evtchnl *evtchnl)
{
	bool took = false;

	while (evtchnl_take_responses(evtchnl)) {
		took = true;
		if (evtchnl->state != EVTCHNL_STATE_CONNECTED ||
		    !evtchnl_arm(evtchnl))
			break;
	}
	return took;
}

static irqreturn_t evtchnl_req_interrupt(int irq, void *dev_id)
{
	struct xen_drm_front_evtchnl *evtchnl = dev_id;
	struct xen_drm_front_info *front_info = evtchnl->front_info;
	unsigned int eoi_flags = XEN_EOI_FLAG_SPURIOUS;
	unsigned long flags;

	spin_lock_irqsave(&front_info->io_lock, flags);
	if (evtchnl_take_and_arm(evtchnl))
		eoi_flags = 0;
	spin_unlock_irqrestore(&front_info->io_lock, flags);
	xen_irq_lateeoi(irq, eoi_flags);
	return IRQ_HANDLED;
}

static irqreturn_t evtchnl_evt_interrupt(int irq, void *dev_id)
{
	struct xen_drm_front_evtchnl *evtchnl = dev_id;
	struct xen_drm_front_info *front_info = evtchnl->front_info;
	struct xendispl_event_page *page = evtchnl->u.evt.page;
	unsigned int eoi_flags = XEN_EOI_FLAG_SPURIOUS;
	struct xen_drm_front_evtchnl *req;
	struct xendispl_evt evt;
	unsigned long flags;
	u32 cons, prod;

	spin_lock_irqsave(&front_info->io_lock, flags);
	if (evtchnl->state != EVTCHNL_STATE_CONNECTED)
		goto out;
	/* The flip's response, unnotified (evtchnl_arm()), before its frame. */
	req = &container_of(evtchnl, struct xen_drm_front_evtchnl_pair, evt)->req;
	evtchnl_take_and_arm(req);
	prod = READ_ONCE(page->in_prod);
	/* Read the events only after their producer index. */
	virt_rmb();
	cons = READ_ONCE(page->in_cons);
	if (prod - cons > XENDISPL_IN_RING_LEN) {
		dev_err(&front_info->xb_dev->dev,
			"connector %u: backend event producer %u runs more than a ring ahead of %u, events disabled\n",
			evtchnl->index, prod, cons);
		evtchnl_mark_broken(evtchnl);
		eoi_flags = 0;
		goto out;
	}
	for (; cons != prod; cons++) {
		memcpy(&evt, &XENDISPL_IN_RING_REF(page, cons), sizeof(evt));
		eoi_flags = 0;
		if (evt.id != evtchnl->u.evt.next_id)
			dev_warn_ratelimited(&front_info->xb_dev->dev,
					     "connector %u: event id %u, expected %u\n",
					     evtchnl->index, evt.id,
					     evtchnl->u.evt.next_id);
		evtchnl->u.evt.next_id = evt.id + 1;

		switch (evt.type) {
		case XENDISPL_EVT_PG_FLIP:
			xen_drm_front_on_frame_done(front_info, evtchnl->index,
						    evt.op.pg_flip.fb_cookie);
			break;
		default:
			dev_warn_ratelimited(&front_info->xb_dev->dev,
					     "connector %u: ignoring unknown event type %#x\n",
					     evtchnl->index, evt.type);
			break;
		}
	}
	/* Consume the slots only after we copied them out. */
	virt_mb();
	WRITE_ONCE(page->in_cons, cons);
out:
	spin_unlock_irqrestore(&front_info->io_lock, flags);
	xen_irq_lateeoi(irq, eoi_flags);
	return IRQ_HANDLED;
}

static void evtchnl_free(struct xen_drm_front_info *front_info,
			 struct xen_drm_front_evtchnl *evtchnl)
{
	void *page;

	if (!evtchnl->front_info)
		return;
	xen_drm_front_acct_evtchnl(evtchnl, -1);

	/* Unbinding also closes the event channel. */
	if (evtchnl->irq > 0)
		unbind_from_irqhandler(evtchnl->irq, evtchnl);
	else if (evtchnl->port)
		xenbus_free_evtchn(front_info->xb_dev, evtchnl->port);

	if (evtchnl->type == EVTCHNL_TYPE_REQ)
		page = evtchnl->u.req.ring.sring;
	else
		page = evtchnl->u.evt.page;
	if (page)
		xenbus_teardown_ring(&page, 1, &evtchnl->gref);

	memset(evtchnl, 0, sizeof(*evtchnl));
}

static int evtchnl_alloc(struct xen_drm_front_info *front_info,
			 unsigned int index,
			 struct xen_drm_front_evtchnl *evtchnl,
			 enum xen_drm_front_evtchnl_type type)
{
	struct xenbus_device *xb_dev = front_info->xb_dev;
	irq_handler_t handler;
	void *page;
	int ret;

	memset(evtchnl, 0, sizeof(*evtchnl));
	evtchnl->front_info = front_info;
	evtchnl->index = index;
	evtchnl->type = type;
	evtchnl->state = EVTCHNL_STATE_DISCONNECTED;
	evtchnl->gref = INVALID_GRANT_REF;

	ret = xenbus_setup_ring(xb_dev, GFP_NOIO | __GFP_HIGH, &page, 1,
				&evtchnl->gref);
	if (ret)
		goto fail;

	if (type == EVTCHNL_TYPE_REQ) {
		struct xen_displif_sring *sring = page;

		SHARED_RING_INIT(sring);
		FRONT_RING_INIT(&evtchnl->u.req.ring, sring, XEN_PAGE_SIZE);
		mutex_init(&evtchnl->u.req.lock);
		init_completion(&evtchnl->u.req.done);
		handler = evtchnl_req_interrupt;
	} else {
		evtchnl->u.evt.page = page;
		handler = evtchnl_evt_interrupt;
	}

	ret = xenbus_alloc_evtchn(xb_dev, &evtchnl->port);
	if (ret)
		goto fail;

	ret = bind_evtchn_to_irqhandler_lateeoi(evtchnl->port, handler, 0,
						xb_dev->devicetype, evtchnl);
	if (ret < 0)
		goto fail;
	evtchnl->irq = ret;
	xen_drm_front_acct_evtchnl(evtchnl, 1);
	return 0;

fail:
	xen_drm_front_acct_evtchnl(evtchnl, 1);
	dev_err(&xb_dev->dev, "connector %u: cannot set up %s channel: %d\n",
		index, type == EVTCHNL_TYPE_REQ ? "request" : "event", ret);
	evtchnl_free(front_info, evtchnl);
	return ret;
}

static void evtchnl_free_pairs(struct xen_drm_front_info *front_info)
{
	struct xen_drm_front_evtchnl_pair *pairs;
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < front_info->num_evt_pairs; i++) {
		evtchnl_free(front_info, &front_info->evt_pairs[i].req);
		evtchnl_free(front_info, &front_info->evt_pairs[i].evt);
	}
	/* xen_drm_front_evtchnl_poll() looks at them under io_lock only. */
	spin_lock_irqsave(&front_info->io_lock, flags);
	pairs = front_info->evt_pairs;
	front_info->evt_pairs = NULL;
	front_info->num_evt_pairs = 0;
	spin_unlock_irqrestore(&front_info->io_lock, flags);
	kfree(pairs);
}

/**
 * xen_drm_front_evtchnl_create_all() - set up every connector's channels
 * @front_info: the device; its configuration must have been read
 *
 * Allocates and grants a request ring and an event page per connector and
 * binds an event channel to each. Nothing is published yet.
 *
 * Return: 0 on success or a negative errno; on error nothing is left set up.
 */
int xen_drm_front_evtchnl_create_all(struct xen_drm_front_info *front_info)
{
	unsigned int num = front_info->cfg.num_connectors, i;
	int ret = -ENOMEM;

	/* Requests of a live DRM device may look at the pairs (resume). */
	down_write(&front_info->pairs_sem);
	front_info->evt_pairs = kcalloc(num, sizeof(*front_info->evt_pairs),
					GFP_KERNEL);
	if (!front_info->evt_pairs)
		goto out;
	front_info->num_evt_pairs = num;

	for (i = 0; i < num; i++) {
		ret = evtchnl_alloc(front_info, i,
				    &front_info->evt_pairs[i].req,
				    EVTCHNL_TYPE_REQ);
		if (ret)
			goto fail;
		ret = evtchnl_alloc(front_info, i,
				    &front_info->evt_pairs[i].evt,
				    EVTCHNL_TYPE_EVT);
		if (ret)
			goto fail;
	}
	ret = 0;
	goto out;

fail:
	evtchnl_free_pairs(front_info);
out:
	up_write(&front_info->pairs_sem);
	return ret;
}

static int publish_connector(struct xenbus_transaction xbt,
			     const char *dir,
			     struct xen_drm_front_evtchnl_pair *pair)
{
	int ret;

	ret = xenbus_printf(xbt, dir, XENDISPL_FIELD_REQ_RING_REF, "%u",
			    pair->req.gref);
	if (!ret)
		ret = xenbus_printf(xbt, dir, XENDISPL_FIELD_REQ_CHANNEL, "%u",
				    pair->req.port);
	if (!ret)
		ret = xenbus_printf(xbt, dir, XENDISPL_FIELD_EVT_RING_REF, "%u",
				    pair->evt.gref);
	if (!ret)
		ret = xenbus_printf(xbt, dir, XENDISPL_FIELD_EVT_CHANNEL, "%u",
				    pair->evt.port);
	return ret;
}

/**
 * xen_drm_front_evtchnl_publish_all() - tell the backend where the rings are
 * @front_info: the device, with its channels created
 *
 * Writes the four ring and channel nodes of every connector and the chosen
 * protocol "version" in one XenStore transaction, retried while the store
 * reports a conflict (-EAGAIN), a bounded number of times.
 *
 * Return: 0 on success or a negative errno (already reported on XenStore).
 */
int xen_drm_front_evtchnl_publish_all(struct xen_drm_front_info *front_info)
{
	struct xenbus_device *xb_dev = front_info->xb_dev;
	struct xenbus_transaction xbt;
	unsigned int attempt, i;
	char *dir;
	int ret;

	for (attempt = 0; attempt < XEN_DRM_FRONT_XS_RETRIES; attempt++) {
		ret = xenbus_transaction_start(&xbt);
		if (ret) {
			xenbus_dev_fatal(xb_dev, ret, "starting transaction");
			return ret;
		}
		for (i = 0; i < front_info->num_evt_pairs; i++) {
			dir = kasprintf(GFP_KERNEL, "%s/%u", xb_dev->nodename, i);
			if (!dir) {
				ret = -ENOMEM;
				goto abort;
			}
			ret = publish_connector(xbt, dir, &front_info->evt_pairs[i]);
			kfree(dir);
			if (ret)
				goto abort;
		}
		ret = xenbus_printf(xbt, xb_dev->nodename,
				    XENDISPL_FIELD_FE_VERSION, "%u",
				    front_info->cfg.version);
		if (ret)
			goto abort;
		ret = xenbus_transaction_end(xbt, 0);
		if (ret != -EAGAIN)
			break;
	}
	if (ret)
		xenbus_dev_fatal(xb_dev, ret, "completing transaction");
	return ret;

abort:
	xenbus_transaction_end(xbt, 1);
	xenbus_dev_fatal(xb_dev, ret, "writing ring references");
	return ret;
}

/**
 * xen_drm_front_evtchnl_set_state() - change every channel's state
 * @front_info: the device
 * @state: the new state
 *
 * Leaving the connected state releases a waiting request with -EIO, so no
 * caller waits for a backend that is gone.
 */
void xen_drm_front_evtchnl_set_state(struct xen_drm_front_info *front_info,
				     enum xen_drm_front_evtchnl_state state)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&front_info->io_lock, flags);
	for (i = 0; i < front_info->num_evt_pairs; i++) {
		struct xen_drm_front_evtchnl_pair *pair = &front_info->evt_pairs[i];

		if (state != EVTCHNL_STATE_CONNECTED) {
			evtchnl_mark_broken(&pair->req);
			evtchnl_mark_broken(&pair->evt);
		}
		pair->req.state = state;
		pair->evt.state = state;
	}
	spin_unlock_irqrestore(&front_info->io_lock, flags);
}

/**
 * xen_drm_front_evtchnl_free_all() - tear down every connector's channels
 * @front_info: the device
 *
 * Releases waiters, unbinds the IRQs (closing the event channels) and ends
 * the ring pages' grants.
 *
 * Requests hold front_info->pairs_sem for reading (see be_call()): once
 * the waiters are released, taking it for writing waits until the last of
 * them has left xen_drm_front_evtchnl_call(). (Taking each request mutex
 * would not do: mutex_unlock() may still touch the mutex after a new owner
 * has taken it.)
 */
void xen_drm_front_evtchnl_free_all(struct xen_drm_front_info *front_info)
{
	if (!front_info->evt_pairs)
		return;
	xen_drm_front_evtchnl_set_state(front_info,
					EVTCHNL_STATE_DISCONNECTED);
	down_write(&front_info->pairs_sem);
	evtchnl_free_pairs(front_info);
	up_write(&front_info->pairs_sem);
}

/*
 * Called with the request mutex and io_lock held: put @req on the ring as
 * the request in flight, @async if nobody will wait for its response.
 * Return: 0, or why it cannot be sent.
 */
static int evtchnl_post(struct xen_drm_front_evtchnl *evtchnl,
			struct xendispl_req *req, bool async)
{
	struct xen_displif_front_ring *ring = &evtchnl->u.req.ring;

	/* Late answers still on the ring: else they would hide ours. */
	evtchnl_take_responses(evtchnl);
	if (evtchnl->state != EVTCHNL_STATE_CONNECTED)
		return -EIO;
	/*
	 * A backend that just let a request time out gets no new one for a
	 * timeout period: callers queued behind that request fail at once
	 * instead of each waiting the full timeout in turn.
	 */
	if (evtchnl->u.req.stalled &&
	    time_before(jiffies, evtchnl->u.req.stall_end))
		return -ETIMEDOUT;
	/* Only requests the backend never answered can fill the ring. */
	if (RING_FULL(ring))
		return -ENOSPC;
	req->id = evtchnl->u.req.next_id++;
	memcpy(RING_GET_REQUEST(ring, ring->req_prod_pvt), req, sizeof(*req));
	ring->req_prod_pvt++;
	evtchnl->u.req.pending = true;
	evtchnl->u.req.async = async;
	evtchnl->u.req.waiter = false;
	evtchnl->u.req.pending_id = req->id;
	evtchnl->u.req.pending_op = req->operation;
	reinit_completion(&evtchnl->u.req.done);
	/* Ordered before the request by RING_PUSH_REQUESTS()'s barrier. */
	ring->sring->rsp_event = ring->rsp_cons + !async;
	RING_PUSH_REQUESTS(ring);
	evtchnl->u.req.sent_jiffies = jiffies;
	if (!async)
		evtchnl->u.req.sent_at = ktime_get();
	return 0;
}

/* Called with io_lock held: the request in flight was not answered in time. */
static void evtchnl_timed_out(struct xen_drm_front_evtchnl *evtchnl)
{
	/* A late response to this id will be ignored. */
	evtchnl->u.req.stalled = true;
	evtchnl->u.req.stall_end = jiffies +
		msecs_to_jiffies(xen_drm_front_req_timeout_ms);
	dev_err_ratelimited(&evtchnl->front_info->xb_dev->dev,
			    "connector %u: backend did not answer operation %#x (id %u) in %u ms\n",
			    evtchnl->index, evtchnl->u.req.pending_op,
			    evtchnl->u.req.pending_id,
			    xen_drm_front_req_timeout_ms);
}

/*
 * Called with the request mutex held. A request sent without waiting may
 * still be in flight: it gets what is left of its time to be answered
 * before the next one goes, so requests stay one at a time per ring.
 */
static void evtchnl_wait_async(struct xen_drm_front_evtchnl *evtchnl)
{
	struct xen_drm_front_info *front_info = evtchnl->front_info;
	unsigned long flags, deadline;
	long left;
	bool async;

	spin_lock_irqsave(&front_info->io_lock, flags);
	/* Its response may be on the ring, unnotified: see evtchnl_arm(). */
	if (evtchnl->u.req.pending && evtchnl->u.req.async)
		evtchnl_take_and_arm(evtchnl);
	async = evtchnl->u.req.pending && evtchnl->u.req.async;
	if (async) {
		/* Not yet: now we wait, so have it notified. */
		evtchnl->u.req.waiter = true;
		while (evtchnl_arm(evtchnl) && evtchnl_take_responses(evtchnl))
			;
		async = evtchnl->u.req.pending && evtchnl->u.req.async;
	}
	deadline = evtchnl->u.req.sent_jiffies +
		   msecs_to_jiffies(xen_drm_front_req_timeout_ms);
	spin_unlock_irqrestore(&front_info->io_lock, flags);
	if (!async)
		return;

	left = (long)(deadline - jiffies);
	if (left > 0)
		wait_for_completion_timeout(&evtchnl->u.req.done, left);

	spin_lock_irqsave(&front_info->io_lock, flags);
	evtchnl->u.req.waiter = false;
	if (evtchnl->u.req.pending && evtchnl->u.req.async) {
		evtchnl_timed_out(evtchnl);
		evtchnl_finish_async(evtchnl, -ETIMEDOUT);
	}
	spin_unlock_irqrestore(&front_info->io_lock, flags);
}

/*
 * Called with the request mutex held: send @req once the ring is free (see
 * evtchnl_wait_async()). A request that cannot be sent is counted here.
 * Return: 0 and when it was sent in @sent_at, or why it was not sent.
 */
static int evtchnl_start(struct xen_drm_front_evtchnl *evtchnl,
			 struct xendispl_req *req, bool async,
			 ktime_t *sent_at)
{
	struct xen_drm_front_info *front_info = evtchnl->front_info;
	unsigned long flags;
	int ret;

	evtchnl_wait_async(evtchnl);
	spin_lock_irqsave(&front_info->io_lock, flags);
	ret = evtchnl_post(evtchnl, req, async);
	if (ret)
		xen_drm_front_stats_account(front_info, req->operation, ret,
					    -1);
	else
		*sent_at = evtchnl->u.req.sent_at;
	spin_unlock_irqrestore(&front_info->io_lock, flags);
	/* Always notify: not every backend keeps req_event up to date. */
	if (!ret)
		notify_remote_via_irq(evtchnl->irq);
	return ret;
}

static int evtchnl_call(struct xen_drm_front_evtchnl *evtchnl,
			struct xendispl_req *req, struct xendispl_resp *resp)
{
	struct xen_drm_front_info *front_info = evtchnl->front_info;
	bool refused = false;
	unsigned long flags;
	ktime_t sent_at;
	int ret;

	mutex_lock(&evtchnl->u.req.lock);
	ret = evtchnl_start(evtchnl, req, false, &sent_at);
	if (ret) {
		mutex_unlock(&evtchnl->u.req.lock);
		return ret;
	}

	wait_for_completion_timeout(&evtchnl->u.req.done,
				    msecs_to_jiffies(xen_drm_front_req_timeout_ms));

	spin_lock_irqsave(&front_info->io_lock, flags);
	if (evtchnl->u.req.pending) {
		evtchnl->u.req.pending = false;
		evtchnl_timed_out(evtchnl);
		ret = -ETIMEDOUT;
	} else {
		ret = evtchnl->u.req.resp.status;
		if (resp)
			*resp = evtchnl->u.req.resp;
		refused = ret && evtchnl->state == EVTCHNL_STATE_CONNECTED;
	}
	xen_drm_front_stats_account(front_info, req->operation, ret,
				    ktime_us_delta(ktime_get(), sent_at));
	spin_unlock_irqrestore(&front_info->io_lock, flags);
	mutex_unlock(&evtchnl->u.req.lock);
	/*
	 * The backend's answer, not ours: say so where a user looks, since
	 * the caller often only sees -EINVAL from an ioctl.
	 */
	if (refused && READ_ONCE(front_info->probing))
		dev_dbg(&front_info->xb_dev->dev,
			"connector %u: backend refused %s (id %u) to the format probe: status %d\n",
			evtchnl->index, xen_drm_front_op_name(req->operation),
			req->id, ret);
	else if (refused)
		dev_err_ratelimited(&front_info->xb_dev->dev,
				    "connector %u: backend refused %s (id %u): status %d\n",
				    evtchnl->index,
				    xen_drm_front_op_name(req->operation),
				    req->id, ret);
	return ret;
}

static int evtchnl_send(struct xen_drm_front_evtchnl *evtchnl,
			struct xendispl_req *req)
{
	ktime_t sent_at;
	int ret;

	mutex_lock(&evtchnl->u.req.lock);
	ret = evtchnl_start(evtchnl, req, true, &sent_at);
	mutex_unlock(&evtchnl->u.req.lock);
	return ret;
}

/**
 * xen_drm_front_evtchnl_call() - send a request and wait for its response
 * @front_info: the device
 * @conn_idx: the connector whose request ring to use
 * @req: the request; its id is assigned here
 * @resp: if not NULL, receives the response (valid when 0 is returned)
 *
 * One request is in flight per ring. The backend has
 * xen_drm_front_req_timeout_ms to answer with a response that carries the
 * request's id and operation; anything else is ignored. After a timeout,
 * requests fail with -ETIMEDOUT at once for one timeout period, unless the
 * backend answers something meanwhile.
 *
 * Context: process context, may sleep.
 * Return: 0, the backend's status as a negative errno, -ETIMEDOUT if it did
 * not answer in time, -EIO if the channel is not connected or went away,
 * -ENOSPC if earlier unanswered requests fill the ring.
 */
int xen_drm_front_evtchnl_call(struct xen_drm_front_info *front_info,
			       unsigned int conn_idx, struct xendispl_req *req,
			       struct xendispl_resp *resp)
{
	int ret = -EIO;

	/* Keeps the channels from being freed under us; see free_all(). */
	down_read(&front_info->pairs_sem);
	if (conn_idx < front_info->num_evt_pairs)
		ret = evtchnl_call(&front_info->evt_pairs[conn_idx].req, req,
				   resp);
	up_read(&front_info->pairs_sem);
	return ret;
}

/**
 * xen_drm_front_evtchnl_send() - send a request without waiting for it
 * @front_info: the device
 * @conn_idx: the connector whose request ring to use
 * @req: the request; its id is assigned here
 *
 * For requests whose sender has nothing to do with the answer but report
 * it (PG_FLIP, from the commit path): the response is taken in the IRQ
 * and its status, -ETIMEDOUT if none came in time, or -EIO if the channel
 * went away first, goes to xen_drm_front_on_response(). The ring still
 * carries one request at a time: the next request on it, of either kind,
 * first waits for this one's answer (within the same timeout).
 *
 * Context: process context, may sleep (only behind an unanswered request).
 * Return: 0 once sent, or the errors of xen_drm_front_evtchnl_call() that
 * stop a request from being sent (then no response is reported).
 */
int xen_drm_front_evtchnl_send(struct xen_drm_front_info *front_info,
			       unsigned int conn_idx, struct xendispl_req *req)
{
	int ret = -EIO;

	down_read(&front_info->pairs_sem);
	if (conn_idx < front_info->num_evt_pairs)
		ret = evtchnl_send(&front_info->evt_pairs[conn_idx].req, req);
	up_read(&front_info->pairs_sem);
	return ret;
}

/**
 * xen_drm_front_evtchnl_settle() - let a request sent without waiting finish
 * @front_info: the device
 * @conn_idx: the connector whose request ring to look at
 *
 * Returns once no request sent by xen_drm_front_evtchnl_send() is in flight
 * on the ring: answered, timed out (its deadline is the one it was sent
 * with) or gone with the channel. Its outcome has then been reported.
 *
 * Context: process context, may sleep.
 */
void xen_drm_front_evtchnl_settle(struct xen_drm_front_info *front_info,
				  unsigned int conn_idx)
{
	struct xen_drm_front_evtchnl *evtchnl;

	down_read(&front_info->pairs_sem);
	if (conn_idx < front_info->num_evt_pairs) {
		evtchnl = &front_info->evt_pairs[conn_idx].req;
		mutex_lock(&evtchnl->u.req.lock);
		evtchnl_wait_async(evtchnl);
		mutex_unlock(&evtchnl->u.req.lock);
	}
	up_read(&front_info->pairs_sem);
}

/**
 * xen_drm_front_evtchnl_poll() - take the responses waiting on a request ring
 * @front_info: the device
 * @conn_idx: the connector whose request ring to look at
 *
 * The response to a request sent without waiting comes unnotified (a flip's
 * would wake the guest only to learn what the frame's EVT_PG_FLIP tells);
 * the vblank timer looks here while a flip is in flight, so that a refused
 * flip is over within a frame, not at the frame-done timeout.
 *
 * Context: any, including IRQ.
 */
void xen_drm_front_evtchnl_poll(struct xen_drm_front_info *front_info,
				unsigned int conn_idx)
{
	struct xen_drm_front_evtchnl *evtchnl;
	unsigned long flags;

	spin_lock_irqsave(&front_info->io_lock, flags);
	if (conn_idx < front_info->num_evt_pairs) {
		evtchnl = &front_info->evt_pairs[conn_idx].req;
		evtchnl_take_and_arm(evtchnl);
	}
	spin_unlock_irqrestore(&front_info->io_lock, flags);
}
