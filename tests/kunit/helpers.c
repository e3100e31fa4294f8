// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * Helpers shared by the KUnit suites: see helpers.h.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/delay.h>
#include <linux/jiffies.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_uapi.h>
#include <drm/drm_drv.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_modeset_lock.h>
#include <drm/drm_modes.h>

#include <xen/xenbus.h>

/* drm_mode_create_dumb(), drm_mode_addfb2(), drm_mode_rmfb()... */
#include "drm_crtc_internal.h"

#include "../../xen_drm_front.h"
#include "../../xen_drm_front_conn.h"
#include "../../xen_drm_front_evtchnl.h"

#include "helpers.h"

void kt_write_config(struct fake_xb_dev *fdev, unsigned int num_conns,
		     const char *res, bool be_alloc)
{
	char path[96];
	unsigned int i;

	snprintf(path, sizeof(path), "%s/%s", fdev->nodename,
		 XENDISPL_FIELD_BE_ALLOC);
	fake_xs_write(path, be_alloc ? "1" : "0");
	for (i = 0; i < num_conns; i++)
		fake_xb_write_conn(fdev, i, XENDISPL_FIELD_RESOLUTION, res);
}

static void kt_on_switch(struct fake_xb_dev *fdev, enum xenbus_state state)
{
	struct kt_dev *kd = fdev->priv;

	if (state != XenbusStateClosing || !kd->be_acks_closing)
		return;
	/* Like libxenbe: Closing, release everything, Closed. */
	fake_xb_set_backend_state(fdev, XenbusStateClosing);
	if (!kd->be_stays_closing)
		fake_xb_set_backend_state(fdev, XenbusStateClosed);
}

int kt_dev_probe(struct kunit *test, struct kt_dev *kd,
		 unsigned int num_conns, const char *res, bool be_alloc)
{
	int ret;

	kd->test = test;
	kd->be_acks_closing = true;
	atomic_set(&kd->hotplugs, 0);
	kd->fdev = fake_xb_dev_create(test, 0);
	if (!kd->fdev)
		return -ENOMEM;
	kd->fdev->priv = kd;
	kd->fdev->on_switch = kt_on_switch;
	kt_write_config(kd->fdev, num_conns, res, be_alloc);
	ret = xen_drm_front_xenbus_driver.probe(&kd->fdev->xb, NULL);
	if (ret)
		return ret;
	kd->front_info = dev_get_drvdata(&kd->fdev->xb.dev);
	return 0;
}

void kt_backend_state(struct kt_dev *kd, enum xenbus_state state)
{
	fake_xb_set_backend_state(kd->fdev, state);
	xen_drm_front_xenbus_driver.otherend_changed(&kd->fdev->xb, state);
}

int kt_dev_initwait(struct kt_dev *kd)
{
	kt_backend_state(kd, XenbusStateInitWait);
	if (kd->fdev->xb.state != XenbusStateInitialised)
		return -EIO;
	return kt_be_attach(kd);
}

int kt_be_attach(struct kt_dev *kd)
{
	int ret;

	memset(&kd->be, 0, sizeof(kd->be));
	kd->be.sync = true;
	kd->be.auto_flip_evt = true;
	ret = fake_be_attach(kd->test, &kd->be, kd->fdev,
			     kd->front_info->cfg.num_connectors);
	kd->be_attached = !ret;
	return ret;
}

int kt_dev_connected(struct kt_dev *kd)
{
	kt_backend_state(kd, XenbusStateConnected);
	if (kd->fdev->xb.state != XenbusStateConnected ||
	    !kd->front_info->drm_info)
		return -EIO;
	kd->drm = kd->front_info->drm_info->drm_dev;
	/* The format probe's requests: tests count from here. */
	fake_be_forget(&kd->be);
	return 0;
}

static void kt_client_unregister(struct drm_client_dev *client)
{
	struct kt_dev *kd = container_of(client, struct kt_dev, client);

	/* The device is going away: called with the client list locked. */
	kd->client_open = false;
	kd->client_listed = false;
	drm_client_release(client);
}

static int kt_client_hotplug(struct drm_client_dev *client)
{
	struct kt_dev *kd = container_of(client, struct kt_dev, client);

	atomic_inc(&kd->hotplugs);
	return 0;
}

