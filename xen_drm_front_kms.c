// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * Xen para-virtual DRM frontend: mode setting.
 *
 * One simple display pipe per connector. Enabling the pipe is SET_CONFIG,
 * disabling it an all-zero SET_CONFIG, a flip is PG_FLIP; the flip's DRM
 * event is sent when the backend's EVT_PG_FLIP names the framebuffer, or
 * after a timeout if it never does. Framebuffers exist on the backend
 * between FB_ATTACH and FB_DETACH. The backend cannot fail an atomic commit
 * that has already been checked, so when SET_CONFIG or PG_FLIP fails we set
 * the connector's link-status to BAD and send a hotplug event: DRM's way of
 * asking user space to probe and commit again.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/dma-resv.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_damage_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_atomic_helper.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_modeset_lock.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_vblank.h>

#include <xen/xenbus.h>
#include <xen/interface/io/displif.h>

#include "xen_drm_front.h"
#include "xen_drm_front_conn.h"
#include "xen_drm_front_evtchnl.h"
#include "xen_drm_front_gem.h"
#include "xen_drm_front_kms.h"
#include "xen_drm_front_pgdir.h"

unsigned int xen_drm_front_frame_done_timeout_ms =
	XEN_DRM_FRONT_FRAME_DONE_TIMEOUT_MS;

/*
 * The pixel formats displif backends are expected to show: the candidates.
 * A device's planes offer those its backend accepted at connect
 * (xen_drm_front_kms_probe_formats()).
 */
static const u32 xen_drm_front_formats[XEN_DRM_FRONT_MAX_FORMATS] = {
	DRM_FORMAT_RGB565,
	DRM_FORMAT_RGB888,
	DRM_FORMAT_XRGB8888,
	DRM_FORMAT_ARGB8888,
	DRM_FORMAT_XRGB4444,
	DRM_FORMAT_ARGB4444,
	DRM_FORMAT_XRGB1555,
	DRM_FORMAT_ARGB1555,
	DRM_FORMAT_YUYV,
};

/* The backend knows no tiling: linear only. */
static const u64 xen_drm_front_modifiers[] = {
	DRM_FORMAT_MOD_LINEAR,
	DRM_FORMAT_MOD_INVALID,
};

/**
 * struct xen_drm_front_fb - a framebuffer known to the backend
 * @base: the DRM framebuffer
 * @fb_cookie: the backend's name for it
 * @dbuf_cookie: the backend's name for the buffer holding it
 * @view: a buffer of its own over its object's pages, when the object's
 *	buffer cannot express its pitch or offset; else NULL
 * @release_node: on a pipeline's release_fbs list, for release_old_fb()
 */
struct xen_drm_front_fb {
	struct drm_framebuffer base;
	u64 fb_cookie;
	u64 dbuf_cookie;
	struct xen_drm_front_gem_view *view;
	struct llist_node release_node;
};

/**
 * xen_drm_front_kms_format_supported() - is a pixel format displayable
 * @format: a DRM fourcc
 *
 * Return: true if @format is one of the formats the planes offer.
 */
bool xen_drm_front_kms_format_supported(u32 format)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(xen_drm_front_formats); i++)
		if (xen_drm_front_formats[i] == format)
			return true;
	return false;
}

/* The probe's buffer: small enough for one page at 32 bits per pixel. */
#define PROBE_DIM	32

/*
 * A backend that does not answer, or whose ring is full, tells nothing
 * about formats: that fails the whole probe. Any other error is the
 * backend's answer (displ_be answers what its display's ADDFB2 said).
 */
static bool probe_fatal(int ret)
{
	return ret == -ETIMEDOUT || ret == -ENOSPC;
}

/*
 * One buffer of @cpp bytes per pixel, and FB_ATTACH + FB_DETACH on it for
 * each candidate format of that size; sets @accepted for the formats the
 * backend accepted.
 */
static int probe_cpp(struct xen_drm_front_info *front_info,
		     struct xen_drm_front_pgdir *pgdir, u64 size,
		     unsigned int cpp, bool *accepted)
{
	struct device *dev = &front_info->xb_dev->dev;
	u64 dbuf = xen_drm_front_new_cookie(front_info);
	bool tried = false, created = false;
	int ret = 0, err;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(xen_drm_front_formats); i++) {
		u32 format = xen_drm_front_formats[i];
		u64 fb;

		if (drm_format_info(format)->cpp[0] != cpp)
			continue;
		if (!tried) {
			tried = true;
			err = xen_drm_front_dbuf_create(front_info, pgdir, dbuf,
							PROBE_DIM, PROBE_DIM,
							cpp * 8, size, 0);
			if (probe_fatal(err))
				return err;
			created = !err;
		}
		/* No buffer of this size: none of its formats. */
		if (!created)
			continue;
		fb = xen_drm_front_new_cookie(front_info);
		err = xen_drm_front_fb_attach(front_info, dbuf, fb, PROBE_DIM,
					      PROBE_DIM, format);
		if (probe_fatal(err)) {
			ret = err;
			break;
		}
		if (err)
			continue;
		accepted[i] = true;
		err = xen_drm_front_fb_detach(front_info, fb);
		if (err)
			dev_warn(dev, "format probe: FB_DETACH failed: %d\n", err);
	}
	if (created) {
		err = xen_drm_front_dbuf_destroy(front_info, dbuf);
		if (err)
			dev_warn(dev, "format probe: DBUF_DESTROY failed: %d\n",
				 err);
	}
	return ret;
}

/**
 * xen_drm_front_kms_probe_formats() - find the formats the backend shows
 * @front_info: the device, its rings connected, no DRM device yet
 *
 * displif has no format negotiation, and backends refuse formats their
 * display cannot scan out (displ_be on a bochs display refuses RGB565 and
 * ARGB8888 at FB_ATTACH): a client that picks an advertised format the
 * backend refuses fails. So before the planes are created, each candidate
 * format is tried once with a small buffer of our own pages (one page,
 * granted for the probe only): per bytes-per-pixel one DBUF_CREATE and one
 * DBUF_DESTROY, per format one FB_ATTACH and one FB_DETACH, 24 requests in
 * all. They go on connector 0's ring like every buffer request: buffers
 * and framebuffers belong to the backend's device, not to a connector, so
 * one probe holds for every connector.
 *
 * The result lives as long as the DRM device built on it: a restore that
 * keeps the device keeps its formats (if the new backend refuses one in
 * use, re-creating the framebuffers fails and the card is replaced, which
 * probes again); a new DRM device always probes again.
 *
 * Return: 0 with @front_info->formats filled, -ENODEV if the backend
 * refuses XRGB8888 (the format every client and the console can fall back
 * to: the device is unusable without it), or the error of a request that
 * was not answered. Nothing is left granted or allocated on error.
 */
