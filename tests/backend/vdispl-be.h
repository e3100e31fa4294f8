/* SPDX-License-Identifier: MIT */
/*
 * vdispl-be: a test backend for the Xen para-virtual display protocol
 * (displif, include/xen/interface/io/displif.h, protocol version 2).
 *
 * It runs in dom0, serves drm_xen_front (or any displif frontend), checks
 * every request strictly, records what the guest displays, and can inject
 * faults. This header holds the shared types; see README.md for the CLI.
 */
#ifndef VDISPL_BE_H
#define VDISPL_BE_H

/* Xen tools interface: ring.h then takes our barrier macros below */
#ifndef __XEN_TOOLS__
#define __XEN_TOOLS__ 1
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * ring.h wants the barrier macros from the includer (we build with
 * __XEN_TOOLS__ so it does not map them onto kernel mb()/rmb()/wmb()).
 * x86 is TSO: reads/writes to shared memory need only compiler barriers,
 * except the store->load ordering of xen_mb().
 */
#define xen_mb()  __sync_synchronize()
#define xen_rmb() __asm__ __volatile__("" ::: "memory")
#define xen_wmb() __asm__ __volatile__("" ::: "memory")

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/io/displif.h>

#define XEN_PAGE_SZ        4096u
/* struct xendispl_page_directory: one next pointer + 1023 grant refs per page */
#define GREFS_PER_DIR_PAGE ((XEN_PAGE_SZ - sizeof(grant_ref_t)) / sizeof(grant_ref_t))
#define MAX_CONNECTORS     16
#define MAX_BUFFER_SZ      (512u << 20)   /* absurdly large dbuf: reject */
#define MAX_EDID_BUF_SZ    (1u << 20)
#define MAX_EDID_MODES     16
#define EVT_QUEUE_LEN      256            /* events waiting for ring space/vsync */
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ARRAY_SIZE(a)      (sizeof(a) / sizeof((a)[0]))

/* XenbusState values (xen/io/xenbus.h) */
enum {
	XB_UNKNOWN = 0, XB_INITIALISING = 1, XB_INITWAIT = 2, XB_INITIALISED = 3,
	XB_CONNECTED = 4, XB_CLOSING = 5, XB_CLOSED = 6, XB_RECONFIGURING = 7,
};

/* ------------------------------------------------------------------ */
/* Pixel formats (DRM fourcc codes, little-endian packing as in DRM)   */

struct pixfmt {
	uint32_t fourcc;
	const char *name;   /* DRM_FORMAT_* without the prefix */
	unsigned int bpp;   /* bits per pixel */
};

#define FOURCC(a, b, c, d) ((uint32_t)(a) | ((uint32_t)(b) << 8) | \
			    ((uint32_t)(c) << 16) | ((uint32_t)(d) << 24))

const struct pixfmt *pixfmt_find(uint32_t fourcc);
const char *fourcc_str(uint32_t fourcc, char buf[16]);
/* Convert one line of @width pixels to 0x00RRGGBB. @avail = readable bytes. */
void pixfmt_line_to_rgb(const struct pixfmt *f, const uint8_t *src, size_t avail,
			uint32_t width, uint32_t *dst);

/* FNV-1a 64 over 0x00RRGGBB pixel values, each fed as 4 LE bytes */
#define FNV64_INIT  0xcbf29ce484222325ull
#define FNV64_PRIME 0x100000001b3ull
uint64_t fnv1a64_rgb(uint64_t h, const uint32_t *px, size_t n);

/* A frame as scanned out: either a live view of a mapped dbuf or a copy */
struct frame {
	uint32_t width, height, pitch;
	const struct pixfmt *fmt;   /* NULL: blank (black) */
	uint64_t fb_cookie;
	const uint8_t *pixels;
	size_t avail;               /* bytes readable at pixels */
	uint8_t *owned;             /* malloc'ed copy (snapshots), else NULL */
};

void frame_free(struct frame *f);
/* Deep copy of @src into @dst (dst->owned holds the pixels). */
int frame_snapshot(struct frame *dst, const struct frame *src);
/* Write PNG + txt; @path_base is "DIR/name" without extension. */
struct conn_counters { uint64_t flips, set_configs; };
int frame_dump(const struct frame *f, const char *path_base,
	       const struct conn_counters *cnt, uint64_t *checksum_out);
