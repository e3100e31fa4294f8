// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * Xen para-virtual DRM frontend: the vdispl device.
 *
 * The xenbus state machine (displif.h, "Frontend/backend state machine"):
 * we wait in Initialising for the backend's InitWait, then read the
 * configuration, negotiate the protocol version, create and publish the
 * rings and go Initialised; when the backend is Connected we register the
 * DRM device and go Connected. When the backend goes away we unplug the
 * DRM device (open clients get errors), tear the rings down and wait in
 * Reconfiguring until the last user of the old DRM device is gone; then we
 * go back to Initialising, ready for a restarted backend.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <drm/drm_atomic_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_edid.h>
#include <drm/drm_fb_helper.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>
#include <drm/drm_prime.h>
#include <drm/drm_probe_helper.h>

#include <kunit/visibility.h>

#include <xen/platform_pci.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

#include <xen/interface/io/displif.h>

#include "xen_drm_front.h"
#include "xen_drm_front_cfg.h"
#include "xen_drm_front_evtchnl.h"
#include "xen_drm_front_gem.h"
#include "xen_drm_front_kms.h"
#include "xen_drm_front_pgdir.h"

static bool xen_drm_front_fbdev = true;
module_param_named(fbdev, xen_drm_front_fbdev, bool, 0444);
MODULE_PARM_DESC(fbdev,
		 "Emulate fbdev, so the console shows on the display (default true)");

/* How long remove() waits for the backend to close. */
#define XEN_DRM_FRONT_CLOSE_TIMEOUT_MS	3000

/*
 * A DRM device can outlive its xenbus device (clients keep it open after
 * the backend or the device went away). This lock orders the DRM device's
 * release against the xenbus device's removal.
 */
static DEFINE_MUTEX(xen_drm_front_release_lock);

/**
 * xen_drm_front_new_cookie() - a fresh cookie for a dbuf or fb
 * @front_info: the device
 *
 * Cookies are opaque to the backend; we use a counter so that no kernel
 * address is ever disclosed to another domain.
 *
 * Return: a cookie, never 0.
 */
u64 xen_drm_front_new_cookie(struct xen_drm_front_info *front_info)
{
	return atomic64_inc_return(&front_info->cookie_seq);
}

static int be_call(struct xen_drm_front_info *front_info,
		   unsigned int conn_idx, struct xendispl_req *req,
		   struct xendispl_resp *resp)
{
	/* After a restore, only the re-creation talks to the new backend. */
	if (READ_ONCE(front_info->resuming) &&
	    READ_ONCE(front_info->resync_task) != current)
		return -EIO;
	return xen_drm_front_evtchnl_call(front_info, conn_idx, req, resp);
}

/* be_call() for a request whose response goes to xen_drm_front_on_response(). */
static int be_send(struct xen_drm_front_info *front_info,
		   unsigned int conn_idx, struct xendispl_req *req)
{
	if (READ_ONCE(front_info->resuming) &&
	    READ_ONCE(front_info->resync_task) != current)
		return -EIO;
	return xen_drm_front_evtchnl_send(front_info, conn_idx, req);
}

/**
 * xen_drm_front_dbuf_create() - XENDISPL_OP_DBUF_CREATE
 * @front_info: the device
 * @pgdir: the buffer's shared page directory
 * @dbuf_cookie: the cookie naming the new buffer
 * @width: width in pixels
 * @height: height in lines
 * @bpp: bits per pixel
 * @size: buffer size in bytes
 * @offset: offset of the data in the buffer (protocol v2 only)
 *
 * Sent on connector 0's ring. For a be-alloc directory the backend's pages
 * are mapped once it answered.
 *
 * Return: 0 or a negative errno.
 */
