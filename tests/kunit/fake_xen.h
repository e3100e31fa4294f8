/* SPDX-License-Identifier: GPL-2.0 OR MIT */

/*
 * A fake Xen for the frontend's KUnit tests (CONFIG_XEN=n).
 *
 * fake_xen.c defines the Xen functions the driver calls: an in-memory
 * XenStore with transactions, the xenbus device helpers, a grant table,
 * event channels bound to handlers a test can raise, ballooned pages and
 * grant mapping. Everything is counted, so a test can check that the
 * driver gave everything back. It also contains a scripted backend that
 * finds the rings through XenStore and the grant table, exactly as a real
 * backend would, and answers requests and sends events.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#ifndef __XEN_DRM_FRONT_FAKE_XEN_H_
#define __XEN_DRM_FRONT_FAKE_XEN_H_

#include <linux/completion.h>
#include <linux/device.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <xen/grant_table.h>
#include <xen/xenbus.h>
#include <xen/interface/io/displif.h>

#include <kunit/test.h>

struct xen_drm_front_info;

/* Grant references the fake hands out: FAKE_GNT_FIRST..FAKE_GNT_MAX-1. */
#define FAKE_GNT_FIRST		8
#define FAKE_GNT_MAX		8192
/* References the backend grants to us (be-alloc) start here. */
#define FAKE_BE_GNT_FIRST	0x100000
#define FAKE_BE_GNT_MAX		8192

#define FAKE_MAX_IRQS		64
#define FAKE_IRQ_BASE		1000
#define FAKE_PORT_BASE		10

/* The backend's domain in every test. */
#define FAKE_BACKEND_DOMID	7

/* ---- global state ---- */

/* Reset everything (call from a suite's init). */
void fake_xen_reset(void);
/*
 * Count what is still held by the driver: grant references not free,
 * event channels, bound IRQs, ring pages, ballooned pages, mapped
 * backend grants. Zero when everything was given back.
 */
unsigned int fake_xen_leaks(struct kunit *test);

/* Misuse of the fake's API seen so far (double free, wrong ref...). */
unsigned int fake_xen_errors(void);

/* ---- XenStore ---- */

int fake_xs_write(const char *path, const char *val);
int fake_xs_writef(const char *path, const char *fmt, ...) __printf(2, 3);
/* Copy of the value at @path into @buf; false if there is none. */
bool fake_xs_read(const char *path, char *buf, size_t len);
bool fake_xs_exists(const char *path);
void fake_xs_rm(const char *path);
/* Number of nodes whose path starts with @prefix. */
unsigned int fake_xs_count(const char *prefix);
/* The next @n xenbus_transaction_end(..., 0) return -EAGAIN. */
void fake_xs_set_eagain(unsigned int n);
unsigned int fake_xs_transactions_started(void);
unsigned int fake_xs_transactions_open(void);
/* Make reads of @path fail with @err (0: stop). */
void fake_xs_fail_read(const char *path, int err);

/* ---- xenbus device ---- */

#define FAKE_MAX_STATES		32

struct fake_xb_dev {
	struct xenbus_device xb;
	char nodename[64];
	char otherend[64];
	/* Frontend states switched to, in order. */
	enum xenbus_state states[FAKE_MAX_STATES];
	unsigned int num_states;
	unsigned int fatal_count;
	int fatal_err;
	char fatal_msg[128];
	unsigned int error_count;
	unsigned int frontend_closed;
	/* Backend's reaction to the frontend switching state, if any. */
	void (*on_switch)(struct fake_xb_dev *fdev, enum xenbus_state state);
	void *priv;
};

static inline struct fake_xb_dev *to_fake_xb_dev(struct xenbus_device *xb)
{
	return container_of(xb, struct fake_xb_dev, xb);
}

/*
 * A registered device "vdispl-<index>" under a root device, with
 * nodename device/vdispl/<index> and otherend backend/vdispl/1/<index>,
 * otherend_id FAKE_BACKEND_DOMID. Free with fake_xb_dev_destroy().
 */
struct fake_xb_dev *fake_xb_dev_create(struct kunit *test, unsigned int index);
void fake_xb_dev_destroy(struct fake_xb_dev *fdev);
/* Set the backend's state node (what xenbus_read_driver_state() reads). */
void fake_xb_set_backend_state(struct fake_xb_dev *fdev, enum xenbus_state s);
/* Write a connector's frontend config node: "<nodename>/<i>/<node>". */
void fake_xb_write_conn(struct fake_xb_dev *fdev, unsigned int i,
			const char *node, const char *val);

/* ---- grant table ---- */

enum fake_gnt_state {
	FAKE_GNT_FREE,
	FAKE_GNT_RESERVED,	/* in a private list from alloc_grant_references */
	FAKE_GNT_CLAIMED,
	FAKE_GNT_GRANTED,
};

struct fake_grant {
	enum fake_gnt_state state;
	domid_t domid;
	unsigned long frame;
	bool readonly;
	unsigned int times_granted;
};

/* Limit how many references may be in use at once (0: FAKE_GNT_MAX). */
void fake_gnttab_set_capacity(unsigned int n);
unsigned int fake_gnttab_in_use(void);
/* Claims from an exhausted private list (more claimed than reserved). */
unsigned int fake_gnttab_claim_empty(void);
unsigned int fake_gnttab_granted(void);
/* Copy of a reference's state; false for a reference out of range. */
bool fake_gnttab_get(grant_ref_t ref, struct fake_grant *out);
/* The page a granted reference shares (what the backend would map). */
struct page *fake_gnttab_page(grant_ref_t ref);