static const struct drm_client_funcs kt_client_funcs = {
	.owner = THIS_MODULE,
	.unregister = kt_client_unregister,
	.hotplug = kt_client_hotplug,
};

int kt_client_open(struct kt_dev *kd)
{
	int ret;

	ret = drm_client_init(kd->drm, &kd->client, "kunit", &kt_client_funcs);
	if (ret)
		return ret;
	kd->client_open = true;
	kd->client_listed = true;
	drm_client_register(&kd->client);
	return 0;
}

void kt_client_close(struct kt_dev *kd)
{
	struct drm_device *drm = kd->client.dev;
	bool open;

	/* Released already (by an unplug): the device may be gone. */
	if (!kd->client_open)
		return;
	mutex_lock(&drm->clientlist_mutex);
	open = kd->client_open;
	if (kd->client_listed)
		list_del(&kd->client.list);
	kd->client_listed = false;
	kd->client_open = false;
	mutex_unlock(&drm->clientlist_mutex);
	if (open)
		drm_client_release(&kd->client);
}

void kt_client_unlist(struct kt_dev *kd)
{
	struct drm_device *drm = kd->client.dev;

	if (!kd->client_open)
		return;
	mutex_lock(&drm->clientlist_mutex);
	if (kd->client_listed)
		list_del(&kd->client.list);
	kd->client_listed = false;
	mutex_unlock(&drm->clientlist_mutex);
}

int kt_dev_up(struct kunit *test, struct kt_dev *kd, unsigned int num_conns,
	      const char *res, bool be_alloc)
{
	int ret;

	ret = kt_dev_probe(test, kd, num_conns, res, be_alloc);
	if (!ret)
		ret = kt_dev_initwait(kd);
	if (!ret)
		ret = kt_dev_connected(kd);
	if (!ret)
		ret = kt_client_open(kd);
	/* Registering a client calls its hotplug once: not a hotplug. */
	atomic_set(&kd->hotplugs, 0);
	return ret;
}

void kt_dev_down(struct kt_dev *kd)
{
	if (!kd->fdev)
		return;
	if (kd->front_info && !kd->removed) {
		xen_drm_front_xenbus_driver.remove(&kd->fdev->xb);
		kd->removed = true;
	}
	/* A client the test kept open goes now (the DRM device with it). */
	kt_client_close(kd);
	if (kd->be_attached)
		fake_be_detach(&kd->be);
	kd->be_attached = false;
	fake_gnttab_backend_revoke_all();
	fake_xb_dev_destroy(kd->fdev);
	kd->fdev = NULL;
	kd->front_info = NULL;
	kd->drm = NULL;
}

struct xen_drm_front_drm_pipeline *kt_pipeline(struct kt_dev *kd,
					       unsigned int idx)
{
	return &kd->front_info->drm_info->pipeline[idx];
}

int kt_fb_create(struct kt_dev *kd, struct kt_fb *kfb, u32 width, u32 height,
		 u32 format, u32 bpp)
{
	struct drm_mode_create_dumb dumb = {
		.width = width, .height = height, .bpp = bpp,
	};
	struct drm_mode_fb_cmd2 cmd = {
		.width = width, .height = height, .pixel_format = format,
	};
	int ret;

	memset(kfb, 0, sizeof(*kfb));
	ret = drm_mode_create_dumb(kd->drm, &dumb, kd->client.file);
	if (ret)
		return ret;
	kfb->handle = dumb.handle;
	kfb->pitch = dumb.pitch;
	kfb->size = dumb.size;
	kfb->width = width;
	kfb->height = height;
	cmd.handles[0] = dumb.handle;
	cmd.pitches[0] = dumb.pitch;
	ret = drm_mode_addfb2(kd->drm, &cmd, kd->client.file);
	if (ret) {
		drm_mode_destroy_dumb(kd->drm, kfb->handle, kd->client.file);
		kfb->handle = 0;
		return ret;
	}
	kfb->fb_id = cmd.fb_id;
	kfb->fb = drm_framebuffer_lookup(kd->drm, kd->client.file, cmd.fb_id);
	return kfb->fb ? 0 : -ENOENT;
}

void kt_fb_destroy(struct kt_dev *kd, struct kt_fb *kfb)
{
	if (kfb->fb)
		drm_framebuffer_put(kfb->fb);
	kfb->fb = NULL;
	if (kfb->fb_id)
		drm_mode_rmfb(kd->drm, kfb->fb_id, kd->client.file);
	kfb->fb_id = 0;
	if (kfb->handle)
		drm_mode_destroy_dumb(kd->drm, kfb->handle, kd->client.file);
	kfb->handle = 0;
}