int xen_drm_front_kms_probe_formats(struct xen_drm_front_info *front_info)
{
	static const unsigned int cpps[] = { 4, 3, 2 };
	bool accepted[ARRAY_SIZE(xen_drm_front_formats)] = {};
	struct device *dev = &front_info->xb_dev->dev;
	struct xen_drm_front_pgdir pgdir = {};
	bool xrgb8888 = false;
	unsigned int i;
	struct page *page;
	int ret = 0;

	front_info->num_formats = 0;
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	ret = xen_drm_front_pgdir_share(&pgdir, front_info->xb_dev->otherend_id,
					&page, 1, false);
	if (ret)
		goto out_page;
	/* Refusals are the answers we look for: logged below, once each. */
	WRITE_ONCE(front_info->probing, true);
	for (i = 0; !ret && i < ARRAY_SIZE(cpps); i++)
		ret = probe_cpp(front_info, &pgdir, PAGE_SIZE, cpps[i],
				accepted);
	WRITE_ONCE(front_info->probing, false);
	xen_drm_front_pgdir_free(&pgdir);
	if (ret) {
		dev_err(dev, "probing pixel formats: the backend did not answer: %d\n",
			ret);
		goto out_page;
	}
	/* In the candidates' order: clients may prefer the first ones. */
	for (i = 0; i < ARRAY_SIZE(xen_drm_front_formats); i++) {
		const u32 *format = &xen_drm_front_formats[i];

		if (!accepted[i]) {
			dev_info(dev, "the backend refuses %p4cc framebuffers: not offered\n",
				 format);
			continue;
		}
		front_info->formats[front_info->num_formats++] = *format;
		xrgb8888 |= *format == DRM_FORMAT_XRGB8888;
	}
	if (!xrgb8888) {
		dev_err(dev, "the backend refuses XRGB8888 framebuffers: the display is unusable\n");
		ret = -ENODEV;
	}
out_page:
	if (ret)
		front_info->num_formats = 0;
	/* Freed only once the backend unmapped it, if it still maps it. */
	put_page(page);
	return ret;
}

/**
 * xen_drm_front_fb_to_cookie() - the backend's name for a framebuffer
 * @fb: a framebuffer created by this driver, or NULL
 *
 * Return: the fb_cookie, or 0 (never a valid cookie) for NULL.
 */
u64 xen_drm_front_fb_to_cookie(struct drm_framebuffer *fb)
{
	return fb ? container_of(fb, struct xen_drm_front_fb, base)->fb_cookie : 0;
}

/**
 * xen_drm_front_fb_to_dbuf_cookie() - the buffer holding a framebuffer
 * @fb: a framebuffer created by this driver
 *
 * Return: the backend's name for the framebuffer's buffer, 0 while the
 * framebuffer is being created.
 */
u64 xen_drm_front_fb_to_dbuf_cookie(struct drm_framebuffer *fb)
{
	return container_of(fb, struct xen_drm_front_fb, base)->dbuf_cookie;
}

static struct xen_drm_front_info *dev_front_info(struct drm_device *dev)
{
	struct xen_drm_front_drm_info *drm_info = dev->dev_private;

	return drm_info->front_info;
}

static void fb_destroy(struct drm_framebuffer *fb)
{
	struct xen_drm_front_fb *xfb = container_of(fb, struct xen_drm_front_fb,
						    base);
	int idx;

	if (drm_dev_enter(fb->dev, &idx)) {
		xen_drm_front_fb_detach(dev_front_info(fb->dev),
					xen_drm_front_fb_to_cookie(fb));
		drm_dev_exit(idx);
	}
	atomic_long_dec(&xen_drm_front_acct.fbs);
	xen_drm_front_gem_view_destroy(fb->obj[0], xfb->view);
	drm_gem_fb_destroy(fb);
}

/*
 * DIRTYFB (front-buffer rendering: fbcon, Xorg without page flips) becomes
 * an atomic commit of the same framebuffer, which display_update() sends
 * as PG_FLIP: the backend then shows, and copies if it must, the new
 * contents.
 */
static const struct drm_framebuffer_funcs fb_funcs = {
	.destroy = fb_destroy,
	.create_handle = drm_gem_fb_create_handle,
	.dirty = drm_atomic_helper_dirtyfb,
};

static struct drm_framebuffer *
fb_create(struct drm_device *dev, struct drm_file *file,
	  const struct drm_mode_fb_cmd2 *mode_cmd)
{
	const struct drm_format_info *info;
	struct xen_drm_front_fb *xfb;
	u64 dbuf_cookie;
	int ret, idx;

	if (!xen_drm_front_kms_format_supported(mode_cmd->pixel_format)) {
		drm_dbg_kms(dev, "unsupported format %p4cc\n",
			    &mode_cmd->pixel_format);
		return ERR_PTR(-EINVAL);
	}
	/* The backend refused it when probed: FB_ATTACH would fail. */
	if (!drm_any_plane_has_format(dev, mode_cmd->pixel_format,
				      DRM_FORMAT_MOD_LINEAR)) {
		drm_dbg_kms(dev, "format %p4cc refused by the backend\n",
			    &mode_cmd->pixel_format);
		return ERR_PTR(-EINVAL);
	}
	if ((mode_cmd->flags & DRM_MODE_FB_MODIFIERS) &&
	    mode_cmd->modifier[0] != DRM_FORMAT_MOD_LINEAR) {
		drm_dbg_kms(dev, "unsupported modifier %#llx\n",
			    mode_cmd->modifier[0]);
		return ERR_PTR(-EINVAL);
	}
	xfb = kzalloc(sizeof(*xfb), GFP_KERNEL);
	if (!xfb)
		return ERR_PTR(-ENOMEM);
	ret = drm_gem_fb_init_with_funcs(dev, &xfb->base, file, mode_cmd,
					 &fb_funcs);
	if (ret) {
		kfree(xfb);
		return ERR_PTR(ret);
	}
	/* From here drm_gem_fb_destroy() undoes everything but the attach. */

	if (!drm_dev_enter(dev, &idx)) {
		ret = -ENODEV;
		goto fail;
	}
	info = xfb->base.format;
	ret = xen_drm_front_gem_get_dbuf(xfb->base.obj[0], mode_cmd->pitches[0],
					 info->cpp[0], mode_cmd->offsets[0],
					 &dbuf_cookie);
	if (ret == -EXDEV) {
		/* A pitch or offset of its own: a buffer of its own. */
		xfb->view = xen_drm_front_gem_view_create(xfb->base.obj[0],
							  mode_cmd->pitches[0],
							  info->cpp[0],
							  mode_cmd->offsets[0],
							  mode_cmd->height);
		ret = PTR_ERR_OR_ZERO(xfb->view);
		if (ret)
			xfb->view = NULL;
		else
			dbuf_cookie = xfb->view->info.cookie;
	}
	if (!ret) {
		xfb->dbuf_cookie = dbuf_cookie;
		xfb->fb_cookie = xen_drm_front_new_cookie(dev_front_info(dev));
		ret = xen_drm_front_fb_attach(dev_front_info(dev), dbuf_cookie,
					      xfb->fb_cookie, mode_cmd->width,
					      mode_cmd->height,
					      mode_cmd->pixel_format);
	}
	if (ret && xfb->view) {
		xen_drm_front_gem_view_destroy(xfb->base.obj[0], xfb->view);
		xfb->view = NULL;
	}
	drm_dev_exit(idx);
	if (ret)
		goto fail;
	atomic_long_inc(&xen_drm_front_acct.fbs);
	return &xfb->base;

fail:
	drm_gem_fb_destroy(&xfb->base);
	return ERR_PTR(ret);
}