int xen_drm_front_dbuf_create(struct xen_drm_front_info *front_info,
			      struct xen_drm_front_pgdir *pgdir,
			      u64 dbuf_cookie, u32 width, u32 height, u32 bpp,
			      u64 size, u32 offset)
{
	struct xendispl_req req = { .operation = XENDISPL_OP_DBUF_CREATE };
	int ret;

	if (size > U32_MAX)
		return -EINVAL;
	if (offset && front_info->cfg.version < 2) {
		dev_dbg(&front_info->xb_dev->dev,
			"buffer data offset needs displif version 2\n");
		return -EINVAL;
	}
	req.op.dbuf_create.dbuf_cookie = dbuf_cookie;
	req.op.dbuf_create.width = width;
	req.op.dbuf_create.height = height;
	req.op.dbuf_create.bpp = bpp;
	req.op.dbuf_create.buffer_sz = size;
	req.op.dbuf_create.gref_directory = xen_drm_front_pgdir_start(pgdir);
	req.op.dbuf_create.data_ofs = offset;
	if (pgdir->be_alloc)
		req.op.dbuf_create.flags = XENDISPL_DBUF_FLG_REQ_ALLOC;

	ret = be_call(front_info, 0, &req, NULL);
	if (ret || !pgdir->be_alloc)
		return ret;

	ret = xen_drm_front_pgdir_map(pgdir);
	if (ret) {
		dev_err(&front_info->xb_dev->dev,
			"cannot map the backend's buffer %#llx: %d\n",
			dbuf_cookie, ret);
		xen_drm_front_dbuf_destroy(front_info, dbuf_cookie);
	}
	return ret;
}

/**
 * xen_drm_front_dbuf_destroy() - XENDISPL_OP_DBUF_DESTROY
 * @front_info: the device
 * @dbuf_cookie: the buffer
 *
 * Return: 0 or a negative errno.
 */
int xen_drm_front_dbuf_destroy(struct xen_drm_front_info *front_info,
			       u64 dbuf_cookie)
{
	struct xendispl_req req = { .operation = XENDISPL_OP_DBUF_DESTROY };

	req.op.dbuf_destroy.dbuf_cookie = dbuf_cookie;
	return be_call(front_info, 0, &req, NULL);
}

/**
 * xen_drm_front_fb_attach() - XENDISPL_OP_FB_ATTACH
 * @front_info: the device
 * @dbuf_cookie: the buffer holding the framebuffer
 * @fb_cookie: the cookie naming the new framebuffer
 * @width: width in pixels
 * @height: height in lines
 * @pixel_format: DRM fourcc
 *
 * Return: 0 or a negative errno.
 */
int xen_drm_front_fb_attach(struct xen_drm_front_info *front_info,
			    u64 dbuf_cookie, u64 fb_cookie, u32 width,
			    u32 height, u32 pixel_format)
{
	struct xendispl_req req = { .operation = XENDISPL_OP_FB_ATTACH };

	req.op.fb_attach.dbuf_cookie = dbuf_cookie;
	req.op.fb_attach.fb_cookie = fb_cookie;
	req.op.fb_attach.width = width;
	req.op.fb_attach.height = height;
	req.op.fb_attach.pixel_format = pixel_format;
	return be_call(front_info, 0, &req, NULL);
}

/**
 * xen_drm_front_fb_detach() - XENDISPL_OP_FB_DETACH
 * @front_info: the device
 * @fb_cookie: the framebuffer
 *
 * Return: 0 or a negative errno.
 */
int xen_drm_front_fb_detach(struct xen_drm_front_info *front_info,
			    u64 fb_cookie)
{
	struct xendispl_req req = { .operation = XENDISPL_OP_FB_DETACH };

	req.op.fb_detach.fb_cookie = fb_cookie;
	return be_call(front_info, 0, &req, NULL);
}

/**
 * xen_drm_front_set_config() - XENDISPL_OP_SET_CONFIG
 * @pipeline: the connector
 * @x: horizontal offset of the shown area in the framebuffer
 * @y: vertical offset of the shown area in the framebuffer
 * @width: width of the mode
 * @height: height of the mode
 * @bpp: bits per pixel of the framebuffer
 * @fb_cookie: the framebuffer, or 0 with everything else 0 to disable
 *
 * Sent on the connector's own ring.
 *
 * Return: 0 or a negative errno.
 */
int xen_drm_front_set_config(struct xen_drm_front_drm_pipeline *pipeline,
			     u32 x, u32 y, u32 width, u32 height, u32 bpp,
			     u64 fb_cookie)
{
	struct xendispl_req req = { .operation = XENDISPL_OP_SET_CONFIG };

	req.op.set_config.fb_cookie = fb_cookie;
	req.op.set_config.x = x;
	req.op.set_config.y = y;
	req.op.set_config.width = width;
	req.op.set_config.height = height;
	req.op.set_config.bpp = bpp;
	return be_call(pipeline->drm_info->front_info, pipeline->index, &req,
		       NULL);
}