static int kt_commit(struct kt_dev *kd, unsigned int idx,
		     struct drm_framebuffer *fb, bool modeset, bool nonblock,
		     bool async_flip)
{
	struct xen_drm_front_drm_pipeline *pipeline = kt_pipeline(kd, idx);
	struct drm_crtc *crtc = &pipeline->pipe.crtc;
	struct drm_plane *plane = &pipeline->pipe.plane;
	struct drm_modeset_acquire_ctx ctx;
	struct drm_connector_state *conn_state;
	struct drm_plane_state *plane_state;
	struct drm_crtc_state *crtc_state;
	struct drm_display_mode *mode;
	struct drm_atomic_state *state;
	int ret;

	drm_modeset_acquire_init(&ctx, 0);
	state = drm_atomic_state_alloc(kd->drm);
	if (!state) {
		ret = -ENOMEM;
		goto fini;
	}
	state->acquire_ctx = &ctx;
retry:
	crtc_state = drm_atomic_get_crtc_state(state, crtc);
	ret = PTR_ERR_OR_ZERO(crtc_state);
	if (ret)
		goto out;
	plane_state = drm_atomic_get_plane_state(state, plane);
	ret = PTR_ERR_OR_ZERO(plane_state);
	if (ret)
		goto out;
	if (modeset) {
		conn_state = drm_atomic_get_connector_state(state,
							    &pipeline->conn);
		ret = PTR_ERR_OR_ZERO(conn_state);
		if (ret)
			goto out;
		if (fb) {
			mode = xen_drm_front_conn_mode_create(kd->drm,
							      fb->width,
							      fb->height);
			if (!mode) {
				ret = -ENOMEM;
				goto out;
			}
			/* As drm_mode_convert_umode() does for user space. */
			drm_mode_set_crtcinfo(mode, CRTC_INTERLACE_HALVE_V);
			ret = drm_atomic_set_mode_for_crtc(crtc_state, mode);
			drm_mode_destroy(kd->drm, mode);
		} else {
			ret = drm_atomic_set_mode_for_crtc(crtc_state, NULL);
		}
		if (ret)
			goto out;
		crtc_state->active = !!fb;
		/*
		 * As __drm_atomic_helper_set_config() does for fbdev and
		 * legacy SETCRTC: a modeset retrains the link.
		 */
		conn_state->link_status = DRM_LINK_STATUS_GOOD;
		ret = drm_atomic_set_crtc_for_connector(conn_state,
							fb ? crtc : NULL);
		if (ret)
			goto out;
		ret = drm_atomic_set_crtc_for_plane(plane_state,
						    fb ? crtc : NULL);
		if (ret)
			goto out;
	}
	drm_atomic_set_fb_for_plane(plane_state, fb);
	/* As drm_atomic_helper_page_flip() does for DRM_MODE_PAGE_FLIP_ASYNC. */
	crtc_state->async_flip = async_flip;
	if (fb) {
		plane_state->crtc_x = 0;
		plane_state->crtc_y = 0;
		plane_state->crtc_w = fb->width;
		plane_state->crtc_h = fb->height;
		plane_state->src_x = 0;
		plane_state->src_y = 0;
		plane_state->src_w = fb->width << 16;
		plane_state->src_h = fb->height << 16;
	}
	ret = nonblock ? drm_atomic_nonblocking_commit(state) :
		drm_atomic_commit(state);
out:
	if (ret == -EDEADLK) {
		drm_atomic_state_clear(state);
		ret = drm_modeset_backoff(&ctx);
		if (!ret)
			goto retry;
	}
	drm_atomic_state_put(state);
fini:
	drm_modeset_drop_locks(&ctx);
	drm_modeset_acquire_fini(&ctx);
	return ret;
}