/* Marks a state that atomic_commit() runs in its caller's context. */
static void inline_flip_work(struct work_struct *work)
{
	WARN_ONCE(1, "an inline flip's commit was queued\n");
}

/*
 * The default commit tail waits for a vblank before it releases the old
 * framebuffers. Ours are timer-made and tell nothing about the backend: a
 * displif flip is done when EVT_PG_FLIP arrives, which completes the
 * commit's flip_done, and a buffer may go only once the backend shows
 * another. A flip holds the framebuffer it replaces until then itself
 * (display_update()), so a nonblocking commit, run by its worker or, for
 * an async flip, by atomic_commit(), ends as soon as PG_FLIP is sent: it
 * does not sleep until the event, and the next commit on the CRTC still
 * waits for this one's flip_done (DRM's commit dependencies). A blocking
 * commit returns only once the flip is shown, as its caller expects.
 */
static void commit_tail(struct drm_atomic_state *old_state)
{
	struct drm_device *dev = old_state->dev;

	drm_atomic_helper_commit_modeset_disables(dev, old_state);
	drm_atomic_helper_commit_planes(dev, old_state, 0);
	drm_atomic_helper_commit_modeset_enables(dev, old_state);
	drm_atomic_helper_fake_vblank(old_state);
	drm_atomic_helper_commit_hw_done(old_state);
	if (current_work() != &old_state->commit_work &&
	    old_state->commit_work.func != inline_flip_work)
		drm_atomic_helper_wait_for_flip_done(dev, old_state);
	drm_atomic_helper_cleanup_planes(dev, old_state);
}

/*
 * True for a page flip with DRM_MODE_PAGE_FLIP_ASYNC on every CRTC of the
 * state, no modeset, and no framebuffer with rendering still pending.
 */
static bool is_async_flip(struct drm_atomic_state *state)
{
	struct drm_crtc_state *crtc_state;
	struct drm_plane_state *plane_state;
	struct drm_crtc *crtc;
	struct drm_plane *plane;
	int i, j, crtcs = 0;

	for_each_new_crtc_in_state(state, crtc, crtc_state, i) {
		if (!crtc_state->async_flip ||
		    drm_atomic_crtc_needs_modeset(crtc_state))
			return false;
		crtcs++;
	}
	for_each_new_plane_in_state(state, plane, plane_state, i) {
		if (!plane_state->fb)
			continue;
		for (j = 0; j < plane_state->fb->format->num_planes; j++) {
			struct drm_gem_object *obj = plane_state->fb->obj[j];

			if (obj && !dma_resv_test_signaled(obj->resv,
							   DMA_RESV_USAGE_WRITE))
				return false;
		}
	}
	return crtcs > 0;
}

/*
 * An async flip waits for nothing once it is set up: setup_commit refused
 * it with -EBUSY unless the previous flip on its CRTC is done, it is no
 * modeset, its buffers have no pending rendering, and PG_FLIP goes out
 * without waiting for the response (display_update()). So it is run here,
 * in the caller's context instead of by the commit worker: the worker's
 * wake-up was 21 of the 149 us of an async flip's round trip in the rig
 * (tests/bench/analysis.md).
 * Everything else takes the helper's path.
 */
static int atomic_commit(struct drm_device *dev, struct drm_atomic_state *state,
			 bool nonblock)
{
	int ret;

	if (!nonblock || state->async_update || !is_async_flip(state))
		return drm_atomic_helper_commit(dev, state, nonblock);

	ret = drm_atomic_helper_setup_commit(state, true);
	if (ret)
		return ret;
	/* Marks the state for commit_tail(); never queued. */
	INIT_WORK(&state->commit_work, inline_flip_work);
	ret = drm_atomic_helper_prepare_planes(dev, state);
	if (ret)
		return ret;
	/* A fence attached since is_async_flip() looked: rare, and short. */
	ret = drm_atomic_helper_wait_for_fences(dev, state, true);
	if (ret)
		goto err;
	ret = drm_atomic_helper_swap_state(state, true);
	if (ret)
		goto err;
	/* The references the helper's commit worker would hold and drop. */
	drm_atomic_state_get(state);
	drm_atomic_helper_wait_for_dependencies(state);
	commit_tail(state);
	drm_atomic_helper_commit_cleanup_done(state);
	drm_atomic_state_put(state);
	return 0;

err:
	drm_atomic_helper_cleanup_planes(dev, state);
	return ret;
}

static const struct drm_mode_config_helper_funcs mode_config_helpers = {
	.atomic_commit_tail = commit_tail,
};

static const struct drm_mode_config_funcs mode_config_funcs = {
	.fb_create = fb_create,
	.atomic_check = drm_atomic_helper_check,
	.atomic_commit = atomic_commit,
};

static struct xen_drm_front_drm_pipeline *
to_pipeline(struct drm_simple_display_pipe *pipe)
{
	return container_of(pipe, struct xen_drm_front_drm_pipeline, pipe);
}

static void release_work(struct work_struct *work)
{
	struct xen_drm_front_drm_pipeline *pipeline =
		container_of(work, struct xen_drm_front_drm_pipeline,
			     release_work);
	struct xen_drm_front_fb *xfb, *next;
	struct llist_node *list;

	list = llist_del_all(&pipeline->release_fbs);
	llist_for_each_entry_safe(xfb, next, list, release_node)
		drm_framebuffer_put(&xfb->base);
}

/*
 * The backend no longer shows @fb: drop the reference its flip held. This
 * runs where the flip completes, often in the event channel's IRQ, and the
 * last reference cannot go there: freeing a framebuffer takes mutexes and
 * sends FB_DETACH. Any other reference can, and usually this one is not
 * the last (the client still has the framebuffer to flip to it again), so
 * only a framebuffer the client has already removed costs a work item.
 */
static void release_old_fb(struct xen_drm_front_drm_pipeline *pipeline,
			   struct drm_framebuffer *fb)
{
	struct xen_drm_front_fb *xfb;

	if (!fb || refcount_dec_not_one(&fb->base.refcount.refcount))
		return;
	xfb = container_of(fb, struct xen_drm_front_fb, base);
	llist_add(&xfb->release_node, &pipeline->release_fbs);
	schedule_work(&pipeline->release_work);
}

/*
 * Complete the flip in flight, if any: send its DRM event and let go of
 * the framebuffer it replaced. With @overdue_only, only a flip past its
 * deadline: frame_done_work() may run after the flip it was armed for
 * completed otherwise and the next one was published. Context: any.
 */