/**
 * xen_drm_front_get_edid() - XENDISPL_OP_GET_EDID (protocol v2)
 * @front_info: the device
 * @conn_idx: the connector
 * @pages: zeroed pages the backend writes the EDID into
 * @num_pages: number of @pages
 * @edid_sz: where to store the size of the EDID the backend wrote
 *
 * Sent on the connector's own ring. The pages are shared only for the
 * duration of the request.
 *
 * Return: 0 or a negative errno.
 */
int xen_drm_front_get_edid(struct xen_drm_front_info *front_info,
			   unsigned int conn_idx, struct page **pages,
			   unsigned int num_pages, u32 *edid_sz)
{
	struct xendispl_req req = { .operation = XENDISPL_OP_GET_EDID };
	struct xen_drm_front_pgdir pgdir = {};
	struct xendispl_resp resp;
	int ret;

	ret = xen_drm_front_pgdir_share(&pgdir, front_info->xb_dev->otherend_id,
					pages, num_pages, false);
	if (ret)
		return ret;
	req.op.get_edid.gref_directory = xen_drm_front_pgdir_start(&pgdir);
	req.op.get_edid.buffer_sz = num_pages * XEN_PAGE_SIZE;
	ret = be_call(front_info, conn_idx, &req, &resp);
	if (!ret)
		*edid_sz = resp.op.get_edid.edid_sz;
	xen_drm_front_pgdir_free(&pgdir);
	return ret;
}

/**
 * xen_drm_front_page_flip() - XENDISPL_OP_PG_FLIP
 * @front_info: the device
 * @conn_idx: the connector
 * @fb_cookie: the framebuffer to show
 *
 * Sent on the connector's own ring, without waiting for the response: the
 * commit that flips has nothing to wait for. The response's status goes
 * to xen_drm_front_kms_on_flip_response(); EVT_PG_FLIP reports when the
 * framebuffer is shown.
 *
 * Return: 0 once sent, or why it could not be (then no response follows).
 */
int xen_drm_front_page_flip(struct xen_drm_front_info *front_info,
			    unsigned int conn_idx, u64 fb_cookie)
{
	struct xendispl_req req = { .operation = XENDISPL_OP_PG_FLIP };

	req.op.pg_flip.fb_cookie = fb_cookie;
	return be_send(front_info, conn_idx, &req);
}

/**
 * xen_drm_front_on_response() - the answer to a request nobody waits for
 * @front_info: the device
 * @conn_idx: the connector whose ring carried the request
 * @op: the request's operation
 * @status: its outcome: 0, the backend's error, -ETIMEDOUT or -EIO
 *
 * See xen_drm_front_evtchnl_send().
 *
 * Context: any, with io_lock held.
 */
void xen_drm_front_on_response(struct xen_drm_front_info *front_info,
			       unsigned int conn_idx, u8 op, int status)
{
	struct xen_drm_front_drm_info *drm_info = front_info->drm_info;

	if (!drm_info || conn_idx >= drm_info->num_pipelines ||
	    op != XENDISPL_OP_PG_FLIP)
		return;
	/* The backend went away: the flip waits for it (hold_device()). */
	if (status == -EIO && READ_ONCE(front_info->resuming))
		return;
	xen_drm_front_kms_on_flip_response(&drm_info->pipeline[conn_idx],
					   status);
}

/**
 * xen_drm_front_on_frame_done() - dispatch EVT_PG_FLIP to its connector
 * @front_info: the device
 * @conn_idx: the connector whose event page carried the event
 * @fb_cookie: the framebuffer the backend now shows
 *
 * Context: the event channel's IRQ, with io_lock held.
 */
void xen_drm_front_on_frame_done(struct xen_drm_front_info *front_info,
				 unsigned int conn_idx, u64 fb_cookie)
{
	struct xen_drm_front_drm_info *drm_info = front_info->drm_info;

	if (!drm_info || conn_idx >= drm_info->num_pipelines)
		return;
	xen_drm_front_kms_on_frame_done(&drm_info->pipeline[conn_idx],
					fb_cookie);
}

DEFINE_DRM_GEM_FOPS(xen_drm_fops);

