/* SPDX-License-Identifier: GPL-2.0 OR MIT */

/*
 * Xen para-virtual DRM frontend: request rings, event pages, event channels.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#ifndef __XEN_DRM_FRONT_EVTCHNL_H_
#define __XEN_DRM_FRONT_EVTCHNL_H_

#include <linux/completion.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include <xen/interface/io/ring.h>
#include <xen/interface/io/displif.h>

/* Default time a backend gets to answer one request (displif: 3000 ms). */
#define XEN_DRM_FRONT_REQ_TIMEOUT_MS	3000

struct xen_drm_front_info;

enum xen_drm_front_evtchnl_state {
	EVTCHNL_STATE_DISCONNECTED,
	EVTCHNL_STATE_CONNECTED,
	/* The backend broke the ring protocol: no more I/O on this channel. */
	EVTCHNL_STATE_BROKEN,
};

enum xen_drm_front_evtchnl_type {
	EVTCHNL_TYPE_REQ,
	EVTCHNL_TYPE_EVT,
};

/**
 * struct xen_drm_front_evtchnl - one ring (requests or events) of a connector
 * @front_info: the device this channel belongs to
 * @index: the connector index
 * @type: request ring or event page
 * @state: connection state, changed under front_info->io_lock
 * @gref: grant reference of the ring page, INVALID_GRANT_REF if none
 * @port: event channel port, 0 if none
 * @irq: Linux IRQ bound to @port, 0 if none
 * @u: per-type state
 * @u.req: request ring state
 * @u.req.ring: the front ring
 * @u.req.lock: serializes requests: one request in flight per ring
 * @u.req.done: completed by the response matching @u.req.pending_id/op
 * @u.req.next_id: id for the next request
 * @u.req.pending: a request is waiting for its response
 * @u.req.async: that request was sent by xen_drm_front_evtchnl_send(): its
 *	response is taken in the IRQ and nobody waits for it
 * @u.req.waiter: somebody waits for that @u.req.async request's response:
 *	have it notified (see evtchnl_arm())
 * @u.req.sent_at: when that request was put on the ring, if somebody waits
 *	for its response (unset for @u.req.async ones)
 * @u.req.sent_jiffies: when that request was put on the ring, in jiffies
 * @u.req.pending_id: id of that request
 * @u.req.pending_op: operation of that request
 * @u.req.resp: copy of the matching response, valid after @u.req.done
 * @u.req.stalled: a request timed out and the backend has not answered
 *	anything since
 * @u.req.stall_end: until then, requests fail at once (in jiffies)
 * @u.evt: event page state
 * @u.evt.page: the shared event page
 * @u.evt.next_id: id the backend's next event should carry
 */
struct xen_drm_front_evtchnl {
	struct xen_drm_front_info *front_info;
	unsigned int index;
	enum xen_drm_front_evtchnl_type type;
	enum xen_drm_front_evtchnl_state state;
	grant_ref_t gref;
	evtchn_port_t port;
	int irq;
	union {
		struct {
			struct xen_displif_front_ring ring;
			struct mutex lock; /* one request in flight */
			struct completion done;
			u16 next_id;
			bool pending;
			bool async;
			bool waiter;
			ktime_t sent_at;
			unsigned long sent_jiffies;
			u16 pending_id;
			u8 pending_op;
			struct xendispl_resp resp;
			bool stalled;
			unsigned long stall_end;
		} req;
		struct {
			struct xendispl_event_page *page;
			u16 next_id;
		} evt;
	} u;
};

/**
 * struct xen_drm_front_evtchnl_pair - a connector's two channels
 * @req: the request ring (frontend to backend, with responses)
 * @evt: the event page (backend to frontend)
 */
struct xen_drm_front_evtchnl_pair {
	struct xen_drm_front_evtchnl req;
	struct xen_drm_front_evtchnl evt;
};

extern unsigned int xen_drm_front_req_timeout_ms;

int xen_drm_front_evtchnl_create_all(struct xen_drm_front_info *front_info);
int xen_drm_front_evtchnl_publish_all(struct xen_drm_front_info *front_info);
void xen_drm_front_evtchnl_set_state(struct xen_drm_front_info *front_info,
				     enum xen_drm_front_evtchnl_state state);
void xen_drm_front_evtchnl_free_all(struct xen_drm_front_info *front_info);
int xen_drm_front_evtchnl_call(struct xen_drm_front_info *front_info,
			       unsigned int conn_idx, struct xendispl_req *req,
			       struct xendispl_resp *resp);
int xen_drm_front_evtchnl_send(struct xen_drm_front_info *front_info,
			       unsigned int conn_idx, struct xendispl_req *req);
void xen_drm_front_evtchnl_settle(struct xen_drm_front_info *front_info,
				  unsigned int conn_idx);
void xen_drm_front_evtchnl_poll(struct xen_drm_front_info *front_info,
				unsigned int conn_idx);
int xen_drm_front_evtchnl_status_to_errno(s32 status);

#endif /* __XEN_DRM_FRONT_EVTCHNL_H_ */