static void complete_flip(struct xen_drm_front_drm_pipeline *pipeline,
			  bool overdue_only)
{
	struct drm_device *dev = pipeline->pipe.crtc.dev;
	struct drm_pending_vblank_event *event;
	struct drm_framebuffer *old_fb;
	unsigned long flags;
	bool vblank_ref;

	spin_lock_irqsave(&pipeline->flip_lock, flags);
	if (overdue_only && (!pipeline->pending_event ||
			     time_before(jiffies, pipeline->pending_deadline))) {
		spin_unlock_irqrestore(&pipeline->flip_lock, flags);
		return;
	}
	event = pipeline->pending_event;
	vblank_ref = pipeline->pending_vblank_ref;
	old_fb = pipeline->pending_old_fb;
	pipeline->pending_event = NULL;
	pipeline->pending_fb_cookie = 0;
	pipeline->pending_vblank_ref = false;
	pipeline->pending_done = false;
	pipeline->pending_async = false;
	pipeline->pending_old_fb = NULL;
	spin_unlock_irqrestore(&pipeline->flip_lock, flags);
	/* Before the event: the client may remove it as soon as it has that. */
	release_old_fb(pipeline, old_fb);
	if (!event)
		return;

	/* The count cannot move under event_lock: it is the event's sequence. */
	spin_lock_irqsave(&dev->event_lock, flags);
	WRITE_ONCE(pipeline->last_flip_seq,
		   drm_crtc_vblank_count(&pipeline->pipe.crtc));
	drm_crtc_send_vblank_event(&pipeline->pipe.crtc, event);
	spin_unlock_irqrestore(&dev->event_lock, flags);
	if (vblank_ref)
		drm_crtc_vblank_put(&pipeline->pipe.crtc);
}

static void send_pending_event(struct xen_drm_front_drm_pipeline *pipeline)
{
	complete_flip(pipeline, false);
}

static void link_bad_work(struct work_struct *work)
{
	struct xen_drm_front_drm_pipeline *pipeline =
		container_of(work, struct xen_drm_front_drm_pipeline,
			     link_bad_work);
	struct drm_device *dev = pipeline->conn.dev;
	unsigned long flags;
	bool notify;

	drm_modeset_lock(&dev->mode_config.connection_mutex, NULL);
	pipeline->conn.state->link_status = DRM_MODE_LINK_STATUS_BAD;
	drm_modeset_unlock(&dev->mode_config.connection_mutex);

	spin_lock_irqsave(&pipeline->flip_lock, flags);
	notify = pipeline->link_bad_notify;
	pipeline->link_bad_notify = false;
	spin_unlock_irqrestore(&pipeline->flip_lock, flags);
	if (notify)
		drm_kms_helper_hotplug_event(dev);
}

static const char *op_name(u8 op)
{
	return op == XENDISPL_OP_SET_CONFIG ? "SET_CONFIG" : "PG_FLIP";
}

/*
 * A failed SET_CONFIG or PG_FLIP: the link goes BAD and, once per failure,
 * user space gets a hotplug event and the log an error. Once: the fbdev
 * client answers every hotplug with a commit through
 * __drm_atomic_helper_set_config(), which sets the link GOOD again and so
 * forces a full modeset; against a backend that cannot light the head,
 * a hotplug per failure re-lights it forever. Further failures keep the
 * link BAD quietly until the request that failed succeeds again (a PG_FLIP
 * success ends any failure: the display shows what it is given); the
 * rest is user space's decision.
 */
static void report_failure(struct xen_drm_front_drm_pipeline *pipeline,
			   u8 op, int ret)
{
	unsigned long flags;
	bool first;

	spin_lock_irqsave(&pipeline->flip_lock, flags);
	first = !pipeline->failed_op;
	if (first) {
		pipeline->failed_op = op;
		pipeline->link_bad_notify = true;
	}
	spin_unlock_irqrestore(&pipeline->flip_lock, flags);
	if (first)
		drm_err(pipeline->conn.dev,
			"connector %u: backend %s failed: %d, link marked bad\n",
			pipeline->index, op_name(op), ret);
	else
		drm_dbg_kms(pipeline->conn.dev,
			    "connector %u: backend %s failed again: %d\n",
			    pipeline->index, op_name(op), ret);
	/* Locks the connection mutex: not from within the commit. */
	schedule_work(&pipeline->link_bad_work);
}

/* @op succeeded: the failure it ends is over, the next one is news. */
static void report_success(struct xen_drm_front_drm_pipeline *pipeline, u8 op)
{
	unsigned long flags;

	spin_lock_irqsave(&pipeline->flip_lock, flags);
	if (pipeline->failed_op == op || op == XENDISPL_OP_PG_FLIP)
		pipeline->failed_op = 0;
	spin_unlock_irqrestore(&pipeline->flip_lock, flags);
}

static void frame_done_work(struct work_struct *work)
{
	struct xen_drm_front_drm_pipeline *pipeline =
		container_of(to_delayed_work(work),
			     struct xen_drm_front_drm_pipeline,
			     frame_done_work);
	struct drm_device *dev = pipeline->conn.dev;
	unsigned long flags;
	long left = 0;
	int idx;

	/*
	 * Armed for an earlier flip (it fired as that one completed, or was
	 * pending when this one was armed): wait for this one's deadline.
	 */
	spin_lock_irqsave(&pipeline->flip_lock, flags);
	if (pipeline->pending_event)
		left = (long)(pipeline->pending_deadline - jiffies);
	spin_unlock_irqrestore(&pipeline->flip_lock, flags);
	if (left > 0) {
		mod_delayed_work(system_wq, &pipeline->frame_done_work, left);
		return;
	}

	drm_dbg_kms(dev, "connector %u: no EVT_PG_FLIP in %d ms, completing the flip\n",
		    pipeline->index, xen_drm_front_frame_done_timeout_ms);
	/* Overdue too, if it never came: the PG_FLIP's failure is reported. */
	if (drm_dev_enter(dev, &idx)) {
		xen_drm_front_evtchnl_settle(dev_front_info(dev), pipeline->index);
		drm_dev_exit(idx);
	}
	complete_flip(pipeline, true);
}

/*
 * The last ideal vblank at or before @now, at least one period after
 * @pipeline->last_vblank. Vblank timestamps are these ideal times, not the
 * moment a timer callback or an event happened to run: they are exact
 * multiples of the frame time apart, which clients calibrate on, and they
 * never go backwards. Called with @vblank_lock held.
 */
static ktime_t next_vblank(struct xen_drm_front_drm_pipeline *pipeline,
			   ktime_t now)
{
	s64 period = ktime_to_ns(pipeline->vblank_period);
	s64 since = ktime_to_ns(ktime_sub(now, pipeline->last_vblank));
	s64 n = 1;

	if (since > 0)
		n = max_t(s64, 1, div64_s64(since, period));
	return ktime_add_ns(pipeline->last_vblank, n * period);
}

/*
 * displif has no vertical blanking: a timer at the mode's refresh rate
 * provides DRM's vblank counters and timestamps, which compositors pace
 * themselves with. Flips still complete on the backend's EVT_PG_FLIP.
 * The timer is programmed for the next ideal vblank; that time, not the
 * callback's, is the vblank's timestamp (crtc_get_vblank_timestamp()).
 */
static enum hrtimer_restart vblank_timer_fn(struct hrtimer *timer)
{
	struct xen_drm_front_drm_pipeline *pipeline =
		container_of(timer, struct xen_drm_front_drm_pipeline,
			     vblank_timer);
	unsigned long flags;
	bool tick;
	int idx;