int write_file_atomic(const char *path, const void *data, size_t len);

/* ------------------------------------------------------------------ */
/* EDID                                                                */

struct mode { uint32_t w, h; };
/* Build an EDID: preferred = @pref at 60 Hz, then @extra modes. Returns
 * size in bytes (multiple of 128) or -1. @buf must hold 4 blocks. */
int edid_build(uint8_t *buf, size_t bufsz, struct mode pref,
	       const struct mode *extra, unsigned int nextra);
/* true if the EDID also lists 640x480@60 (established timing, CTA rule) */
bool edid_has_vga(unsigned int nextra);

/* ------------------------------------------------------------------ */
/* Grant / event-channel access, real or faked for --selftest          */

struct xen_ops {
	/* map @count grants of @domid contiguously; NULL on failure */
	void *(*map)(uint32_t domid, uint32_t count, const uint32_t *refs, bool writable);
	int (*unmap)(void *addr, uint32_t count);
	/* allocate @count pages granted to @domid (writable); refs out */
	void *(*share)(uint32_t domid, uint32_t count, uint32_t *refs);
	int (*unshare)(void *addr, uint32_t count);
	int (*notify)(uint32_t port);
};
extern const struct xen_ops *xops;
extern const struct xen_ops real_xen_ops;
int xen_real_open(void);   /* gnttab + gntshr; event channels in main.c */

/* ------------------------------------------------------------------ */
/* Options and faults                                                  */

enum fault_kind {
	FAULT_NONE, FAULT_DELAY, FAULT_NOANSWER, FAULT_ERROR, FAULT_BADID,
	FAULT_BADOP, FAULT_GARBAGE, FAULT_DROPEVENTS, FAULT_CLOSE, FAULT_RANDOM,
};

struct options {
	const char *out_dir;
	const char *versions;        /* NULL with --no-versions */
	bool no_edid;
	struct mode edid_modes[MAX_EDID_MODES];
	unsigned int n_edid_modes;
	enum fault_kind fault;
	long fault_arg;              /* ms, errno, or N */
	const char *fault_str;
	/* --fault-random SEED[,PERMILLE[,COUNT]] */
	uint64_t fault_seed;
	unsigned int fault_permille;  /* eligible requests garbled, per 1000 */
	unsigned int fault_count;     /* garbled items in all, then behave */
	uint64_t fault_after;
	int fault_op;                /* -1: all ops */
	int fault_conn;              /* -1: all connectors */
	bool restart;
	unsigned int vsync_hz;
	bool verbose;
	bool quiet;                  /* selftest: VIOLATION/NOTE only to trace.log */
	unsigned int domid;          /* our own domid */
	/* --refuse-formats: FB_ATTACH answers -XEN_EINVAL, as displ_be does
	 * for a format its display cannot scan out */
	uint32_t refuse_formats[16];
	unsigned int n_refuse_formats;
};
extern struct options opt;

/* ------------------------------------------------------------------ */
/* Protocol objects                                                    */

struct dbuf {
	struct dbuf *next;
	uint64_t cookie;
	uint32_t width, height, bpp, buffer_sz, data_ofs, flags;
	uint32_t pitch;       /* DIV_ROUND_UP(width * bpp, 8); 0 if unknown */
	uint32_t npages;
	uint8_t *map;         /* all npages, contiguous */
	bool ours;            /* REQ_ALLOC: pages shared by us (gntshr) */
};

struct fb {
	struct fb *next;
	uint64_t cookie;
	struct dbuf *dbuf;
	uint32_t width, height;
	const struct pixfmt *fmt;
	uint32_t pitch;       /* bytes per line used for scan-out */
};

struct pending_rsp {
	struct xendispl_resp rsp;
	int64_t due_ns;
	bool flip_evt;        /* send EVT_PG_FLIP after this response */
	uint64_t fb_cookie;
};

struct pending_evt {
	int64_t due_ns;
	uint64_t fb_cookie;
};