static const struct drm_driver xen_drm_driver = {
	.driver_features = DRIVER_GEM | DRIVER_MODESET | DRIVER_ATOMIC,
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd,
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle,
	.gem_prime_import_sg_table = xen_drm_front_gem_import_sg_table,
	.gem_prime_mmap = drm_gem_prime_mmap,
	.dumb_create = xen_drm_front_gem_dumb_create,
	.fops = &xen_drm_fops,
	.debugfs_init = xen_drm_front_debugfs_init,
	/* The name user space (and upstream's users) already look for. */
	.name = "xendrm-du",
	.desc = "Xen PV DRM Display Unit",
	.date = "20261122",
	.major = 1,
	.minor = 0,
};

/* The last reference to a DRM device is gone: the backend may come back. */
static void drm_dev_released(struct drm_device *drm, void *data)
{
	struct xen_drm_front_drm_info *drm_info = data;
	struct xen_drm_front_info *front_info;
	unsigned int i;

	for (i = 0; i < drm_info->num_pipelines; i++)
		drm_edid_free(drm_info->pipeline[i].drm_edid);

	mutex_lock(&xen_drm_front_release_lock);
	front_info = drm_info->front_info;
	if (front_info) {
		front_info->drm_info = NULL;
		if (!front_info->removing)
			schedule_work(&front_info->reconnect_work);
	}
	mutex_unlock(&xen_drm_front_release_lock);
	kfree(drm_info);
}

static int drm_device_create(struct xen_drm_front_info *front_info)
{
	struct xen_drm_front_drm_info *drm_info;
	struct drm_device *drm;
	int ret;

	drm_info = kzalloc(sizeof(*drm_info), GFP_KERNEL);
	if (!drm_info)
		return -ENOMEM;
	drm_info->front_info = front_info;
	mutex_init(&drm_info->dbufs_lock);
	INIT_LIST_HEAD(&drm_info->dbufs);

	drm = drm_dev_alloc(&xen_drm_driver, &front_info->xb_dev->dev);
	if (IS_ERR(drm)) {
		kfree(drm_info);
		return PTR_ERR(drm);
	}
	drm_info->drm_dev = drm;
	drm->dev_private = drm_info;
	/* From here the DRM device's release frees drm_info. */
	front_info->drm_info = drm_info;
	ret = drmm_add_action_or_reset(drm, drm_dev_released, drm_info);
	if (ret)
		goto fail;

	ret = xen_drm_front_kms_init(drm_info);
	if (ret)
		goto fail;
	ret = drm_dev_register(drm, 0);
	if (ret)
		goto fail;
	/* The console lights the display while no compositor runs. */
	if (xen_drm_front_fbdev)
		drm_fbdev_generic_setup(drm, 32);

	dev_info(&front_info->xb_dev->dev, "%s %d.%d.%d on minor %d, %u connector(s)\n",
		 xen_drm_driver.name, xen_drm_driver.major,
		 xen_drm_driver.minor, xen_drm_driver.patchlevel,
		 drm->primary->index, drm_info->num_pipelines);
	return 0;

fail:
	/* Release from here must not reconnect: we report an error instead. */
	mutex_lock(&xen_drm_front_release_lock);
	if (front_info->drm_info)
		front_info->drm_info->front_info = NULL;
	front_info->drm_info = NULL;
	mutex_unlock(&xen_drm_front_release_lock);
	drm_dev_put(drm);
	return ret;
}

/*
 * The configuration changes under a live DRM device on restore, while
 * debugfs may be reading it: readers hold pairs_sem, so swap it under it.
 */
static int front_cfg_read(struct xen_drm_front_info *front_info)
{
	struct xen_drm_front_cfg cfg = {};
	int ret;

	ret = xen_drm_front_cfg_read(front_info, &cfg);
	if (ret)
		return ret;
	down_write(&front_info->pairs_sem);
	front_info->cfg = cfg;
	up_write(&front_info->pairs_sem);
	return 0;
}

static void front_cfg_free(struct xen_drm_front_info *front_info)
{
	struct xen_drm_front_cfg cfg;

	down_write(&front_info->pairs_sem);
	cfg = front_info->cfg;
	memset(&front_info->cfg, 0, sizeof(front_info->cfg));
	up_write(&front_info->pairs_sem);
	xen_drm_front_cfg_free(&cfg);
}