	spin_lock_irqsave(&pipeline->vblank_lock, flags);
	/* Off, or re-armed by a frame done while this callback waited. */
	tick = pipeline->vblank_on && !hrtimer_is_queued(timer);
	if (tick) {
		pipeline->last_vblank = next_vblank(pipeline, ktime_get());
		hrtimer_set_expires(timer, ktime_add(pipeline->last_vblank,
						     pipeline->vblank_period));
	}
	spin_unlock_irqrestore(&pipeline->vblank_lock, flags);
	if (!tick)
		return HRTIMER_NORESTART;
	drm_crtc_handle_vblank(&pipeline->pipe.crtc);
	/*
	 * A flip's PG_FLIP response comes unnotified: look for it, so that a
	 * refused flip is over now, not at the frame-done timeout.
	 */
	if (READ_ONCE(pipeline->pending_event) &&
	    !READ_ONCE(pipeline->pending_done) &&
	    drm_dev_enter(pipeline->pipe.crtc.dev, &idx)) {
		xen_drm_front_evtchnl_poll(dev_front_info(pipeline->pipe.crtc.dev),
					   pipeline->index);
		drm_dev_exit(idx);
	}
	/* A flip the backend showed since completes at this vblank. */
	if (READ_ONCE(pipeline->pending_done)) {
		cancel_delayed_work(&pipeline->frame_done_work);
		send_pending_event(pipeline);
	}
	return HRTIMER_RESTART;
}

/*
 * The backend's EVT_PG_FLIP is the nearest thing displif has to a vblank.
 * One that comes a period or more after the last vblank is counted as the
 * vblank(s) since, stamped with the last ideal vblank time before it (never
 * a time to come), and pushes the timer to 5/4 of a period later: a backend
 * that paces its flips at the refresh rate then drives the counter itself
 * and the timer never fires, so the guest wakes once a frame, not twice.
 * Without flips the timer takes over again.
 *
 * A flip completes at a vblank of its own, as on real hardware: flip
 * events carry increasing sequence numbers and timestamps. So a flip done
 * sooner, with no vblank counted since the last flip event, completes at
 * the next ideal vblank: the timer is armed for it and sends the event
 * (the frame-done timeout stays armed in case it never fires). Return:
 * false if so, true if the flip's event may go now.
 */
static bool vblank_on_frame_done(struct xen_drm_front_drm_pipeline *pipeline)
{
	ktime_t now = ktime_get();
	unsigned long flags;
	bool tick = false, defer = false;

	spin_lock_irqsave(&pipeline->vblank_lock, flags);
	if (pipeline->vblank_on) {
		tick = ktime_sub(now, pipeline->last_vblank) >=
		       pipeline->vblank_period;
		defer = !tick && drm_crtc_vblank_count(&pipeline->pipe.crtc) ==
				 READ_ONCE(pipeline->last_flip_seq);
		if (tick)
			pipeline->last_vblank = next_vblank(pipeline, now);
		if (defer)
			hrtimer_start(&pipeline->vblank_timer,
				      ktime_add(pipeline->last_vblank,
						pipeline->vblank_period),
				      HRTIMER_MODE_ABS);
		else	/* relative to @now: no second clock read */
			hrtimer_start(&pipeline->vblank_timer,
				      ktime_add(now,
						pipeline->vblank_period * 5 / 4),
				      HRTIMER_MODE_ABS);
	}
	spin_unlock_irqrestore(&pipeline->vblank_lock, flags);
	if (tick)
		drm_crtc_handle_vblank(&pipeline->pipe.crtc);
	return !defer;
}

/**
 * xen_drm_front_kms_on_frame_done() - the backend shows a framebuffer
 * @pipeline: the connector's pipeline
 * @fb_cookie: the framebuffer named by EVT_PG_FLIP
 *
 * Completes the pending flip if it was to @fb_cookie, now or at the next
 * vblank (see vblank_on_frame_done()); anything else is a stale or bogus
 * event and is ignored. Context: any, including IRQ.
 */
void xen_drm_front_kms_on_frame_done(struct xen_drm_front_drm_pipeline *pipeline,
				     u64 fb_cookie)
{
	unsigned long flags;
	bool ours, async;

	spin_lock_irqsave(&pipeline->flip_lock, flags);
	ours = pipeline->pending_event && fb_cookie &&
	       fb_cookie == pipeline->pending_fb_cookie;
	async = pipeline->pending_async;
	/* From now on the next vblank may complete it. */
	if (ours)
		pipeline->pending_done = true;
	spin_unlock_irqrestore(&pipeline->flip_lock, flags);
	if (!ours) {
		drm_dbg_kms(pipeline->conn.dev,
			    "connector %u: ignoring EVT_PG_FLIP for fb %#llx\n",
			    pipeline->index, fb_cookie);
		return;
	}
	/*
	 * An async flip is not tied to a vblank: it is over when the backend
	 * shows the new framebuffer, and its event carries the last vblank's
	 * count and time. Such events do not count vblanks either: an
	 * unpaced backend's would run the counter faster than the mode.
	 * Else it is completed by the vblank timer; see vblank_on_frame_done().
	 */
	if (!async && !vblank_on_frame_done(pipeline))
		return;
	cancel_delayed_work(&pipeline->frame_done_work);
	send_pending_event(pipeline);
}

/**
 * xen_drm_front_kms_timings_valid() - are a mode's timings showable at all
 * @mode: the mode
 *
 * The backend ignores the timings, but DRM derives the refresh rate and
 * the vblank period from them, and clients pace themselves with those:
 * the clock must be positive and no more than
 * %XEN_DRM_FRONT_MAX_CLOCK_KHZ (8192x8192 at 240 Hz with blanking),
 * the totals at least the visible size, and the refresh rate from
 * %XEN_DRM_FRONT_MIN_REFRESH_HZ to %XEN_DRM_FRONT_MAX_REFRESH_HZ.
 *
 * Return: MODE_OK or why not.
 */
enum drm_mode_status
xen_drm_front_kms_timings_valid(const struct drm_display_mode *mode)
{
	u64 frame, mhz;

	if (mode->clock <= 0)
		return MODE_CLOCK_LOW;
	if (mode->clock > XEN_DRM_FRONT_MAX_CLOCK_KHZ)
		return MODE_CLOCK_HIGH;
	if (mode->htotal <= 0 || mode->htotal < mode->hdisplay)
		return MODE_H_ILLEGAL;
	if (mode->vtotal <= 0 || mode->vtotal < mode->vdisplay)
		return MODE_V_ILLEGAL;
	/* In mHz: clock (kHz) * 10^6 / pixels per frame, no overflow. */
	frame = (u64)mode->htotal * mode->vtotal;
	mhz = div64_u64((u64)mode->clock * 1000000, frame);
	if (mhz < XEN_DRM_FRONT_MIN_REFRESH_HZ * 1000)
		return MODE_CLOCK_LOW;
	if (mhz > XEN_DRM_FRONT_MAX_REFRESH_HZ * 1000)
		return MODE_CLOCK_HIGH;
	return MODE_OK;
}

