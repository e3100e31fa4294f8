/* SPDX-License-Identifier: GPL-2.0 OR MIT */

/*
 * Helpers shared by the KUnit suites: a whole frontend brought up through
 * the driver's own xenbus callbacks over the fake Xen, a DRM client to act
 * as user space, and atomic commits.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#ifndef __XEN_DRM_FRONT_KUNIT_HELPERS_H_
#define __XEN_DRM_FRONT_KUNIT_HELPERS_H_

#include <linux/atomic.h>

#include <drm/drm_client.h>

#include <kunit/test.h>

#include "fake_xen.h"

struct drm_device;
struct drm_framebuffer;
struct xen_drm_front_drm_pipeline;
struct xen_drm_front_info;

struct kt_dev {
	struct kunit *test;
	struct fake_xb_dev *fdev;
	struct fake_be be;
	bool be_attached;
	struct xen_drm_front_info *front_info;
	struct drm_device *drm;
	/* A DRM client: user space's file, and hotplug events. */
	struct drm_client_dev client;
	bool client_open;
	bool client_listed;
	atomic_t hotplugs;
	/* The backend acknowledges the frontend's Closing... */
	bool be_acks_closing;
	/* ...but does not go on to Closed. */
	bool be_stays_closing;
	bool removed;
};

struct kt_fb {
	u32 handle;
	u32 fb_id;
	u32 width;
	u32 height;
	u32 pitch;
	u64 size;
	struct drm_framebuffer *fb;	/* holds a reference */
};

/* Frontend config nodes: @num_conns connectors of @res, be-alloc. */
void kt_write_config(struct fake_xb_dev *fdev, unsigned int num_conns,
		     const char *res, bool be_alloc);
/* Create the xenbus device, write the config and call probe. */
int kt_dev_probe(struct kunit *test, struct kt_dev *kd,
		 unsigned int num_conns, const char *res, bool be_alloc);
/* Tell the driver the backend changed state (writes the state node too). */
void kt_backend_state(struct kt_dev *kd, enum xenbus_state state);
/* The backend goes InitWait, then attach the scripted backend. */
int kt_dev_initwait(struct kt_dev *kd);
/* Attach (again) the scripted backend to the published rings. */
int kt_be_attach(struct kt_dev *kd);
/* The backend goes Connected; kd->drm is the new DRM device. */
int kt_dev_connected(struct kt_dev *kd);
/* probe + InitWait + Connected + a registered DRM client. */
int kt_dev_up(struct kunit *test, struct kt_dev *kd, unsigned int num_conns,
	      const char *res, bool be_alloc);
int kt_client_open(struct kt_dev *kd);
void kt_client_close(struct kt_dev *kd);
/* Keep the client's file open, but take it off the device's client list:
 * it then survives an unplug, as a user space file does.
 */
void kt_client_unlist(struct kt_dev *kd);
/* remove(), then destroy the xenbus device; safe on a half set up kd. */
void kt_dev_down(struct kt_dev *kd);

struct xen_drm_front_drm_pipeline *kt_pipeline(struct kt_dev *kd,
					       unsigned int idx);

/* A dumb buffer and a framebuffer on it (fourcc, bpp of the dumb buffer). */
int kt_fb_create(struct kt_dev *kd, struct kt_fb *kfb, u32 width, u32 height,
		 u32 format, u32 bpp);
void kt_fb_destroy(struct kt_dev *kd, struct kt_fb *kfb);

/* Light pipe @idx with @fb (modeset), or turn it off (@fb NULL). */
int kt_commit_enable(struct kt_dev *kd, unsigned int idx,
		     struct drm_framebuffer *fb);
/*
 * Change only CRTC @idx, blocking: ACTIVE = @active (DPMS), and with
 * !@enable also MODE_ID = 0; the plane keeps its framebuffer and CRTC.
 */
int kt_commit_crtc(struct kt_dev *kd, unsigned int idx, bool enable,
		   bool active);
/*
 * Page flip pipe @idx to @fb (no modeset), as user space does: nonblocking;
 * returns once the PG_FLIP went out (or the flip is done).
 */
int kt_commit_flip(struct kt_dev *kd, unsigned int idx,
		   struct drm_framebuffer *fb);
/* The same, returning as soon as the nonblocking commit does. */
int kt_commit_flip_nowait(struct kt_dev *kd, unsigned int idx,
			  struct drm_framebuffer *fb);
/* Page flip as DRM_MODE_PAGE_FLIP_ASYNC, as kt_commit_flip() does. */
int kt_commit_flip_async(struct kt_dev *kd, unsigned int idx,
			 struct drm_framebuffer *fb);
/* The same, returning as soon as the nonblocking commit does. */
int kt_commit_flip_async_nowait(struct kt_dev *kd, unsigned int idx,
				struct drm_framebuffer *fb);
/* The same, blocking: returns when the commit is complete. */
int kt_commit_flip_sync(struct kt_dev *kd, unsigned int idx,
			struct drm_framebuffer *fb);
/* Wait for the last commit on every pipe to be cleaned up. */
void kt_commits_idle(struct kt_dev *kd);
/* Is the last commit's flip on pipe @idx done (its DRM event sent)? */
bool kt_flip_done(struct kt_dev *kd, unsigned int idx);
/* Wait up to @ms for it. */
bool kt_wait_flip_done(struct kt_dev *kd, unsigned int idx, unsigned int ms);

#endif /* __XEN_DRM_FRONT_KUNIT_HELPERS_H_ */