/* Backend-owned grants, for be-alloc buffers. */
grant_ref_t fake_gnttab_backend_grant(struct page *page);
/* Revoke and free every backend grant that is not mapped by us. */
void fake_gnttab_backend_revoke_all(void);
unsigned int fake_gnttab_backend_granted(void);
unsigned int fake_gnttab_backend_mapped(void);
/* Make the next gnttab_map_refs() fail the @n-th op (1-based; 0: none). */
void fake_gnttab_fail_map_op(unsigned int n);
/* The page a backend grant is currently mapped at, NULL if it is not. */
struct page *fake_gnttab_backend_mapped_at(grant_ref_t ref);

/* ---- event channels and IRQs ---- */

/* Make the @n-th xenbus_alloc_evtchn() call from now fail (1: the next). */
void fake_evtchn_fail_alloc(unsigned int n);
/* Make the @n-th xenbus_setup_ring() call from now fail (1: the next). */
void fake_ring_fail_setup(unsigned int n);
/* The IRQ bound to @port, or 0. */
int fake_irq_of_port(evtchn_port_t port);
/* Run the handler bound to @irq, in hard IRQ context. */
void fake_irq_raise(int irq);
unsigned int fake_irq_notify_count(int irq);
unsigned int fake_irq_eoi_count(int irq);
unsigned int fake_irq_last_eoi_flags(int irq);
bool fake_irq_bound(int irq);
/* Called from notify_remote_via_irq(), in the notifier's context. */
void fake_irq_set_notify_hook(void (*hook)(int irq, void *data), void *data);

/* ---- ballooned pages ---- */

unsigned int fake_balloon_pages(void);
/* Make the @n-th xen_alloc_ballooned_pages() call fail (1: the next). */
void fake_balloon_fail(unsigned int n);

/* ---- the scripted backend ---- */

#define FAKE_BE_LOG		128
#define FAKE_BE_MAX_CONNS	8

struct fake_be_req {
	unsigned int conn;
	struct xendispl_req req;
};

struct fake_be_conn {
	struct xen_displif_back_ring ring;
	struct xendispl_event_page *evt_page;
	int req_irq;
	int evt_irq;
	u16 evt_id;
	unsigned int evt_prod;
};

struct fake_be {
	struct kunit *test;
	struct fake_xb_dev *fdev;
	unsigned int num_conns;
	struct fake_be_conn conn[FAKE_BE_MAX_CONNS];
	spinlock_t lock; /* the log and the rings */
	/* Answer requests from notify_remote_via_irq() (else: call process). */
	bool sync;
	/* Per-operation status to answer with, and operations not answered. */
	s32 status[256];
	bool drop[256];
	/* Like a real backend: EVT_PG_FLIP after each successful PG_FLIP. */
	bool auto_flip_evt;
	/* Corruptions of the next responses. */
	int id_delta;
	int op_override;
	/*
	 * be-alloc: DBUF_CREATE with REQ_ALLOC makes us grant pages of our
	 * own into the buffer's directory (one of them 0 if asked to).
	 */
	bool be_alloc_zero_gref;
	/* If not 0: the last reference of such a directory (a bogus one). */
	grant_ref_t be_alloc_bad_gref;
	/*
	 * GET_EDID: @edid_len bytes of @edid are written into the buffer
	 * and edid_sz is answered with @edid_sz (whatever they are).
	 */
	const u8 *edid;
	unsigned int edid_len;
	u32 edid_sz;
	/* The directory of the last be-alloc DBUF_CREATE was writable. */
	bool be_alloc_dir_writable;
	/* Backend grants we had mapped when DBUF_DESTROY came. */
	unsigned int mapped_at_destroy;
	/* FB_ATTACH of these formats is refused with -EINVAL. */
	u32 refuse_formats[4];
	unsigned int num_refuse_formats;
	/* Requests seen, in order. */
	struct fake_be_req log[FAKE_BE_LOG];
	unsigned int num_log;
	/* Requests taken off the log by fake_be_forget(), per operation. */
	unsigned int forgotten[256];
	/* Responses produced. */
	unsigned int num_resp;
	struct completion got_request;
};

/*
 * Attach to a frontend that published its rings: read "<i>/req-ring-ref",
 * "<i>/req-event-channel", "<i>/evt-ring-ref" and "<i>/evt-event-channel"
 * for @num_conns connectors, and answer requests.
 */
int fake_be_attach(struct kunit *test, struct fake_be *be,
		   struct fake_xb_dev *fdev, unsigned int num_conns);
void fake_be_detach(struct fake_be *be);
/*
 * Answer every request waiting on a connector's ring; raise its IRQ if the
 * ring's rsp_event asks for it.
 */
void fake_be_process(struct fake_be *be, unsigned int conn);
/* Put an event on a connector's event page, optionally raise the IRQ. */
void fake_be_send_event(struct fake_be *be, unsigned int conn, u8 type,
			u64 fb_cookie, bool raise);
/* Put a response of our making on a connector's ring. */
void fake_be_respond_raw(struct fake_be *be, unsigned int conn, u16 id, u8 op,
			 s32 status, bool raise);
/* Number of logged requests with operation @op (any connector). */
unsigned int fake_be_count(struct fake_be *be, u8 op);
/*
 * Empty the log, counting what it held in @be->forgotten (the frontend's
 * format probe at connect, which most tests do not look at).
 */
void fake_be_forget(struct fake_be *be);
/* The last logged request with operation @op, NULL if none. */
const struct fake_be_req *fake_be_last(struct fake_be *be, u8 op);

#endif /* __XEN_DRM_FRONT_FAKE_XEN_H_ */