struct device;

struct connector {
	struct device *dev;
	unsigned int idx;
	struct mode res;
	char unique_id[128];
	/* transport */
	uint32_t req_ref, evt_ref, req_remote_port, evt_remote_port;
	int req_port, evt_port;            /* local, -1 if unbound */
	struct xen_displif_sring *sring;
	xen_displif_back_ring_t ring;
	bool ring_dead;                    /* stopped after a violation/garbage */
	struct xendispl_event_page *evt_page;
	uint32_t evt_prod;                 /* our private copy of in_prod */
	uint16_t evt_id;                   /* next event id */
	bool evt_broken;                   /* in_cons insane: logged once */
	struct pending_rsp rsp_q[64];      /* delayed responses, FIFO */
	unsigned int rsp_head, rsp_n;
	struct pending_evt evt_q[EVT_QUEUE_LEN];
	unsigned int evt_head, evt_n;
	/* display state */
	struct fb *shown;                  /* live displayed fb, or NULL */
	struct frame snap;                 /* copy when the shown fb went away */
	bool snap_valid;
	struct frame last;                 /* last frame before a disable */
	bool last_valid;
	bool last_dumped;                  /* conn<i>-last.* already written */
	uint32_t cfg_x, cfg_y, cfg_w, cfg_h, cfg_bpp;
	bool enabled;
	struct conn_counters cnt;
};

enum dev_mode {
	DM_NEW,           /* just discovered */
	DM_WAIT,          /* backend InitWait, waiting for frontend Initialised */
	DM_CONNECTED,     /* rings mapped, backend Connected */
	DM_RESET,         /* writing Closing/Closed to kick a stale frontend */
	DM_CLOSED,        /* backend Closed (fault or fatal error) */
};

struct device {
	struct device *next;
	unsigned int fe_domid, devid;
	char be_path[128];
	char fe_path[256];
	char fe_watch_token[64];
	enum dev_mode mode;
	int be_state;          /* what we last wrote */
	int fe_state;          /* last seen */
	int foreign_state;     /* Closing/Closed found written by someone else */
	bool be_alloc;
	int version;           /* negotiated: 1, 2, or 0 = unspecified */
	unsigned int nconns;
	struct connector conns[MAX_CONNECTORS];
	struct dbuf *dbufs;
	struct fb *fbs;
	unsigned int ndbufs, nfbs;
	uint64_t flips, violations, requests;
	int64_t timer_ns;      /* next action for DM_RESET / DM_CLOSED restart */
	int reset_step;
	unsigned int resets;   /* consecutive stale-frontend resets */
	bool restart_allowed;  /* DM_CLOSED: may go back to InitWait */
	bool close_pending;    /* close:N fault triggered */
};

/* ------------------------------------------------------------------ */
/* Shared helpers (main.c)                                             */

int64_t now_ns(void);
double t_rel(void);
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void violation(struct device *d, int conn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void note(struct device *d, int conn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void status_dirty(void);
extern uint64_t g_requests, g_violations, g_notes, g_dumps;
/* --fault-random: garbled items so far (violations after the first one are
 * reported as AFTER-FAULT notes: they may be our own doing) */
extern uint64_t g_random_acts;

/* proto.c: request handling */
const char *op_name(unsigned int op);
int op_by_name(const char *name);
void conn_process_ring(struct connector *c);
void fault_random_init(void);
void conn_run_timers(struct connector *c, int64_t now, int64_t *next_due);
void dev_free_buffers(struct device *d);   /* snapshots shown frames first */
void dev_dump(struct device *d, const char *why);
void conn_reset_display(struct connector *c);
void conn_take_snapshot(struct connector *c);
int conn_attach(struct connector *c, void *ring_page, void *evt_page);
void conn_detach(struct connector *c);
/* xs.c: XenStore side, device life cycle */
extern struct device *g_devs;
int xs_setup(void);                 /* returns the watch fd */
void xs_handle_watches(void);
void xs_run_timers(int64_t now, int64_t *next_due);
void xs_port_event(int port);
void dev_request_close(struct device *d);
void dump_all(const char *why);

#endif /* VDISPL_BE_H */