int kt_commit_crtc(struct kt_dev *kd, unsigned int idx, bool enable,
		   bool active)
{
	struct drm_crtc *crtc = &kt_pipeline(kd, idx)->pipe.crtc;
	struct drm_modeset_acquire_ctx ctx;
	struct drm_crtc_state *crtc_state;
	struct drm_atomic_state *state;
	int ret;

	drm_modeset_acquire_init(&ctx, 0);
	state = drm_atomic_state_alloc(kd->drm);
	if (!state) {
		ret = -ENOMEM;
		goto fini;
	}
	state->acquire_ctx = &ctx;
retry:
	crtc_state = drm_atomic_get_crtc_state(state, crtc);
	ret = PTR_ERR_OR_ZERO(crtc_state);
	if (ret)
		goto out;
	if (!enable) {
		ret = drm_atomic_set_mode_for_crtc(crtc_state, NULL);
		if (ret)
			goto out;
	}
	crtc_state->active = active;
	ret = drm_atomic_commit(state);
out:
	if (ret == -EDEADLK) {
		drm_atomic_state_clear(state);
		ret = drm_modeset_backoff(&ctx);
		if (!ret)
			goto retry;
	}
	drm_atomic_state_put(state);
fini:
	drm_modeset_drop_locks(&ctx);
	drm_modeset_acquire_fini(&ctx);
	return ret;
}

int kt_commit_enable(struct kt_dev *kd, unsigned int idx,
		     struct drm_framebuffer *fb)
{
	return kt_commit(kd, idx, fb, true, false, false);
}

static int kt_commit_flip_nb(struct kt_dev *kd, unsigned int idx,
			     struct drm_framebuffer *fb, bool async_flip)
{
	unsigned int flips = fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP);
	unsigned long end = jiffies + 2 * HZ;
	int ret;

	ret = kt_commit(kd, idx, fb, false, true, async_flip);
	if (ret)
		return ret;
	/* The commit runs in a worker: wait for its PG_FLIP to go out. */
	while (fake_be_count(&kd->be, XENDISPL_OP_PG_FLIP) == flips &&
	       !kt_flip_done(kd, idx) && time_before(jiffies, end))
		usleep_range(1000, 2000);
	return 0;
}

int kt_commit_flip(struct kt_dev *kd, unsigned int idx,
		   struct drm_framebuffer *fb)
{
	return kt_commit_flip_nb(kd, idx, fb, false);
}

int kt_commit_flip_nowait(struct kt_dev *kd, unsigned int idx,
			  struct drm_framebuffer *fb)
{
	return kt_commit(kd, idx, fb, false, true, false);
}

int kt_commit_flip_async(struct kt_dev *kd, unsigned int idx,
			 struct drm_framebuffer *fb)
{
	return kt_commit_flip_nb(kd, idx, fb, true);
}

int kt_commit_flip_async_nowait(struct kt_dev *kd, unsigned int idx,
				struct drm_framebuffer *fb)
{
	return kt_commit(kd, idx, fb, false, true, true);
}

int kt_commit_flip_sync(struct kt_dev *kd, unsigned int idx,
			struct drm_framebuffer *fb)
{
	return kt_commit(kd, idx, fb, false, false, false);
}

void kt_commits_idle(struct kt_dev *kd)
{
	unsigned int i;

	if (!kd->front_info || !kd->front_info->drm_info)
		return;
	for (i = 0; i < kd->front_info->drm_info->num_pipelines; i++) {
		struct drm_crtc *crtc = &kt_pipeline(kd, i)->pipe.crtc;
		struct drm_crtc_commit *commit;

		drm_modeset_lock(&crtc->mutex, NULL);
		commit = crtc->state->commit;
		if (commit)
			drm_crtc_commit_get(commit);
		drm_modeset_unlock(&crtc->mutex);
		if (!commit)
			continue;
		wait_for_completion_timeout(&commit->cleanup_done, 10 * HZ);
		drm_crtc_commit_put(commit);
	}
}

bool kt_flip_done(struct kt_dev *kd, unsigned int idx)
{
	struct drm_crtc *crtc = &kt_pipeline(kd, idx)->pipe.crtc;
	struct drm_crtc_commit *commit = crtc->state->commit;

	return commit && completion_done(&commit->flip_done);
}

bool kt_wait_flip_done(struct kt_dev *kd, unsigned int idx, unsigned int ms)
{
	struct drm_crtc *crtc = &kt_pipeline(kd, idx)->pipe.crtc;
	struct drm_crtc_commit *commit = crtc->state->commit;

	return commit && wait_for_completion_timeout(&commit->flip_done,
						     msecs_to_jiffies(ms));
}