/*
 * Called with front_info->lock held. Unplugs the DRM device (if any), then
 * tears the rings down. Returns true if a DRM device still has users.
 *
 * While the xenbus device is being removed, the DRM device (kept by its
 * users) also loses its way back to us; only once it is unplugged: a
 * commit, a buffer's creation or release runs within drm_dev_enter() and
 * may use front_info until its drm_dev_exit(), and drm_dev_unplug() waits
 * for that.
 */
static bool backend_disconnect(struct xen_drm_front_info *front_info)
{
	struct xen_drm_front_drm_info *drm_info = front_info->drm_info;
	struct drm_device *drm = drm_info ? drm_info->drm_dev : NULL;

	/* Unplugged already: it waits for its users, our reference is gone. */
	if (drm && drm_dev_is_unplugged(drm))
		drm = NULL;
	/* Release anyone waiting for the backend before unplug waits on them. */
	xen_drm_front_evtchnl_set_state(front_info, EVTCHNL_STATE_DISCONNECTED);
	if (drm) {
		/* Also unregisters the fbdev client: the console lets go. */
		drm_dev_unplug(drm);
		xen_drm_front_kms_fini(drm_info);
	}
	xen_drm_front_evtchnl_free_all(front_info);
	front_cfg_free(front_info);
	if (front_info->removing) {
		/*
		 * Under the release lock: an already unplugged device may be
		 * released by its last user right now.
		 */
		mutex_lock(&xen_drm_front_release_lock);
		if (front_info->drm_info)
			front_info->drm_info->front_info = NULL;
		front_info->drm_info = NULL;
		mutex_unlock(&xen_drm_front_release_lock);
	}
	if (!drm)
		return false;
	/* Users keep the device until they close it; then we reconnect. */
	drm_dev_put(drm);
	return true;
}

static int backend_on_initwait(struct xen_drm_front_info *front_info)
{
	int ret;

	ret = front_cfg_read(front_info);
	if (ret)
		return ret;
	ret = xen_drm_front_evtchnl_create_all(front_info);
	if (ret)
		goto fail;
	ret = xen_drm_front_evtchnl_publish_all(front_info);
	if (ret)
		goto fail;
	return 0;

fail:
	xen_drm_front_evtchnl_free_all(front_info);
	front_cfg_free(front_info);
	return ret;
}

/* Can the DRM device of before a restore live on with this backend? */
static bool cfg_matches(const struct xen_drm_front_info *front_info,
			const struct xen_drm_front_drm_info *drm_info)
{
	const struct xen_drm_front_cfg *cfg = &front_info->cfg;
	unsigned int i;

	if (cfg->be_alloc || cfg->num_connectors != drm_info->num_pipelines)
		return false;
	for (i = 0; i < cfg->num_connectors; i++)
		if (cfg->connectors[i].width != drm_info->pipeline[i].width ||
		    cfg->connectors[i].height != drm_info->pipeline[i].height)
			return false;
	return true;
}

/*
 * After a restore: re-create the DRM device's buffers, framebuffers and
 * modes on the backend now serving us. Other requests fail meanwhile (as
 * they did while no backend was there), so nothing races with it.
 */
static int resync_device(struct xen_drm_front_info *front_info)
{
	struct xen_drm_front_drm_info *drm_info = front_info->drm_info;
	int ret;

	if (!cfg_matches(front_info, drm_info))
		return -EXDEV;
	WRITE_ONCE(front_info->resync_task, current);
	xen_drm_front_evtchnl_set_state(front_info, EVTCHNL_STATE_CONNECTED);
	ret = xen_drm_front_gem_resync(drm_info);
	if (!ret)
		ret = xen_drm_front_kms_resync(drm_info);
	WRITE_ONCE(front_info->resync_task, NULL);
	return ret;
}

/*
 * The old DRM device cannot go on: its users keep it, unplugged, and a new
 * one is created for the backend. Its release must not reconnect us.
 */
static void drop_device(struct xen_drm_front_info *front_info)
{
	struct xen_drm_front_drm_info *drm_info = front_info->drm_info;
	struct drm_device *drm = drm_info->drm_dev;

	drm_dev_unplug(drm);
	xen_drm_front_kms_fini(drm_info);
	mutex_lock(&xen_drm_front_release_lock);
	drm_info->front_info = NULL;
	front_info->drm_info = NULL;
	mutex_unlock(&xen_drm_front_release_lock);
	drm_dev_put(drm);
}