static enum drm_mode_status
display_mode_valid(struct drm_simple_display_pipe *pipe,
		   const struct drm_display_mode *mode)
{
	struct xen_drm_front_drm_pipeline *pipeline = to_pipeline(pipe);
	enum drm_mode_status status;

	status = xen_drm_front_kms_timings_valid(mode);
	if (status != MODE_OK)
		return status;
	if (mode->flags & DRM_MODE_FLAG_INTERLACE)
		return MODE_NO_INTERLACE;
	if (mode->flags & DRM_MODE_FLAG_DBLSCAN)
		return MODE_NO_DBLESCAN;
	if (!xen_drm_front_conn_size_ok(pipeline, mode->hdisplay,
					mode->vdisplay))
		return MODE_BAD;
	return MODE_OK;
}

/* SET_CONFIG for what a CRTC and its plane show; the plane has a fb. */
static int set_config_from_state(struct xen_drm_front_drm_pipeline *pipeline,
				 const struct drm_crtc_state *crtc_state,
				 const struct drm_plane_state *plane_state)
{
	struct drm_framebuffer *fb = plane_state->fb;
	int ret;

	xen_drm_front_gem_flush(fb->obj[0]);
	ret = xen_drm_front_set_config(pipeline, plane_state->src_x >> 16,
				       plane_state->src_y >> 16,
				       crtc_state->mode.hdisplay,
				       crtc_state->mode.vdisplay,
				       fb->format->cpp[0] * 8,
				       xen_drm_front_fb_to_cookie(fb));
	pipeline->lit = !ret;
	if (ret)
		report_failure(pipeline, XENDISPL_OP_SET_CONFIG, ret);
	else
		report_success(pipeline, XENDISPL_OP_SET_CONFIG);
	return ret;
}

/*
 * The vblank period is the mode's frame time exactly as DRM's vblank code
 * computes it (drm_calc_timestamping_constants(), at each modeset), so the
 * counts it derives from our timestamps are exact. display_mode_valid()
 * bounds it; 60 Hz if there is none yet.
 */
static ktime_t vblank_period(struct xen_drm_front_drm_pipeline *pipeline)
{
	struct drm_crtc *crtc = &pipeline->pipe.crtc;
	int ns = crtc->dev->vblank[drm_crtc_index(crtc)].framedur_ns;

	return ns_to_ktime(ns > 0 ? ns : NSEC_PER_SEC / 60);
}

static int display_enable_vblank(struct drm_simple_display_pipe *pipe)
{
	struct xen_drm_front_drm_pipeline *pipeline = to_pipeline(pipe);
	struct drm_crtc *crtc = &pipe->crtc;
	struct drm_vblank_crtc *vblank = &crtc->dev->vblank[drm_crtc_index(crtc)];
	unsigned long flags;
	s64 since, period, periods;

	spin_lock_irqsave(&pipeline->vblank_lock, flags);
	pipeline->vblank_period = vblank_period(pipeline);
	period = ktime_to_ns(pipeline->vblank_period);
	/*
	 * Go on from the last timestamp DRM stored (drm_vblank_enable()
	 * holds vblank_time_lock, so it is stable): the last ideal vblank
	 * before now. The count DRM derives for the time vblank was off is
	 * then exact too, and timestamps never go back.
	 */
	since = ktime_to_ns(ktime_sub(ktime_get(), vblank->time));
	periods = since > 0 ? div64_s64(since, period) : 0;
	pipeline->last_vblank = ktime_add_ns(vblank->time, periods * period);
	pipeline->vblank_on = true;
	hrtimer_start(&pipeline->vblank_timer,
		      ktime_add(pipeline->last_vblank, pipeline->vblank_period),
		      HRTIMER_MODE_ABS);
	spin_unlock_irqrestore(&pipeline->vblank_lock, flags);
	return 0;
}

/*
 * The timestamp of the last vblank counted; DRM's vblank code derives the
 * count from the difference between two. While the timer is off (DRM asks
 * when it turns vblank on for a CRTC), the last ideal vblank before now,
 * on the same grid; the present if there never was one.
 */
static bool crtc_get_vblank_timestamp(struct drm_crtc *crtc, int *max_error,
				      ktime_t *vblank_time, bool in_vblank_irq)
{
	struct xen_drm_front_drm_pipeline *pipeline =
		container_of(crtc, struct xen_drm_front_drm_pipeline, pipe.crtc);
	s64 period, since;
	unsigned long flags;
	ktime_t now;

	spin_lock_irqsave(&pipeline->vblank_lock, flags);
	*vblank_time = pipeline->last_vblank;
	/* Only then the clock: each vblank counted asks, and it is not free. */
	if (!pipeline->vblank_on) {
		now = ktime_get();
		period = ktime_to_ns(pipeline->vblank_period);
		since = ktime_to_ns(ktime_sub(now, pipeline->last_vblank));
		if (since > 0)
			*vblank_time = period <= 0 ? now :
				ktime_add_ns(pipeline->last_vblank,
					     div64_s64(since, period) * period);
	}
	spin_unlock_irqrestore(&pipeline->vblank_lock, flags);
	return true;
}

static void display_disable_vblank(struct drm_simple_display_pipe *pipe)
{
	struct xen_drm_front_drm_pipeline *pipeline = to_pipeline(pipe);
	unsigned long flags;

	spin_lock_irqsave(&pipeline->vblank_lock, flags);
	pipeline->vblank_on = false;
	spin_unlock_irqrestore(&pipeline->vblank_lock, flags);
	/*
	 * May run from the timer's own callback: do not wait for it. A
	 * callback that is running sees vblank_on false on its next expiry.
	 */
	hrtimer_try_to_cancel(&pipeline->vblank_timer);
}

static void display_enable(struct drm_simple_display_pipe *pipe,
			   struct drm_crtc_state *crtc_state,
			   struct drm_plane_state *plane_state)
{
	struct xen_drm_front_drm_pipeline *pipeline = to_pipeline(pipe);
	struct drm_framebuffer *fb = plane_state->fb;
	int idx;

	drm_crtc_vblank_on(&pipe->crtc);
	if (!fb || !drm_dev_enter(pipe->crtc.dev, &idx))
		goto out;
	/* A failure is reported, and leaves the display dark. */
	set_config_from_state(pipeline, crtc_state, plane_state);
	drm_dev_exit(idx);
out:
	/* display_update() left the commit's event for us. */
	send_pending_event(pipeline);
}

static void display_disable(struct drm_simple_display_pipe *pipe)
{
	struct xen_drm_front_drm_pipeline *pipeline = to_pipeline(pipe);
	int ret, idx;

	/* Nothing to turn off on a backend that never lit the display. */
	if (pipeline->lit && drm_dev_enter(pipe->crtc.dev, &idx)) {
		pipeline->lit = false;
		ret = xen_drm_front_set_config(pipeline, 0, 0, 0, 0, 0, 0);
		if (ret)
			drm_dbg_kms(pipe->crtc.dev,
				    "connector %u: disabling failed: %d\n",
				    pipeline->index, ret);
		drm_dev_exit(idx);
	}
	/* A flip to a display that is now off will not be answered. */
	cancel_delayed_work_sync(&pipeline->frame_done_work);
	send_pending_event(pipeline);
	drm_crtc_vblank_off(&pipe->crtc);
}

static int display_check(struct drm_simple_display_pipe *pipe,
			 struct drm_plane_state *plane_state,
			 struct drm_crtc_state *crtc_state)
{
	struct xen_drm_front_drm_pipeline *pipeline = to_pipeline(pipe);

