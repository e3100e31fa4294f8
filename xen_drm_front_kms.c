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

#include "xen_drm_front.h"
#include "xen_drm_front_conn.h"
#include "xen_drm_front_gem.h"
#include "xen_drm_front_kms.h"

unsigned int xen_drm_front_frame_done_timeout_ms =
	XEN_DRM_FRONT_FRAME_DONE_TIMEOUT_MS;

/* The pixel formats displif backends are expected to show. */
static const u32 xen_drm_front_formats[] = {
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
 */
struct xen_drm_front_fb {
	struct drm_framebuffer base;
	u64 fb_cookie;
	u64 dbuf_cookie;
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
	int idx;

	if (drm_dev_enter(fb->dev, &idx)) {
		xen_drm_front_fb_detach(dev_front_info(fb->dev),
					xen_drm_front_fb_to_cookie(fb));
		drm_dev_exit(idx);
	}
	atomic_long_dec(&xen_drm_front_acct.fbs);
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
	if ((mode_cmd->flags & DRM_MODE_FB_MODIFIERS) &&
	    mode_cmd->modifier[0] != DRM_FORMAT_MOD_LINEAR) {
		drm_dbg_kms(dev, "unsupported modifier %#llx\n",
			    mode_cmd->modifier[0]);
		return ERR_PTR(-EINVAL);
	}
	/* displif has no offset into a buffer: a frame starts at its start. */
	if (mode_cmd->offsets[0]) {
		drm_dbg_kms(dev, "framebuffer offset %u not supported\n",
			    mode_cmd->offsets[0]);
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
					 info->cpp[0], &dbuf_cookie);
	if (!ret) {
		xfb->dbuf_cookie = dbuf_cookie;
		xfb->fb_cookie = xen_drm_front_new_cookie(dev_front_info(dev));
		ret = xen_drm_front_fb_attach(dev_front_info(dev), dbuf_cookie,
					      xfb->fb_cookie, mode_cmd->width,
					      mode_cmd->height,
					      mode_cmd->pixel_format);
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

/*
 * The default commit tail waits for a vblank before it releases the old
 * framebuffers. Ours are timer-made and tell nothing about the backend: a
 * displif flip is done when EVT_PG_FLIP arrives, which completes the
 * commit's flip_done. Waiting for that, and not for a vblank, releases a
 * buffer only once the backend shows another, and adds no vblank period
 * to every commit.
 */
static void commit_tail(struct drm_atomic_state *old_state)
{
	struct drm_device *dev = old_state->dev;

	drm_atomic_helper_commit_modeset_disables(dev, old_state);
	drm_atomic_helper_commit_planes(dev, old_state, 0);
	drm_atomic_helper_commit_modeset_enables(dev, old_state);
	drm_atomic_helper_fake_vblank(old_state);
	drm_atomic_helper_commit_hw_done(old_state);
	drm_atomic_helper_wait_for_flip_done(dev, old_state);
	drm_atomic_helper_cleanup_planes(dev, old_state);
}

static const struct drm_mode_config_helper_funcs mode_config_helpers = {
	.atomic_commit_tail = commit_tail,
};

static const struct drm_mode_config_funcs mode_config_funcs = {
	.fb_create = fb_create,
	.atomic_check = drm_atomic_helper_check,
	.atomic_commit = drm_atomic_helper_commit,
};

static struct xen_drm_front_drm_pipeline *
to_pipeline(struct drm_simple_display_pipe *pipe)
{
	return container_of(pipe, struct xen_drm_front_drm_pipeline, pipe);
}

/* Send the flip's DRM event, if one is still pending. */
static void send_pending_event(struct xen_drm_front_drm_pipeline *pipeline)
{
	struct drm_device *dev = pipeline->pipe.crtc.dev;
	struct drm_pending_vblank_event *event;
	unsigned long flags;
	bool vblank_ref;

	spin_lock_irqsave(&pipeline->flip_lock, flags);
	event = pipeline->pending_event;
	vblank_ref = pipeline->pending_vblank_ref;
	pipeline->pending_event = NULL;
	pipeline->pending_fb_cookie = 0;
	pipeline->pending_vblank_ref = false;
	spin_unlock_irqrestore(&pipeline->flip_lock, flags);
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

static void link_bad_work(struct work_struct *work)
{
	struct xen_drm_front_drm_pipeline *pipeline =
		container_of(work, struct xen_drm_front_drm_pipeline,
			     link_bad_work);

	struct drm_device *dev = pipeline->conn.dev;
	bool was_good;

	/*
	 * One hotplug event per GOOD -> BAD transition: user space answers it
	 * with a modeset that sets the link GOOD again. Re-sending it while
	 * the link is still BAD would loop with a client (fbdev) that
	 * re-commits on every hotplug against a backend failing every flip.
	 */
	drm_modeset_lock(&dev->mode_config.connection_mutex, NULL);
	was_good = pipeline->conn.state->link_status ==
		   DRM_MODE_LINK_STATUS_GOOD;
	pipeline->conn.state->link_status = DRM_MODE_LINK_STATUS_BAD;
	drm_modeset_unlock(&dev->mode_config.connection_mutex);
	if (was_good)
		drm_kms_helper_hotplug_event(dev);
}

static void report_failure(struct xen_drm_front_drm_pipeline *pipeline,
			   const char *what, int ret)
{
	drm_err_ratelimited(pipeline->conn.dev,
			    "connector %u: backend %s failed: %d, link marked bad\n",
			    pipeline->index, what, ret);
	/* Locks the connection mutex: not from within the commit. */
	schedule_work(&pipeline->link_bad_work);
}

static void frame_done_work(struct work_struct *work)
{
	struct xen_drm_front_drm_pipeline *pipeline =
		container_of(to_delayed_work(work),
			     struct xen_drm_front_drm_pipeline,
			     frame_done_work);

	drm_dbg_kms(pipeline->conn.dev,
		    "connector %u: no EVT_PG_FLIP in %d ms, completing the flip\n",
		    pipeline->index, xen_drm_front_frame_done_timeout_ms);
	send_pending_event(pipeline);
}

/*
 * displif has no vertical blanking: a timer at the mode's refresh rate
 * provides DRM's vblank counters and timestamps, which compositors pace
 * themselves with. Flips still complete on the backend's EVT_PG_FLIP.
 */
static enum hrtimer_restart vblank_timer_fn(struct hrtimer *timer)
{
	struct xen_drm_front_drm_pipeline *pipeline =
		container_of(timer, struct xen_drm_front_drm_pipeline,
			     vblank_timer);
	unsigned long flags;
	bool tick;

	spin_lock_irqsave(&pipeline->vblank_lock, flags);
	/* Off, or re-armed by a frame done while this callback waited. */
	tick = pipeline->vblank_on && !hrtimer_is_queued(timer);
	if (tick) {
		pipeline->last_vblank = ktime_get();
		hrtimer_forward(timer, pipeline->last_vblank,
				pipeline->vblank_period);
	}
	spin_unlock_irqrestore(&pipeline->vblank_lock, flags);
	if (!tick)
		return HRTIMER_NORESTART;
	drm_crtc_handle_vblank(&pipeline->pipe.crtc);
	return HRTIMER_RESTART;
}

/*
 * The backend's EVT_PG_FLIP is the nearest thing displif has to a vblank.
 * One is counted as the next vblank if it comes at least 3/4 of a period
 * after the last vblank, or if no vblank was counted since the last flip
 * completed (a flip completes at a vblank of its own, as on real hardware:
 * flip events carry increasing sequence numbers even when the backend's
 * frames jitter). Any pushes the timer to 5/4 of a period later. A backend
 * that paces its flips at the refresh rate then drives the counter itself
 * and the timer never fires, so the guest wakes once a frame, not twice.
 * Without flips the timer takes over again.
 */
static void vblank_on_frame_done(struct xen_drm_front_drm_pipeline *pipeline)
{
	ktime_t now = ktime_get();
	unsigned long flags;
	bool tick = false;

	spin_lock_irqsave(&pipeline->vblank_lock, flags);
	if (pipeline->vblank_on) {
		tick = ktime_sub(now, pipeline->last_vblank) >=
		       pipeline->vblank_period * 3 / 4 ||
		       drm_crtc_vblank_count(&pipeline->pipe.crtc) ==
		       READ_ONCE(pipeline->last_flip_seq);
		if (tick)
			pipeline->last_vblank = now;
		hrtimer_start(&pipeline->vblank_timer,
			      pipeline->vblank_period * 5 / 4,
			      HRTIMER_MODE_REL);
	}
	spin_unlock_irqrestore(&pipeline->vblank_lock, flags);
	if (tick)
		drm_crtc_handle_vblank(&pipeline->pipe.crtc);
}

/**
 * xen_drm_front_kms_on_frame_done() - the backend shows a framebuffer
 * @pipeline: the connector's pipeline
 * @fb_cookie: the framebuffer named by EVT_PG_FLIP
 *
 * Completes the pending flip if it was to @fb_cookie; anything else is a
 * stale or bogus event and is ignored. Context: any, including IRQ.
 */
void xen_drm_front_kms_on_frame_done(struct xen_drm_front_drm_pipeline *pipeline,
				     u64 fb_cookie)
{
	unsigned long flags;
	bool ours;

	spin_lock_irqsave(&pipeline->flip_lock, flags);
	ours = pipeline->pending_event && fb_cookie &&
	       fb_cookie == pipeline->pending_fb_cookie;
	spin_unlock_irqrestore(&pipeline->flip_lock, flags);
	if (!ours) {
		drm_dbg_kms(pipeline->conn.dev,
			    "connector %u: ignoring EVT_PG_FLIP for fb %#llx\n",
			    pipeline->index, fb_cookie);
		return;
	}
	cancel_delayed_work(&pipeline->frame_done_work);
	vblank_on_frame_done(pipeline);
	send_pending_event(pipeline);
}

static enum drm_mode_status
display_mode_valid(struct drm_simple_display_pipe *pipe,
		   const struct drm_display_mode *mode)
{
	struct xen_drm_front_drm_pipeline *pipeline = to_pipeline(pipe);

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

	xen_drm_front_gem_flush(fb->obj[0]);
	return xen_drm_front_set_config(pipeline, plane_state->src_x >> 16,
					plane_state->src_y >> 16,
					crtc_state->mode.hdisplay,
					crtc_state->mode.vdisplay,
					fb->format->cpp[0] * 8,
					xen_drm_front_fb_to_cookie(fb));
}

static int display_enable_vblank(struct drm_simple_display_pipe *pipe)
{
	struct xen_drm_front_drm_pipeline *pipeline = to_pipeline(pipe);
	int hz = drm_mode_vrefresh(&pipe->crtc.state->mode);
	unsigned long flags;

	spin_lock_irqsave(&pipeline->vblank_lock, flags);
	pipeline->vblank_period = ns_to_ktime(NSEC_PER_SEC / (hz > 0 ? hz : 60));
	pipeline->last_vblank = ktime_get();
	pipeline->vblank_on = true;
	hrtimer_start(&pipeline->vblank_timer, pipeline->vblank_period,
		      HRTIMER_MODE_REL);
	spin_unlock_irqrestore(&pipeline->vblank_lock, flags);
	return 0;
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
	int ret, idx;

	drm_crtc_vblank_on(&pipe->crtc);
	if (!fb || !drm_dev_enter(pipe->crtc.dev, &idx))
		goto out;
	ret = set_config_from_state(pipeline, crtc_state, plane_state);
	if (ret)
		report_failure(pipeline, "SET_CONFIG", ret);
	drm_dev_exit(idx);
out:
	/* display_update() left the commit's event for us. */
	send_pending_event(pipeline);
}

static void display_disable(struct drm_simple_display_pipe *pipe)
{
	struct xen_drm_front_drm_pipeline *pipeline = to_pipeline(pipe);
	int ret, idx;

	if (drm_dev_enter(pipe->crtc.dev, &idx)) {
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

		spin_lock_irqsave(&crtc->dev->event_lock, flags);
		crtc->state->event = NULL;
		spin_unlock_irqrestore(&crtc->dev->event_lock, flags);

		spin_lock_irqsave(&pipeline->flip_lock, flags);
		WARN_ON(pipeline->pending_event);
		pipeline->pending_event = event;
		pipeline->pending_vblank_ref = vblank_ref;
		spin_unlock_irqrestore(&pipeline->flip_lock, flags);
	}

	/*
	 * The commit tail updates planes before it enables CRTCs: a display
	 * being lit gets its event from display_enable(), after SET_CONFIG.
	 */
	if (crtc->state->active && drm_atomic_crtc_needs_modeset(crtc->state))
		return;
	/* Only a change of framebuffer on a lit display is a flip. */
	if (!crtc->state->active || !old_plane_state->fb || !plane_state->fb ||
	    !drm_dev_enter(crtc->dev, &idx)) {
		send_pending_event(pipeline);
		return;
	}

	cookie = xen_drm_front_fb_to_cookie(plane_state->fb);
	if (event) {
		spin_lock_irqsave(&pipeline->flip_lock, flags);
		pipeline->pending_fb_cookie = cookie;
		spin_unlock_irqrestore(&pipeline->flip_lock, flags);
		/* Armed before the request: EVT_PG_FLIP may beat the response. */
		schedule_delayed_work(&pipeline->frame_done_work,
				      msecs_to_jiffies(xen_drm_front_frame_done_timeout_ms));
	}

	xen_drm_front_gem_flush(plane_state->fb->obj[0]);
	/* Within drm_dev_enter(): remove() detaches us only after unplug. */
	front_info = dev_front_info(crtc->dev);
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
		report_failure(pipeline, "PG_FLIP", ret);
	}
	drm_dev_exit(idx);
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
	spin_lock_init(&pipeline->vblank_lock);
	hrtimer_init(&pipeline->vblank_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	pipeline->vblank_timer.function = vblank_timer_fn;

	ret = xen_drm_front_conn_init(pipeline);
	if (ret)
		return ret;
	return drm_simple_display_pipe_init(drm_info->drm_dev, &pipeline->pipe,
					    &display_funcs,
					    xen_drm_front_formats,
					    ARRAY_SIZE(xen_drm_front_formats),
					    xen_drm_front_modifiers,
					    &pipeline->conn);
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
	}
}