static int backend_on_connected(struct xen_drm_front_info *front_info)
{
	struct device *dev = &front_info->xb_dev->dev;
	int ret;

	if (front_info->resuming && front_info->drm_info) {
		ret = resync_device(front_info);
		WRITE_ONCE(front_info->resuming, false);
		if (!ret) {
			dev_info(dev, "%s: the display continues on the new backend\n",
				 front_info->resume_why);
			return 0;
		}
		dev_warn(dev, "%s: cannot re-create the display on the new backend (%d), replacing the card\n",
			 front_info->resume_why, ret);
		xen_drm_front_evtchnl_set_state(front_info,
						EVTCHNL_STATE_DISCONNECTED);
		drop_device(front_info);
	}
	WRITE_ONCE(front_info->resuming, false);

	xen_drm_front_evtchnl_set_state(front_info, EVTCHNL_STATE_CONNECTED);
	/* Before any client can see the planes' formats. */
	ret = xen_drm_front_kms_probe_formats(front_info);
	if (!ret)
		ret = drm_device_create(front_info);
	if (ret)
		xen_drm_front_evtchnl_set_state(front_info,
						EVTCHNL_STATE_DISCONNECTED);
	return ret;
}

/*
 * Can the DRM device wait for the backend's return instead of being
 * unplugged? Not with backend-allocated buffers: their pages lived in the
 * backend that is gone. Called with front_info->lock held.
 */
static bool device_can_wait(struct xen_drm_front_info *front_info)
{
	struct xen_drm_front_drm_info *drm_info = front_info->drm_info;

	return drm_info && !drm_dev_is_unplugged(drm_info->drm_dev) &&
	       !front_info->cfg.be_alloc && !front_info->removing;
}

/*
 * The backend is gone (restored from a saved image, or it went away) and
 * the DRM device waits for the next one, displif's "complex recovery
 * reconnect": its users keep their card. The flips the old backend owed
 * complete now; later ones wait for the display to be re-created
 * (display_update()). Called with front_info->lock held.
 */
static void hold_device(struct xen_drm_front_info *front_info,
			const char *why)
{
	front_info->resume_why = why;
	WRITE_ONCE(front_info->resuming, true);
	xen_drm_front_evtchnl_set_state(front_info, EVTCHNL_STATE_DISCONNECTED);
	xen_drm_front_kms_release_flips(front_info->drm_info);
	xen_drm_front_evtchnl_free_all(front_info);
	front_cfg_free(front_info);
}

/* Called with front_info->lock held, in state Initialising. */
static void try_initwait(struct xen_drm_front_info *front_info)
{
	struct xenbus_device *xb_dev = front_info->xb_dev;
	int ret;

	ret = backend_on_initwait(front_info);
	if (ret) {
		xenbus_dev_fatal(xb_dev, ret, "initializing the frontend");
		return;
	}
	xenbus_switch_state(xb_dev, XenbusStateInitialised);
}

static void displback_changed(struct xenbus_device *xb_dev,
			      enum xenbus_state backend_state)
{
	struct xen_drm_front_info *front_info = dev_get_drvdata(&xb_dev->dev);
	int ret;

	mutex_lock(&front_info->lock);
	dev_dbg(&xb_dev->dev, "backend %s, frontend %s\n",
		xenbus_strstate(backend_state), xenbus_strstate(xb_dev->state));