	if (!crtc_state->enable)
		return 0;
	/* The simple pipe already demands a full-screen, unscaled plane. */
	if (!xen_drm_front_conn_size_ok(pipeline, crtc_state->mode.hdisplay,
					crtc_state->mode.vdisplay))
		return -EINVAL;
	return 0;
}

static void display_update(struct drm_simple_display_pipe *pipe,
			   struct drm_plane_state *old_plane_state)
{
	struct xen_drm_front_drm_pipeline *pipeline = to_pipeline(pipe);
	struct drm_crtc *crtc = &pipe->crtc;
	struct drm_plane_state *plane_state = pipe->plane.state;
	struct drm_pending_vblank_event *event;
	struct xen_drm_front_info *front_info;
	unsigned long flags;
	u64 cookie;
	int ret, idx;

	event = crtc->state->event;
	if (event) {
		/*
		 * The vblank timer runs while a flip is in flight, so the
		 * flip's event carries a current vblank count and timestamp.
		 * (Fails, harmlessly, on a display being lit: its vblank is
		 * turned on after this.)
		 */
		bool vblank_ref = !drm_crtc_vblank_get(crtc);
		struct drm_framebuffer *old_fb = old_plane_state->fb;

		spin_lock_irqsave(&crtc->dev->event_lock, flags);
		crtc->state->event = NULL;
		spin_unlock_irqrestore(&crtc->dev->event_lock, flags);

		/* Shown until the event: see commit_tail(). */
		if (old_fb == plane_state->fb)
			old_fb = NULL;
		if (old_fb)
			drm_framebuffer_get(old_fb);
		/*
		 * Published whole: from here on a backend that goes away
		 * (xen_drm_front_kms_release_flips()) completes it, and
		 * nothing of it may be added later.
		 */
		spin_lock_irqsave(&pipeline->flip_lock, flags);
		WARN_ON(pipeline->pending_event || pipeline->pending_old_fb);
		pipeline->pending_event = event;
		pipeline->pending_vblank_ref = vblank_ref;
		pipeline->pending_old_fb = old_fb;
		pipeline->pending_deadline = jiffies +
			msecs_to_jiffies(xen_drm_front_frame_done_timeout_ms);
		spin_unlock_irqrestore(&pipeline->flip_lock, flags);
	}

	/*
	 * The commit tail updates planes before it enables CRTCs: a display
	 * being lit gets its event from display_enable(), after SET_CONFIG.
	 */
	if (crtc->state->active && drm_atomic_crtc_needs_modeset(crtc->state))
		return;
	/*
	 * Only a change of framebuffer on a lit display is a flip. A display
	 * whose SET_CONFIG failed is not lit: its flips would fail too, once
	 * per DIRTYFB of a console; it stays dark until a modeset lights it.
	 */
	if (!crtc->state->active || !old_plane_state->fb || !plane_state->fb ||
	    !pipeline->lit || !drm_dev_enter(crtc->dev, &idx)) {
		send_pending_event(pipeline);
		return;
	}

	/*
	 * The previous flip's response first, if it is still to come (a slow
	 * or dead backend): its outcome must not be taken for this flip's.
	 */
	front_info = dev_front_info(crtc->dev);
	xen_drm_front_evtchnl_settle(front_info, pipeline->index);

	cookie = xen_drm_front_fb_to_cookie(plane_state->fb);
	if (event) {
		unsigned long timeout =
			msecs_to_jiffies(xen_drm_front_frame_done_timeout_ms);
		bool pending;

		/* Unless the backend went away while we settled: done then. */
		spin_lock_irqsave(&pipeline->flip_lock, flags);
		pending = pipeline->pending_event == event;
		if (pending) {
			pipeline->pending_fb_cookie = cookie;
			pipeline->pending_async = crtc->state->async_flip;
			pipeline->pending_deadline = jiffies + timeout;
		}
		spin_unlock_irqrestore(&pipeline->flip_lock, flags);
		/* Armed before the request: EVT_PG_FLIP may beat the response. */
		if (pending)
			mod_delayed_work(system_wq, &pipeline->frame_done_work,
					 timeout);
	}

	xen_drm_front_gem_flush(plane_state->fb->obj[0]);
	/* Within drm_dev_enter(): remove() detaches us only after unplug. */
	ret = xen_drm_front_page_flip(front_info, pipeline->index, cookie);
	if (ret == -EIO && READ_ONCE(front_info->resuming)) {
		/*
		 * Restored, and the new backend is not there yet: the flip
		 * completes when the display is shown again (see
		 * xen_drm_front_kms_resync()), or at the frame-done timeout.
		 * Clients wait, instead of racing through failing flips.
		 */
	} else if (ret) {
		cancel_delayed_work(&pipeline->frame_done_work);
		send_pending_event(pipeline);
		report_failure(pipeline, XENDISPL_OP_PG_FLIP, ret);
	}
	/* Else its response goes to xen_drm_front_kms_on_flip_response(). */
	drm_dev_exit(idx);
}

/**
 * xen_drm_front_kms_on_flip_response() - the backend answered a PG_FLIP
 * @pipeline: the connector's pipeline
 * @status: the response's status, or -ETIMEDOUT or -EIO if none came
 *
 * A refused flip will not be shown: its event goes now, not after the
 * frame-done timeout, and the link is marked bad. The flip may be over
 * already (completed by the frame-done timeout; then display_update() of
 * the next flip learns the outcome, before it sends): a flip's event is
 * only sent while the flip is the one on the ring. Context: any,
 * including IRQ.
 */
void xen_drm_front_kms_on_flip_response(struct xen_drm_front_drm_pipeline *pipeline,
					int status)
{
	unsigned long flags;
	bool sent;

	if (!status) {
		report_success(pipeline, XENDISPL_OP_PG_FLIP);
		return;
	}
	spin_lock_irqsave(&pipeline->flip_lock, flags);
	sent = pipeline->pending_fb_cookie;
	spin_unlock_irqrestore(&pipeline->flip_lock, flags);
	if (sent) {
		cancel_delayed_work(&pipeline->frame_done_work);
		send_pending_event(pipeline);
	}
	report_failure(pipeline, XENDISPL_OP_PG_FLIP, status);
}

static const struct drm_simple_display_pipe_funcs display_funcs = {
	.mode_valid = display_mode_valid,
	.enable = display_enable,
	.disable = display_disable,
	.check = display_check,
	.update = display_update,
	.prepare_fb = drm_gem_simple_display_pipe_prepare_fb,
	.enable_vblank = display_enable_vblank,
	.disable_vblank = display_disable_vblank,
};

