/* SPDX-License-Identifier: GPL-2.0 OR MIT */

/*
 * Xen para-virtual DRM frontend: the device, and requests to the backend.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#ifndef __XEN_DRM_FRONT_H_
#define __XEN_DRM_FRONT_H_

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <drm/drm_connector.h>
#include <drm/drm_simple_kms_helper.h>

#include "xen_drm_front_cfg.h"
#include "xen_drm_front_debugfs.h"

struct drm_device;
struct drm_edid;
struct drm_pending_vblank_event;
struct page;
struct xenbus_device;
struct xen_drm_front_evtchnl_pair;
struct xen_drm_front_pgdir;

/* Distinct display sizes of an EDID that modes may be set to. */
#define XEN_DRM_FRONT_MAX_EDID_MODES		32

/* Pixel formats a plane may offer: the candidates xen_drm_front_kms.c probes. */
#define XEN_DRM_FRONT_MAX_FORMATS		9

/* How long a flip may wait for EVT_PG_FLIP before we complete it anyway. */
#define XEN_DRM_FRONT_FRAME_DONE_TIMEOUT_MS	3100
/* The same, as used: tests shorten it (KUnit's fuzzer). */
extern unsigned int xen_drm_front_frame_done_timeout_ms;

/**
 * struct xen_drm_front_drm_pipeline - one connector's display pipe
 * @drm_info: the DRM device this pipe belongs to
 * @index: connector index, as in XenStore and on the rings
 * @width: the connector's configured horizontal resolution
 * @height: the connector's configured vertical resolution
 * @pipe: the DRM simple display pipe (CRTC, primary plane, encoder)
 * @conn: the connector
 * @flip_lock: protects the pending_* members: the flip in flight, which
 *	display_update() publishes whole, before anything may complete it
 * @pending_event: the DRM event of the flip in flight
 * @pending_fb_cookie: the framebuffer whose EVT_PG_FLIP completes it
 * @pending_vblank_ref: the flip in flight holds a vblank reference
 * @pending_done: the backend showed it; it completes at the next vblank
 * @pending_async: user space asked for DRM_MODE_PAGE_FLIP_ASYNC: the flip
 *	completes on its EVT_PG_FLIP, not at a vblank of its own
 * @pending_old_fb: the framebuffer the flip in flight replaces, held (a
 *	reference) until the backend shows the new one
 * @pending_deadline: when, in jiffies, @frame_done_work may complete the
 *	flip in flight without its EVT_PG_FLIP
 * @release_fbs: held framebuffers whose last reference is to be dropped
 *	in process context (see release_old_fb())
 * @release_work: drops them
 * @frame_done_work: completes a flip whose EVT_PG_FLIP never arrives
 * @link_bad_work: reports a failed SET_CONFIG/PG_FLIP to user space
 * @failed_op: the request (XENDISPL_OP_*) whose failure user space was
 *	told of and that has not succeeded since, or 0; see report_failure()
 * @link_bad_notify: @link_bad_work is to send a hotplug event
 * @lit: the backend accepted the last SET_CONFIG that lit this display
 * @drm_edid: the backend's EDID for this connector (protocol v2), or NULL
 * @modes_lock: protects @num_sizes and @sizes
 * @num_sizes: number of valid entries in @sizes
 * @sizes: display sizes the connector's EDID offers, as width, height
 * @vblank_lock: protects @vblank_on, @vblank_period, @last_vblank and the
 *	timer's expiry
 * @vblank_on: DRM has vblank interrupts enabled on this CRTC
 * @vblank_timer: emulates the display's vertical blanking
 * @vblank_period: the mode's frame duration
 * @last_vblank: the timestamp of the last vblank counted (timer or
 *	EVT_PG_FLIP): always a whole number of periods after the first one
 * @last_flip_seq: the vblank sequence number the last flip event carried
 */
struct xen_drm_front_drm_pipeline {
	struct xen_drm_front_drm_info *drm_info;
	unsigned int index;
	u32 width;
	u32 height;
	struct drm_simple_display_pipe pipe;
	struct drm_connector conn;
	spinlock_t flip_lock; /* protects the pending flip */
	struct drm_pending_vblank_event *pending_event;
	u64 pending_fb_cookie;
	bool pending_vblank_ref;
	bool pending_done;
	bool pending_async;
	struct drm_framebuffer *pending_old_fb;
	unsigned long pending_deadline;
	struct llist_head release_fbs;
	struct work_struct release_work;
	struct delayed_work frame_done_work;
	struct work_struct link_bad_work;
	u8 failed_op;
	bool link_bad_notify;
	bool lit;
	const struct drm_edid *drm_edid;
	struct mutex modes_lock; /* protects the EDID's sizes */
	unsigned int num_sizes;
	u32 sizes[XEN_DRM_FRONT_MAX_EDID_MODES][2];
	spinlock_t vblank_lock; /* protects the vblank timer's state */
	bool vblank_on;
	struct hrtimer vblank_timer;
	ktime_t vblank_period;
	ktime_t last_vblank;
	u64 last_flip_seq;
};

