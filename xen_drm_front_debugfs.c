// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * Xen para-virtual DRM frontend: accounting, and its debugfs files.
 *
 * The driver counts what it holds (grant references, shared pages, display
 * buffers, framebuffers, event channels, IRQs) in module-wide counters and
 * keeps per-device request statistics. Three read-only files under the DRM
 * minor's debugfs directory show them, with the negotiated configuration
 * and the live buffers:
 *
 *   xen_front_state    protocol version, xenbus states, connectors, rings
 *   xen_front_buffers  display buffers and framebuffers known to the backend
 *   xen_front_stats    what the driver holds; requests by operation
 *
 * Nothing printed is a kernel address: buffers and framebuffers are named
 * by their cookies, which are counters (see xen_drm_front_new_cookie()).
 * Without CONFIG_DEBUG_FS only the counters remain.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/debugfs.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/string_helpers.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_mode_config.h>

#include <xen/grant_table.h>
#include <xen/xenbus.h>

#include "xen_drm_front.h"
#include "xen_drm_front_debugfs.h"
#include "xen_drm_front_evtchnl.h"
#include "xen_drm_front_kms.h"

/* What the driver holds, all devices together. */
struct xen_drm_front_acct xen_drm_front_acct;

static unsigned int op_slot(u8 op)
{
	unsigned int slot = op - XEN_DRM_FRONT_STATS_OP_FIRST;

	if (op < XEN_DRM_FRONT_STATS_OP_FIRST ||
	    slot >= XEN_DRM_FRONT_STATS_NUM_OPS)
		return XEN_DRM_FRONT_STATS_NUM_OPS;
	return slot;
}

/**
 * xen_drm_front_stats_account() - count a request's outcome
 * @front_info: the device
 * @op: the request's operation
 * @ret: what xen_drm_front_evtchnl_call() returns for it
 * @us: its round trip in microseconds, or negative if it was never put on
 *	the ring (ignored for a timeout)
 *
 * Context: front_info->io_lock held.
 */
void xen_drm_front_stats_account(struct xen_drm_front_info *front_info,
				 u8 op, int ret, s64 us)
{
	struct xen_drm_front_op_stats *s = &front_info->stats.op[op_slot(op)];

	lockdep_assert_held(&front_info->io_lock);
	if (us < 0) {
		s->not_sent++;
		return;
	}
	s->sent++;
	if (ret == -ETIMEDOUT) {
		s->timeouts++;
		return;
	}
	if (ret)
		s->errors++;
	s->last_us = us;
	s->max_us = max_t(u64, s->max_us, us);
}

/**
 * xen_drm_front_acct_evtchnl() - count what a channel holds
 * @evtchnl: the channel
 * @sign: 1 once it is set up (or half set up), -1 before it is freed
 *
 * Counts the ring or event page and its grant, the event channel and the
 * IRQ, those of them the channel has.
 */
void xen_drm_front_acct_evtchnl(const struct xen_drm_front_evtchnl *evtchnl,
				int sign)
{
	const void *page = evtchnl->type == EVTCHNL_TYPE_REQ ?
		(const void *)evtchnl->u.req.ring.sring :
		(const void *)evtchnl->u.evt.page;

	if (page) {
		atomic_long_add(sign, &xen_drm_front_acct.pages);
		if (evtchnl->gref != INVALID_GRANT_REF)
			atomic_long_add(sign, &xen_drm_front_acct.grants);
	}
	if (evtchnl->port)
		atomic_long_add(sign, &xen_drm_front_acct.evtchns);
	if (evtchnl->irq > 0)
		atomic_long_add(sign, &xen_drm_front_acct.irqs);
}

/**
 * xen_drm_front_dbuf_track() - list a display buffer the backend now knows
 * @drm_info: the DRM device
 * @info: the buffer's description, filled in; stays listed until
 *	xen_drm_front_dbuf_untrack()
 */
void xen_drm_front_dbuf_track(struct xen_drm_front_drm_info *drm_info,
			      struct xen_drm_front_dbuf_info *info)
{
	mutex_lock(&drm_info->dbufs_lock);
	list_add_tail(&info->link, &drm_info->dbufs);
	mutex_unlock(&drm_info->dbufs_lock);
	atomic_long_inc(&xen_drm_front_acct.dbufs);
}

