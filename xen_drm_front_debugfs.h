/* SPDX-License-Identifier: GPL-2.0 OR MIT */

/*
 * Xen para-virtual DRM frontend: accounting, and its debugfs files.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#ifndef __XEN_DRM_FRONT_DEBUGFS_H_
#define __XEN_DRM_FRONT_DEBUGFS_H_

#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/types.h>

#include <xen/interface/io/displif.h>

struct drm_minor;
struct seq_file;
struct xen_drm_front_drm_info;
struct xen_drm_front_evtchnl;
struct xen_drm_front_info;

/* Request statistics are kept per operation, XENDISPL_OP_DBUF_CREATE on. */
#define XEN_DRM_FRONT_STATS_OP_FIRST	XENDISPL_OP_DBUF_CREATE
#define XEN_DRM_FRONT_STATS_NUM_OPS	7
/* One more slot for any operation outside that range. */
#define XEN_DRM_FRONT_STATS_SLOTS	(XEN_DRM_FRONT_STATS_NUM_OPS + 1)

/**
 * struct xen_drm_front_op_stats - statistics of one request operation
 * @sent: requests put on a ring
 * @not_sent: requests refused before reaching the ring (channel not
 *	connected, backend stalled, ring full)
 * @errors: sent requests that ended with an error other than a timeout
 *	(an error response, or the channel went away meanwhile)
 * @timeouts: sent requests the backend did not answer in time
 * @last_us: round-trip time of the last answered request, in microseconds
 * @max_us: the longest round-trip time of an answered request
 */
struct xen_drm_front_op_stats {
	u64 sent;
	u64 not_sent;
	u64 errors;
	u64 timeouts;
	u64 last_us;
	u64 max_us;
};

/**
 * struct xen_drm_front_stats - a device's request statistics
 * @op: per operation; the last slot collects unknown operations
 *
 * Updated and read under front_info->io_lock; kept from probe to remove,
 * across reconnections.
 */
struct xen_drm_front_stats {
	struct xen_drm_front_op_stats op[XEN_DRM_FRONT_STATS_SLOTS];
};

/**
 * struct xen_drm_front_acct - what the driver holds, all devices together
 * @grants: grant references we granted and did not end yet (ring pages,
 *	buffer directories, buffer data pages)
 * @pages: pages allocated for sharing: ring and event pages, directory
 *	pages, and the data pages of buffers we allocated (our own pages, and
 *	ballooned pages for be-alloc buffers); imported pages do not count
 * @dbufs: display buffers created on the backend and not yet freed
 * @fbs: framebuffers attached on the backend and not yet destroyed
 * @evtchns: event channels allocated
 * @irqs: IRQs bound to event channels
 * @shadow_copied: not held, a running count: pages copied from a shadow to
 *	the backend's pages (be-alloc buffers in PV guests) since the module
 *	was loaded; stays 0 where the backend's pages are mapped directly
 */
struct xen_drm_front_acct {
	atomic_long_t grants;
	atomic_long_t pages;
	atomic_long_t dbufs;
	atomic_long_t fbs;
	atomic_long_t evtchns;
	atomic_long_t irqs;
	atomic_long_t shadow_copied;
};

extern struct xen_drm_front_acct xen_drm_front_acct;

/**
 * struct xen_drm_front_dbuf_info - a display buffer, as debugfs lists it
 * @link: in the DRM device's list of display buffers
 * @cookie: the backend's name for the buffer
 * @width: width in pixels, as told to the backend
 * @height: height in lines, as told to the backend
 * @bpp: bits per pixel, as told to the backend
 * @size: size in bytes
 * @num_pages: number of data pages
 * @num_grants: grant references we hold for it (directory and data pages)
 * @be_alloc: the backend allocated the data pages
 * @shadow: for @be_alloc, the CPU works on a copy of the backend's pages,
 *	copied over when shown (PV guests); else it maps them directly
 * @imported: the pages come from an imported dma-buf
 * @view: a framebuffer's second buffer over an object's pages, for a pitch
 *	or offset the object's own buffer cannot express
 * @data_ofs: where the pixels start in the first page (protocol v2)
 */
struct xen_drm_front_dbuf_info {
	struct list_head link;
	u64 cookie;
	u32 width;
	u32 height;
	u32 bpp;
	u64 size;
	unsigned int num_pages;
	unsigned int num_grants;
	bool be_alloc;
	bool shadow;
	bool imported;
	bool view;
	u32 data_ofs;
};

const char *xen_drm_front_op_name(u8 op);
void xen_drm_front_stats_account(struct xen_drm_front_info *front_info,
				 u8 op, int ret, s64 us);
void xen_drm_front_acct_evtchnl(const struct xen_drm_front_evtchnl *evtchnl,
				int sign);
void xen_drm_front_dbuf_track(struct xen_drm_front_drm_info *drm_info,
			      struct xen_drm_front_dbuf_info *info);
void xen_drm_front_dbuf_untrack(struct xen_drm_front_drm_info *drm_info,
				struct xen_drm_front_dbuf_info *info);

int xen_drm_front_debugfs_state_show(struct seq_file *m,
				     struct xen_drm_front_drm_info *drm_info);
int xen_drm_front_debugfs_buffers_show(struct seq_file *m,
				       struct xen_drm_front_drm_info *drm_info);
int xen_drm_front_debugfs_stats_show(struct seq_file *m,
				     struct xen_drm_front_drm_info *drm_info);

#if IS_ENABLED(CONFIG_DEBUG_FS)
void xen_drm_front_debugfs_init(struct drm_minor *minor);
#else
#define xen_drm_front_debugfs_init	NULL
#endif

#endif /* __XEN_DRM_FRONT_DEBUGFS_H_ */