	switch (backend_state) {
	case XenbusStateReconfiguring:
	case XenbusStateReconfigured:
	case XenbusStateInitialised:
		break;

	case XenbusStateInitWait:
		/* In Reconfiguring we resume once the old device is gone. */
		if (xb_dev->state == XenbusStateInitialising)
			try_initwait(front_info);
		break;

	case XenbusStateConnected:
		if (xb_dev->state != XenbusStateInitialised)
			break;
		ret = backend_on_connected(front_info);
		if (ret) {
			xenbus_dev_fatal(xb_dev, ret, "creating the DRM device");
			break;
		}
		xenbus_switch_state(xb_dev, XenbusStateConnected);
		break;

	case XenbusStateClosing:
		/* While we are being removed, remove() handles the rest. */
		if (xb_dev->state == XenbusStateClosing)
			break;
		fallthrough;
	case XenbusStateUnknown:
	case XenbusStateClosed:
	case XenbusStateInitialising:
		if (xb_dev->state != XenbusStateInitialised &&
		    xb_dev->state != XenbusStateConnected)
			break;
		xenbus_switch_state(xb_dev, XenbusStateReconfiguring);
		if (device_can_wait(front_info)) {
			dev_info(&xb_dev->dev, "backend went %s, keeping the display for its return\n",
				 xenbus_strstate(backend_state));
			hold_device(front_info, "backend back");
			schedule_work(&front_info->reconnect_work);
			break;
		}
		dev_info(&xb_dev->dev, "backend went %s, disconnecting\n",
			 xenbus_strstate(backend_state));
		/*
		 * The DRM device's release reconnects once its last user is
		 * gone; without a device there is nobody to wait for.
		 */
		if (!backend_disconnect(front_info))
			schedule_work(&front_info->reconnect_work);
		break;
	}
	mutex_unlock(&front_info->lock);
}

static void reconnect_work(struct work_struct *work)
{
	struct xen_drm_front_info *front_info =
		container_of(work, struct xen_drm_front_info, reconnect_work);
	struct xenbus_device *xb_dev = front_info->xb_dev;

	mutex_lock(&front_info->lock);
	if (front_info->removing || xb_dev->state != XenbusStateReconfiguring)
		goto out;
	if (!front_info->drm_info)
		dev_info(&xb_dev->dev, "last user gone, waiting for the backend\n");
	xenbus_switch_state(xb_dev, XenbusStateInitialising);
	/* A restarted backend may already wait for us. */
	if (xenbus_read_driver_state(xb_dev->otherend) == XenbusStateInitWait)
		try_initwait(front_info);
out:
	mutex_unlock(&front_info->lock);
}

static int xen_drv_probe(struct xenbus_device *xb_dev,
			 const struct xenbus_device_id *id)
{
	struct xen_drm_front_info *front_info;
	int ret;

	/* PRIME imports are mapped for this device; it has no DMA limits. */
	ret = dma_coerce_mask_and_coherent(&xb_dev->dev, DMA_BIT_MASK(64));
	if (ret) {
		dev_err(&xb_dev->dev, "cannot set the DMA mask: %d\n", ret);
		return ret;
	}

	front_info = devm_kzalloc(&xb_dev->dev, sizeof(*front_info),
				  GFP_KERNEL);
	if (!front_info)
		return -ENOMEM;
	front_info->xb_dev = xb_dev;
	spin_lock_init(&front_info->io_lock);
	mutex_init(&front_info->lock);
	init_rwsem(&front_info->pairs_sem);
	INIT_WORK(&front_info->reconnect_work, reconnect_work);
	atomic64_set(&front_info->cookie_seq, 0);
	dev_set_drvdata(&xb_dev->dev, front_info);

	return xenbus_switch_state(xb_dev, XenbusStateInitialising);
}

/*
 * Restored from a saved image (xl save/restore, migration): the backend,
 * its event channels and our grants are gone, a new backend is coming up.
 * xenbus has put us back in Initialising. The DRM device stays: clients
 * keep their card, buffers and modes, which we re-create on the new
 * backend once it is connected (resync_device()); until then their
 * requests fail as with a backend that is not there.
 */
static int xen_drv_resume(struct xenbus_device *xb_dev)
{
	struct xen_drm_front_info *front_info = dev_get_drvdata(&xb_dev->dev);
	struct xen_drm_front_drm_info *drm_info;

	mutex_lock(&front_info->lock);
	drm_info = front_info->drm_info;
	if (drm_info && drm_dev_is_unplugged(drm_info->drm_dev)) {
		/* Still waiting for the last user of an unplugged device. */
		xenbus_switch_state(xb_dev, XenbusStateReconfiguring);
		goto out;
	}
	/*
	 * A backend still Connected has kept our rings (a resume that did not
	 * move the domain, e.g. S3 of an HVM guest): a restored domain gets a
	 * new backend, which cannot be Connected before we are Initialised.
	 */
	if (drm_info && front_info->evt_pairs &&
	    xenbus_read_driver_state(xb_dev->otherend) == XenbusStateConnected) {
		dev_info(&xb_dev->dev, "resumed: the backend kept the connection\n");
		xenbus_switch_state(xb_dev, XenbusStateConnected);
		goto out;
	}
	if (drm_info) {
		dev_info(&xb_dev->dev, "restored: reconnecting the display\n");
		hold_device(front_info, "restored");
		goto out;
	}
	xen_drm_front_evtchnl_free_all(front_info);
	front_cfg_free(front_info);
out:
	mutex_unlock(&front_info->lock);
	return 0;
}