/**
 * xen_drm_front_dbuf_untrack() - unlist a display buffer being freed
 * @drm_info: the DRM device
 * @info: a description listed by xen_drm_front_dbuf_track()
 */
void xen_drm_front_dbuf_untrack(struct xen_drm_front_drm_info *drm_info,
				struct xen_drm_front_dbuf_info *info)
{
	mutex_lock(&drm_info->dbufs_lock);
	list_del(&info->link);
	mutex_unlock(&drm_info->dbufs_lock);
	atomic_long_dec(&xen_drm_front_acct.dbufs);
}

static const char * const op_names[XEN_DRM_FRONT_STATS_SLOTS] = {
	"DBUF_CREATE", "DBUF_DESTROY", "FB_ATTACH", "FB_DETACH",
	"SET_CONFIG", "PG_FLIP", "GET_EDID", "other",
};

/**
 * xen_drm_front_op_name() - displif's name for a request operation
 * @op: XENDISPL_OP_*
 *
 * Return: the name without its XENDISPL_OP_ prefix, "other" if unknown.
 */
const char *xen_drm_front_op_name(u8 op)
{
	return op_names[op_slot(op)];
}

#if IS_ENABLED(CONFIG_DEBUG_FS) || IS_ENABLED(CONFIG_KUNIT)

static const char *evtchnl_state_name(enum xen_drm_front_evtchnl_state state)
{
	switch (state) {
	case EVTCHNL_STATE_DISCONNECTED:
		return "disconnected";
	case EVTCHNL_STATE_CONNECTED:
		return "connected";
	case EVTCHNL_STATE_BROKEN:
		return "broken";
	}
	return "?";
}

/* A copy of a connector's channels, taken under io_lock. */
struct evtchnl_snapshot {
	enum xen_drm_front_evtchnl_state req_state, evt_state;
	evtchn_port_t req_port, evt_port;
	int req_irq, evt_irq;
	grant_ref_t req_gref, evt_gref;
	RING_IDX req_prod, rsp_cons;
	bool pending, stalled;
	u16 next_id, evt_next_id;
};

static void show_connector_rings(struct seq_file *m,
				 struct xen_drm_front_info *front_info,
				 unsigned int i)
{
	struct xen_drm_front_evtchnl_pair *pair = &front_info->evt_pairs[i];
	struct evtchnl_snapshot s;
	unsigned long flags;

	spin_lock_irqsave(&front_info->io_lock, flags);
	s.req_state = pair->req.state;
	s.req_port = pair->req.port;
	s.req_irq = pair->req.irq;
	s.req_gref = pair->req.gref;
	s.req_prod = pair->req.u.req.ring.req_prod_pvt;
	s.rsp_cons = pair->req.u.req.ring.rsp_cons;
	s.pending = pair->req.u.req.pending;
	s.stalled = pair->req.u.req.stalled;
	s.next_id = pair->req.u.req.next_id;
	s.evt_state = pair->evt.state;
	s.evt_port = pair->evt.port;
	s.evt_irq = pair->evt.irq;
	s.evt_gref = pair->evt.gref;
	s.evt_next_id = pair->evt.u.evt.next_id;
	spin_unlock_irqrestore(&front_info->io_lock, flags);

	seq_printf(m, "  req-ring: %s, port %u, irq %d, ring-ref %u, requests %u, responses %u, next-id %u%s%s\n",
		   evtchnl_state_name(s.req_state), s.req_port, s.req_irq,
		   s.req_gref, s.req_prod, s.rsp_cons, s.next_id,
		   s.pending ? ", pending" : "", s.stalled ? ", stalled" : "");
	seq_printf(m, "  evt-ring: %s, port %u, irq %d, ring-ref %u, next-id %u\n",
		   evtchnl_state_name(s.evt_state), s.evt_port, s.evt_irq,
		   s.evt_gref, s.evt_next_id);
}