/**
 * struct xen_drm_front_drm_info - the DRM side of the device
 * @front_info: the xenbus side; NULL once the xenbus device is gone
 * @drm_dev: the DRM device
 * @num_pipelines: number of connectors
 * @pipeline: one display pipe per connector
 * @dbufs_lock: protects @dbufs
 * @dbufs: the display buffers the backend knows, for debugfs
 * @crtc_funcs: the simple pipe's CRTC functions with our vblank timestamps
 */
struct xen_drm_front_drm_info {
	struct xen_drm_front_info *front_info;
	struct drm_device *drm_dev;
	unsigned int num_pipelines;
	struct xen_drm_front_drm_pipeline pipeline[XEN_DRM_FRONT_MAX_CONNECTORS];
	struct mutex dbufs_lock; /* protects dbufs */
	struct list_head dbufs;
	struct drm_crtc_funcs crtc_funcs;
};

/**
 * struct xen_drm_front_info - the vdispl device
 * @xb_dev: the xenbus device
 * @drm_info: the DRM device while connected, else NULL
 * @io_lock: protects the rings and the channels' state; taken in IRQs
 * @num_evt_pairs: number of connectors with channels
 * @evt_pairs: each connector's request and event channels
 * @cfg: the configuration read from XenStore
 * @cookie_seq: source of dbuf and fb cookies (never 0, never a pointer)
 * @reconnect_work: resumes the state machine once the last DRM user left
 * @lock: serializes the xenbus state machine (backend changes, reconnect,
 *	remove)
 * @removing: the xenbus device is going away: do not reconnect
 * @stats: request statistics, under @io_lock
 * @pairs_sem: held for reading by requests, for writing while @evt_pairs
 *	are created or freed
 * @resuming: restored from a saved image, or the backend went away: the
 *	DRM device lives on and its buffers, framebuffers and modes are
 *	re-created on the backend once it is connected; until then requests
 *	fail and flips wait
 * @resume_why: why @resuming, for the log ("restored", "backend back")
 * @resync_task: the task re-creating them, the only one allowed requests
 *	while @resuming
 * @formats: the pixel formats the backend accepted when probed at connect
 *	(xen_drm_front_kms_probe_formats()), which the planes offer
 * @num_formats: number of valid entries in @formats
 * @probing: the format probe runs: the backend's refusals are its answers,
 *	not errors to log
 */
struct xen_drm_front_info {
	struct xenbus_device *xb_dev;
	struct xen_drm_front_drm_info *drm_info;
	spinlock_t io_lock; /* rings and channel state */
	unsigned int num_evt_pairs;
	struct xen_drm_front_evtchnl_pair *evt_pairs;
	struct xen_drm_front_cfg cfg;
	atomic64_t cookie_seq;
	struct work_struct reconnect_work;
	struct mutex lock; /* the xenbus state machine */
	bool removing;
	struct xen_drm_front_stats stats;
	struct rw_semaphore pairs_sem;
	bool resuming;
	const char *resume_why;
	struct task_struct *resync_task;
	u32 formats[XEN_DRM_FRONT_MAX_FORMATS];
	unsigned int num_formats;
	bool probing;
};

u64 xen_drm_front_new_cookie(struct xen_drm_front_info *front_info);

int xen_drm_front_dbuf_create(struct xen_drm_front_info *front_info,
			      struct xen_drm_front_pgdir *pgdir,
			      u64 dbuf_cookie, u32 width, u32 height, u32 bpp,
			      u64 size, u32 offset);
int xen_drm_front_dbuf_destroy(struct xen_drm_front_info *front_info,
			       u64 dbuf_cookie);
int xen_drm_front_fb_attach(struct xen_drm_front_info *front_info,
			    u64 dbuf_cookie, u64 fb_cookie, u32 width,
			    u32 height, u32 pixel_format);
int xen_drm_front_fb_detach(struct xen_drm_front_info *front_info,
			    u64 fb_cookie);
int xen_drm_front_set_config(struct xen_drm_front_drm_pipeline *pipeline,
			     u32 x, u32 y, u32 width, u32 height, u32 bpp,
			     u64 fb_cookie);
int xen_drm_front_get_edid(struct xen_drm_front_info *front_info,
			   unsigned int conn_idx, struct page **pages,
			   unsigned int num_pages, u32 *edid_sz);
int xen_drm_front_page_flip(struct xen_drm_front_info *front_info,
			    unsigned int conn_idx, u64 fb_cookie);
void xen_drm_front_on_frame_done(struct xen_drm_front_info *front_info,
				 unsigned int conn_idx, u64 fb_cookie);
void xen_drm_front_on_response(struct xen_drm_front_info *front_info,
			       unsigned int conn_idx, u8 op, int status);

#if IS_ENABLED(CONFIG_KUNIT)
extern struct xenbus_driver xen_drm_front_xenbus_driver;
#endif

#endif /* __XEN_DRM_FRONT_H_ */