static int pipeline_init(struct xen_drm_front_drm_info *drm_info,
			 unsigned int index)
{
	struct xen_drm_front_drm_pipeline *pipeline = &drm_info->pipeline[index];
	const struct xen_drm_front_cfg_connector *cfg =
		&drm_info->front_info->cfg.connectors[index];
	int ret;

	pipeline->drm_info = drm_info;
	pipeline->index = index;
	pipeline->width = cfg->width;
	pipeline->height = cfg->height;
	spin_lock_init(&pipeline->flip_lock);
	INIT_DELAYED_WORK(&pipeline->frame_done_work, frame_done_work);
	INIT_WORK(&pipeline->link_bad_work, link_bad_work);
	init_llist_head(&pipeline->release_fbs);
	INIT_WORK(&pipeline->release_work, release_work);
	spin_lock_init(&pipeline->vblank_lock);
	hrtimer_init(&pipeline->vblank_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	pipeline->vblank_timer.function = vblank_timer_fn;

	ret = xen_drm_front_conn_init(pipeline);
	if (ret)
		return ret;
	ret = drm_simple_display_pipe_init(drm_info->drm_dev, &pipeline->pipe,
					   &display_funcs,
					   drm_info->front_info->formats,
					   drm_info->front_info->num_formats,
					   xen_drm_front_modifiers,
					   &pipeline->conn);
	if (ret)
		return ret;
	/*
	 * The simple pipe's CRTC functions, plus our vblank timestamps: the
	 * simple pipe has no hook for them. The copy lives in the device.
	 */
	drm_info->crtc_funcs = *pipeline->pipe.crtc.funcs;
	drm_info->crtc_funcs.get_vblank_timestamp = crtc_get_vblank_timestamp;
	pipeline->pipe.crtc.funcs = &drm_info->crtc_funcs;
	return 0;
}

/* The DRM device is being freed: nothing of ours may run any more. */
static void kms_release(struct drm_device *dev, void *data)
{
	xen_drm_front_kms_fini(data);
}

/**
 * xen_drm_front_kms_init() - set up mode setting for every connector
 * @drm_info: the DRM side of the device, with its drm_dev allocated
 *
 * Return: 0 or a negative errno; managed resources are released with the
 * DRM device.
 */
int xen_drm_front_kms_init(struct xen_drm_front_drm_info *drm_info)
{
	struct drm_device *dev = drm_info->drm_dev;
	unsigned int i;
	int ret;

	ret = drmm_mode_config_init(dev);
	if (ret)
		return ret;
	dev->mode_config.min_width = XEN_DRM_FRONT_MIN_DIM;
	dev->mode_config.min_height = XEN_DRM_FRONT_MIN_DIM;
	dev->mode_config.max_width = XEN_DRM_FRONT_MAX_DIM;
	dev->mode_config.max_height = XEN_DRM_FRONT_MAX_DIM;
	dev->mode_config.preferred_depth = 24;
	dev->mode_config.prefer_shadow = 0;
	/*
	 * DRM_MODE_PAGE_FLIP_ASYNC: done at the backend's EVT_PG_FLIP
	 * instead of the next vblank. The backend may still wait for its own
	 * display's refresh; displif cannot ask it to tear.
	 */
	dev->mode_config.async_page_flip = true;
	dev->mode_config.funcs = &mode_config_funcs;
	dev->mode_config.helper_private = &mode_config_helpers;

	drm_info->num_pipelines = drm_info->front_info->cfg.num_connectors;
	for (i = 0; i < drm_info->num_pipelines; i++) {
		ret = pipeline_init(drm_info, i);
		if (ret)
			return ret;
	}
	ret = drm_vblank_init(dev, drm_info->num_pipelines);
	if (ret)
		return ret;
	/* Registered after drm_vblank_init(): released before its state. */
	ret = drmm_add_action_or_reset(dev, kms_release, drm_info);
	if (ret)
		return ret;
	drm_mode_config_reset(dev);
	return 0;
}

/**
 * xen_drm_front_kms_release_flips() - complete the flips the backend owes
 * @drm_info: the DRM side of a device whose backend is gone (restore)
 *
 * The EVT_PG_FLIP of a flip in flight will never come: send its event now
 * rather than after the frame-done timeout.
 */
void xen_drm_front_kms_release_flips(struct xen_drm_front_drm_info *drm_info)
{
	unsigned int i;

	for (i = 0; i < drm_info->num_pipelines; i++) {
		cancel_delayed_work_sync(&drm_info->pipeline[i].frame_done_work);
		send_pending_event(&drm_info->pipeline[i]);
	}
}

/**
 * xen_drm_front_kms_resync() - show the current state on a new backend
 * @drm_info: the DRM device, restored, its buffers created again
 *
 * Attaches every framebuffer again under its old cookie and sends each
 * active pipe's SET_CONFIG, so the new backend shows what the old one did
 * and clients go on flipping as if nothing happened. Holds all modeset
 * locks, so no commit changes the state meanwhile.
 *
 * Return: 0 or the first error from FB_ATTACH or SET_CONFIG.
 */
int xen_drm_front_kms_resync(struct xen_drm_front_drm_info *drm_info)
{
	struct xen_drm_front_info *front_info = drm_info->front_info;
	struct drm_device *dev = drm_info->drm_dev;
	struct drm_modeset_acquire_ctx ctx;
	struct drm_framebuffer *fb;
	unsigned int i;
	int ret;

	DRM_MODESET_LOCK_ALL_BEGIN(dev, ctx, 0, ret);
	mutex_lock(&dev->mode_config.fb_lock);
	drm_for_each_fb(fb, dev) {
		struct xen_drm_front_fb *xfb =
			container_of(fb, struct xen_drm_front_fb, base);

		/* Still being created: its own FB_ATTACH is yet to come. */
		if (!xfb->fb_cookie)
			continue;
		if (xfb->view) {
			ret = xen_drm_front_gem_view_resync(fb->obj[0],
							    xfb->view);
			if (ret)
				break;
		}
		ret = xen_drm_front_fb_attach(front_info, xfb->dbuf_cookie,
					      xfb->fb_cookie, fb->width,
					      fb->height, fb->format->format);
		if (ret)
			break;
	}
	mutex_unlock(&dev->mode_config.fb_lock);
	for (i = 0; !ret && i < drm_info->num_pipelines; i++) {
		struct xen_drm_front_drm_pipeline *pipeline = &drm_info->pipeline[i];
		struct drm_crtc_state *crtc_state = pipeline->pipe.crtc.state;
		struct drm_plane_state *plane_state = pipeline->pipe.plane.state;

		fb = plane_state->fb;
		if (!crtc_state->active || !fb)
			continue;
		ret = set_config_from_state(pipeline, crtc_state, plane_state);
	}
	DRM_MODESET_LOCK_ALL_END(dev, ctx, ret);
	/* Flips held while no backend was there: the display shows them. */
	if (!ret)
		xen_drm_front_kms_release_flips(drm_info);
	return ret;
}

/**
 * xen_drm_front_kms_fini() - stop timers, deferred work; complete flips
 * @drm_info: the DRM side of the device, already unplugged
 *
 * After this, nothing of the pipelines runs on its own any more.
 */
void xen_drm_front_kms_fini(struct xen_drm_front_drm_info *drm_info)
{
	unsigned int i;

	for (i = 0; i < drm_info->num_pipelines; i++) {
		struct xen_drm_front_drm_pipeline *pipeline = &drm_info->pipeline[i];

		cancel_delayed_work_sync(&pipeline->frame_done_work);
		cancel_work_sync(&pipeline->link_bad_work);
		send_pending_event(pipeline);
		hrtimer_cancel(&pipeline->vblank_timer);
		flush_work(&pipeline->release_work);
	}
}