/**
 * xen_drm_front_debugfs_state_show() - the xen_front_state file
 * @m: where to print
 * @drm_info: the DRM device
 *
 * The xenbus device and states, the negotiated protocol version and every
 * connector's configuration and rings.
 *
 * Context: process context; the DRM device is registered (its debugfs
 * files are removed before it is unplugged). The rings can be re-created
 * under a live DRM device (resume): front_info->pairs_sem keeps them.
 * Return: 0.
 */
int xen_drm_front_debugfs_state_show(struct seq_file *m,
				     struct xen_drm_front_drm_info *drm_info)
{
	struct xen_drm_front_info *front_info = READ_ONCE(drm_info->front_info);
	const struct xen_drm_front_cfg *cfg;
	struct xenbus_device *xb_dev;
	unsigned int i;

	if (!front_info) {
		seq_puts(m, "device: gone\n");
		return 0;
	}
	xb_dev = front_info->xb_dev;
	cfg = &front_info->cfg;
	seq_printf(m, "device: %s\n", dev_name(&xb_dev->dev));
	seq_printf(m, "frontend-state: %s\n", xenbus_strstate(xb_dev->state));
	seq_printf(m, "backend: domain %u, %s\n", xb_dev->otherend_id,
		   xb_dev->otherend ?: "-");
	/* Restored: the configuration is being read again (see resume). */
	if (READ_ONCE(front_info->resuming)) {
		seq_puts(m, "resuming: yes\n");
		return 0;
	}
	seq_printf(m, "protocol-version: %u\n", cfg->version);
	seq_printf(m, "be-alloc: %s\n", str_yes_no(cfg->be_alloc));
	seq_printf(m, "connectors: %u\n", cfg->num_connectors);
	down_read(&front_info->pairs_sem);
	for (i = 0; i < cfg->num_connectors; i++) {
		const struct xen_drm_front_cfg_connector *conn =
			&cfg->connectors[i];

		seq_printf(m, "connector %u: %ux%u, unique-id %s\n", i,
			   conn->width, conn->height,
			   conn->unique_id ?: "-");
		if (i < front_info->num_evt_pairs)
			show_connector_rings(m, front_info, i);
	}
	up_read(&front_info->pairs_sem);
	return 0;
}

/**
 * xen_drm_front_debugfs_buffers_show() - the xen_front_buffers file
 * @m: where to print
 * @drm_info: the DRM device
 *
 * Every display buffer the backend knows (cookie, layout, size, pages,
 * grants held, who allocated it), then every framebuffer (cookie, its
 * buffer's cookie, size, format).
 *
 * Context: process context. Return: 0.
 */
int xen_drm_front_debugfs_buffers_show(struct seq_file *m,
				       struct xen_drm_front_drm_info *drm_info)
{
	struct drm_device *dev = drm_info->drm_dev;
	struct xen_drm_front_dbuf_info *info;
	struct drm_framebuffer *fb;
	unsigned int n = 0;

	mutex_lock(&drm_info->dbufs_lock);
	list_for_each_entry(info, &drm_info->dbufs, link)
		n++;
	seq_printf(m, "dbufs: %u\n", n);
	list_for_each_entry(info, &drm_info->dbufs, link)
		seq_printf(m, "dbuf %#llx: %ux%u, bpp %u, size %llu, pages %u, grants %u, %s%s%s\n",
			   info->cookie, info->width, info->height, info->bpp,
			   info->size, info->num_pages, info->num_grants,
			   !info->be_alloc ? "fe-alloc" :
			   info->shadow ? "be-alloc, shadowed" :
			   "be-alloc, mapped directly",
			   info->imported ? ", imported" : "",
			   info->view ? ", view" : "");
	mutex_unlock(&drm_info->dbufs_lock);

	n = 0;
	mutex_lock(&dev->mode_config.fb_lock);
	drm_for_each_fb(fb, dev)
		n++;
	seq_printf(m, "fbs: %u\n", n);
	drm_for_each_fb(fb, dev)
		seq_printf(m, "fb %#llx: dbuf %#llx, %ux%u, format %p4cc\n",
			   xen_drm_front_fb_to_cookie(fb),
			   xen_drm_front_fb_to_dbuf_cookie(fb),
			   fb->width, fb->height, &fb->format->format);
	mutex_unlock(&dev->mode_config.fb_lock);
	return 0;
}