/*
 * Wait until the backend is done with our grants. A backend acknowledges
 * Closing at once, then unmaps our rings and buffers and goes Closed (or,
 * ready for the next frontend, InitWait). A buffer freed while it still
 * maps it ends its grants only later, a few a second (the grant table's
 * deferred list): unbinding the device a few times in a row would then
 * run out of grant references.
 */
static void wait_backend_closed(struct xenbus_device *xb_dev)
{
	unsigned long end = jiffies +
		msecs_to_jiffies(XEN_DRM_FRONT_CLOSE_TIMEOUT_MS);
	enum xenbus_state state;

	do {
		state = xenbus_read_driver_state(xb_dev->otherend);
		if (state == XenbusStateClosed || state == XenbusStateUnknown ||
		    state == XenbusStateInitWait)
			return;
		msleep(20);
	} while (time_before(jiffies, end));
	if (state != XenbusStateClosing)
		dev_warn(&xb_dev->dev, "backend did not acknowledge closing (state %s)\n",
			 xenbus_strstate(state));
}

static void xen_drv_remove(struct xenbus_device *xb_dev)
{
	struct xen_drm_front_info *front_info = dev_get_drvdata(&xb_dev->dev);

	mutex_lock(&front_info->lock);
	front_info->removing = true;
	xenbus_switch_state(xb_dev, XenbusStateClosing);
	mutex_unlock(&front_info->lock);

	wait_backend_closed(xb_dev);

	/*
	 * Unplugs first, then detaches the DRM device kept open by users,
	 * which then never calls back into us.
	 */
	mutex_lock(&front_info->lock);
	backend_disconnect(front_info);
	mutex_unlock(&front_info->lock);

	cancel_work_sync(&front_info->reconnect_work);
	xenbus_frontend_closed(xb_dev);
}

static const struct xenbus_device_id xen_driver_ids[] = {
	{ XENDISPL_DRIVER_NAME },
	{ "" }
};

/* Not static under KUnit: the tests drive the xenbus callbacks. */
VISIBLE_IF_KUNIT struct xenbus_driver xen_drm_front_xenbus_driver = {
	.ids = xen_driver_ids,
	.probe = xen_drv_probe,
	.remove = xen_drv_remove,
	.resume = xen_drv_resume,
	.otherend_changed = displback_changed,
	.not_essential = true,
};

static int __init xen_drv_init(void)
{
	/* displif describes buffers in Xen pages; we grant kernel pages. */
	if (XEN_PAGE_SIZE != PAGE_SIZE) {
		pr_err("xen_drm_front: PAGE_SIZE %lu differs from XEN_PAGE_SIZE %lu, unsupported\n",
		       PAGE_SIZE, XEN_PAGE_SIZE);
		return -ENODEV;
	}
	if (!xen_domain() || !xen_has_pv_devices())
		return -ENODEV;
	if (drm_firmware_drivers_only())
		return -ENODEV;
	pr_info("xen_drm_front: registering the Xen PV display frontend\n");
	return xenbus_register_frontend(&xen_drm_front_xenbus_driver);
}

static void __exit xen_drv_fini(void)
{
	pr_info("xen_drm_front: unregistering the Xen PV display frontend\n");
	xenbus_unregister_driver(&xen_drm_front_xenbus_driver);
}

module_init(xen_drv_init);
module_exit(xen_drv_fini);

MODULE_DESCRIPTION("Xen para-virtualized display device frontend");
/*
 * Read by dkms.conf and the Makefile. DKMS needs it: it does not install a
 * module whose version equals the kernel's own drm_xen_front.ko (none).
 */
MODULE_VERSION("0.1.0");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen:" XENDISPL_DRIVER_NAME);