/**
 * xen_drm_front_debugfs_stats_show() - the xen_front_stats file
 * @m: where to print
 * @drm_info: the DRM device
 *
 * What the driver holds (all devices together), the pages it copied from
 * shadows of backend-allocated buffers, then this device's requests by
 * operation: sent, refused before sending, errors, timeouts, last and
 * longest round trip in microseconds.
 *
 * Context: process context. Return: 0.
 */
int xen_drm_front_debugfs_stats_show(struct seq_file *m,
				     struct xen_drm_front_drm_info *drm_info)
{
	struct xen_drm_front_info *front_info = READ_ONCE(drm_info->front_info);
	struct xen_drm_front_stats stats;
	unsigned long flags;
	unsigned int i;

	seq_printf(m, "held-grants: %ld\n",
		   atomic_long_read(&xen_drm_front_acct.grants));
	seq_printf(m, "held-pages: %ld\n",
		   atomic_long_read(&xen_drm_front_acct.pages));
	seq_printf(m, "held-dbufs: %ld\n",
		   atomic_long_read(&xen_drm_front_acct.dbufs));
	seq_printf(m, "held-fbs: %ld\n",
		   atomic_long_read(&xen_drm_front_acct.fbs));
	seq_printf(m, "held-evtchns: %ld\n",
		   atomic_long_read(&xen_drm_front_acct.evtchns));
	seq_printf(m, "held-irqs: %ld\n",
		   atomic_long_read(&xen_drm_front_acct.irqs));
	seq_printf(m, "shadow-copied-pages: %ld\n",
		   atomic_long_read(&xen_drm_front_acct.shadow_copied));
	if (!front_info)
		return 0;

	spin_lock_irqsave(&front_info->io_lock, flags);
	stats = front_info->stats;
	spin_unlock_irqrestore(&front_info->io_lock, flags);
	seq_printf(m, "%-12s %10s %8s %8s %8s %10s %10s\n", "request", "sent",
		   "not-sent", "errors", "timeouts", "last-us", "max-us");
	for (i = 0; i < XEN_DRM_FRONT_STATS_SLOTS; i++) {
		const struct xen_drm_front_op_stats *s = &stats.op[i];

		seq_printf(m, "%-12s %10llu %8llu %8llu %8llu %10llu %10llu\n",
			   op_names[i], s->sent, s->not_sent, s->errors,
			   s->timeouts, s->last_us, s->max_us);
	}
	return 0;
}

#endif /* CONFIG_DEBUG_FS || CONFIG_KUNIT */

#if IS_ENABLED(CONFIG_DEBUG_FS)

static struct xen_drm_front_drm_info *node_drm_info(struct seq_file *m)
{
	struct drm_info_node *node = m->private;

	return node->minor->dev->dev_private;
}

static int state_show(struct seq_file *m, void *unused)
{
	return xen_drm_front_debugfs_state_show(m, node_drm_info(m));
}

static int buffers_show(struct seq_file *m, void *unused)
{
	return xen_drm_front_debugfs_buffers_show(m, node_drm_info(m));
}

static int stats_show(struct seq_file *m, void *unused)
{
	return xen_drm_front_debugfs_stats_show(m, node_drm_info(m));
}

static const struct drm_info_list xen_drm_front_debugfs_list[] = {
	{ "xen_front_state", state_show, 0 },
	{ "xen_front_buffers", buffers_show, 0 },
	{ "xen_front_stats", stats_show, 0 },
};

/**
 * xen_drm_front_debugfs_init() - create the device's debugfs files
 * @minor: the DRM minor (drm_driver.debugfs_init)
 *
 * The files go with the minor's debugfs directory when the DRM device is
 * unregistered, which waits for readers to finish.
 */
void xen_drm_front_debugfs_init(struct drm_minor *minor)
{
	drm_debugfs_create_files(xen_drm_front_debugfs_list,
				 ARRAY_SIZE(xen_drm_front_debugfs_list),
				 minor->debugfs_root, minor);
}

#endif /* CONFIG_DEBUG_FS */
