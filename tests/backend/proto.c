/* SPDX-License-Identifier: MIT */
/*
 * displif request handling: the seven operations, strict validation,
 * EVT_PG_FLIP delivery, fault injection, and what is displayed.
 *
 * The frontend is untrusted: every request is copied out of the shared ring
 * before it is looked at, indices are checked against the ring size, and
 * every loop is bounded.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vdispl-be.h"

static const char *const op_names[] = {
	[XENDISPL_OP_DBUF_CREATE] = "DBUF_CREATE",
	[XENDISPL_OP_DBUF_DESTROY] = "DBUF_DESTROY",
	[XENDISPL_OP_FB_ATTACH] = "FB_ATTACH",
	[XENDISPL_OP_FB_DETACH] = "FB_DETACH",
	[XENDISPL_OP_SET_CONFIG] = "SET_CONFIG",
	[XENDISPL_OP_PG_FLIP] = "PG_FLIP",
	[XENDISPL_OP_GET_EDID] = "GET_EDID",
};

const char *op_name(unsigned int op)
{
	if (op < ARRAY_SIZE(op_names) && op_names[op])
		return op_names[op];
	return "UNKNOWN";
}

int op_by_name(const char *name)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(op_names); i++)
		if (op_names[i] && !strcasecmp(op_names[i], name))
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Lookup helpers                                                      */

static struct dbuf *dbuf_find(struct device *d, uint64_t cookie)
{
	unsigned int n = 0;

	for (struct dbuf *b = d->dbufs; b && n <= d->ndbufs; b = b->next, n++)
		if (b->cookie == cookie)
			return b;
	return NULL;
}

static struct fb *fb_find(struct device *d, uint64_t cookie)
{
	unsigned int n = 0;

	for (struct fb *f = d->fbs; f && n <= d->nfbs; f = f->next, n++)
		if (f->cookie == cookie)
			return f;
	return NULL;
}

/* End of an op's meaningful bytes (sizeof would include tail padding). */
#define OP_END(type, last) (offsetof(type, last) + sizeof(((type *)0)->last))

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Header reserved bytes and the union bytes after the op's struct. */
static bool reserved_ok(struct device *d, int ci, const struct xendispl_req *req,
			size_t op_size)
{
	if (!all_zero(req->reserved, sizeof(req->reserved))) {
		violation(d, ci, "id=%u %s: header reserved bytes not zero",
			  req->id, op_name(req->operation));
		return false;
	}
	if (!all_zero((const uint8_t *)&req->op + op_size, sizeof(req->op) - op_size)) {
		violation(d, ci, "id=%u %s: reserved bytes after offset %zu not zero",
			  req->id, op_name(req->operation), 8 + op_size);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Display state                                                       */

static void fb_frame(const struct fb *fb, struct frame *f)
{
	const struct dbuf *b = fb->dbuf;

	memset(f, 0, sizeof(*f));
	f->width = fb->width;
	f->height = fb->height;
	f->pitch = fb->pitch;
	f->fmt = fb->fmt;
	f->fb_cookie = fb->cookie;
	f->pixels = b->map + b->data_ofs;
	f->avail = b->buffer_sz - b->data_ofs;
}

/* The shown fb goes away (detach/destroy/disconnect): keep a copy. */
void conn_take_snapshot(struct connector *c)
{
	struct frame live;

	if (!c->shown)
		return;
	fb_frame(c->shown, &live);
	if (frame_snapshot(&c->snap, &live) == 0)
		c->snap_valid = true;
	c->shown = NULL;
}

static void conn_clear_snapshot(struct connector *c)
{
	frame_free(&c->snap);
	c->snap_valid = false;
}

void conn_reset_display(struct connector *c)
{
	c->shown = NULL;
	conn_clear_snapshot(c);
	frame_free(&c->last);
	c->last_valid = false;
	c->last_dumped = false;
	c->enabled = false;
	c->cfg_x = c->cfg_y = c->cfg_w = c->cfg_h = c->cfg_bpp = 0;
	memset(&c->cnt, 0, sizeof(c->cnt));
}

static void fb_unshow(struct device *d, struct fb *fb, const char *why)
{
	for (unsigned int i = 0; i < d->nconns; i++) {
		struct connector *c = &d->conns[i];
		if (c->shown == fb) {
			note(d, (int)i, "%s fb 0x%llx while it is displayed: keeping its last frame",
			     why, (unsigned long long)fb->cookie);
			conn_take_snapshot(c);
		}
	}
}

static void fb_remove(struct device *d, struct fb *fb)
{
	struct fb **pp = &d->fbs;
	unsigned int n = 0;

	while (*pp && n++ <= d->nfbs) {
		if (*pp == fb) {
			*pp = fb->next;
			d->nfbs--;
			free(fb);
			return;
		}
		pp = &(*pp)->next;
	}
}

static void dbuf_release(struct dbuf *b)
{
	if (b->map) {
		if (b->ours)
			xops->unshare(b->map, b->npages);
		else
			xops->unmap(b->map, b->npages);
	}
	free(b);
}

static void dbuf_remove(struct device *d, struct dbuf *b)
{
	struct dbuf **pp = &d->dbufs;
	unsigned int n = 0;

	/* detach fbs that still use it (frames snapshotted first) */
	for (struct fb *f = d->fbs, *nx; f && n <= d->nfbs; f = nx, n++) {
		nx = f->next;
		if (f->dbuf == b) {
			fb_unshow(d, f, "destroying the dbuf of");
			fb_remove(d, f);
		}
	}
	n = 0;
	while (*pp && n++ <= d->ndbufs) {
		if (*pp == b) {
			*pp = b->next;
			d->ndbufs--;
			dbuf_release(b);
			return;
		}
		pp = &(*pp)->next;
	}
}

void dev_free_buffers(struct device *d)
{
	for (unsigned int i = 0; i < d->nconns; i++)
		conn_take_snapshot(&d->conns[i]);
	while (d->fbs)
		fb_remove(d, d->fbs);
	while (d->dbufs)
		dbuf_remove(d, d->dbufs);
	d->nfbs = d->ndbufs = 0;
}

static void conn_frame(struct connector *c, struct frame *f)
{
	if (c->shown) {
		fb_frame(c->shown, f);
	} else if (c->snap_valid) {
		*f = c->snap;
	} else {
		memset(f, 0, sizeof(*f));
		f->width = c->res.w;
		f->height = c->res.h;
	}
}

/* Links DIR/<src>.<ext> to DIR/<dst>.<ext> atomically (hard link + rename). */
static void publish(const char *src, const char *dst)
{
	static const char *const ext[] = { "png", "txt" };
	char s[4200], t[4300], p[4200];

	for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
		snprintf(s, sizeof(s), "%s/%s.%s", opt.out_dir, src, ext[i]);
		snprintf(p, sizeof(p), "%s/%s.%s", opt.out_dir, dst, ext[i]);
		snprintf(t, sizeof(t), "%s.lnk", p);
		unlink(t);
		if (link(s, t) == 0 && rename(t, p) == 0)
			continue;
		unlink(t);
		info("cannot publish %s: %s", p, strerror(errno));
	}
}

void dev_dump(struct device *d, const char *why)
{
	for (unsigned int i = 0; i < d->nconns; i++) {
		struct connector *c = &d->conns[i];
		char name[96], base[4200];
		struct frame f;
		uint64_t sum = 0;

		conn_frame(c, &f);
		snprintf(name, sizeof(name), "d%u-%u-conn%u", d->fe_domid, d->devid, i);
		snprintf(base, sizeof(base), "%s/%s", opt.out_dir, name);
		if (frame_dump(&f, base, &c->cnt, &sum) != 0) {
			info("dump of %s failed: %s", base, strerror(errno));
			continue;
		}
		char pub[32];
		snprintf(pub, sizeof(pub), "conn%u", i);
		publish(name, pub);
		trace("%.3f %u/%u c%u DUMP %s %ux%u %s fb=0x%llx flips=%llu checksum=0x%016llx",
		      t_rel(), d->fe_domid, d->devid, i, why, f.width, f.height,
		      f.fmt ? f.fmt->name : "blank", (unsigned long long)f.fb_cookie,
		      (unsigned long long)c->cnt.flips, (unsigned long long)sum);
		if (c->last_valid && !c->last_dumped) {
			snprintf(name, sizeof(name), "d%u-%u-conn%u-last", d->fe_domid, d->devid, i);
			snprintf(base, sizeof(base), "%s/%s", opt.out_dir, name);
			if (frame_dump(&c->last, base, &c->cnt, NULL) == 0) {
				snprintf(pub, sizeof(pub), "conn%u-last", i);
				publish(name, pub);
				c->last_dumped = true;   /* unchanged until the next disable */
			}
		}
	}
	g_dumps++;
	status_dirty();
}

/* ------------------------------------------------------------------ */
/* Page directories                                                    */

/*
 * Walks the page-directory chain starting at @first, which must describe
 * exactly @ngrefs grant references. Without @own, copies the frontend's
 * grefs to @refs (each must be nonzero). With @own (REQ_ALLOC / be-alloc),
 * writes our grefs from @refs into the frontend's directory pages.
 */
static int dir_walk(struct device *d, int ci, uint16_t id, grant_ref_t first,
		    uint32_t ngrefs, bool own, uint32_t *refs)
{
	uint32_t ndir = DIV_ROUND_UP(ngrefs, GREFS_PER_DIR_PAGE);
	grant_ref_t *seen = calloc(ndir, sizeof(*seen));
	grant_ref_t cur = first;
	int ret = -XEN_EINVAL;

	if (!seen)
		return -XEN_ENOMEM;
	for (uint32_t k = 0; k < ndir; k++) {
		uint32_t base = k * GREFS_PER_DIR_PAGE;
		uint32_t cnt = ngrefs - base < GREFS_PER_DIR_PAGE ? ngrefs - base : GREFS_PER_DIR_PAGE;
		uint8_t local[XEN_PAGE_SZ];
		struct xendispl_page_directory *pd;
		void *page;
		grant_ref_t next;

		if (cur == 0) {
			violation(d, ci, "id=%u page directory too short: %u page(s) for %u grefs, need %u",
				  id, k, ngrefs, ndir);
			goto out;
		}
		for (uint32_t j = 0; j < k; j++) {
			if (seen[j] == cur) {
				violation(d, ci, "id=%u page directory loops: gref %u repeated", id, cur);
				goto out;
			}
		}
		seen[k] = cur;
		page = xops->map(d->fe_domid, 1, &cur, own);
		if (!page) {
			violation(d, ci, "id=%u cannot map directory page %u (gref %u): %s",
				  id, k, cur, strerror(errno));
			goto out;
		}
		if (own) {
			pd = page;
			memcpy(pd->gref, refs + base, cnt * sizeof(grant_ref_t));
			next = *(volatile grant_ref_t *)&pd->gref_dir_next_page;
		} else {
			/* work on a private copy: the frontend can change the page */
			memcpy(local, page, XEN_PAGE_SZ);
			pd = (struct xendispl_page_directory *)local;
			next = pd->gref_dir_next_page;
			for (uint32_t j = 0; j < cnt; j++) {
				refs[base + j] = pd->gref[j];
				if (!refs[base + j]) {
					violation(d, ci, "id=%u page directory entry %u is gref 0",
						  id, base + j);
					xops->unmap(page, 1);
					goto out;
				}
			}
		}
		xops->unmap(page, 1);
		if (k == ndir - 1 && next != 0) {
			violation(d, ci, "id=%u page directory too long: last page (%u) has next=%u, "
				  "%u grefs need %u page(s)", id, k, next, ngrefs, ndir);
			goto out;
		}
		cur = next;
	}
	ret = 0;
out:
	free(seen);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Operations                                                          */

static int do_dbuf_create(struct connector *c, const struct xendispl_req *req)
{
	struct device *d = c->dev;
	const struct xendispl_dbuf_create_req *r = &req->op.dbuf_create;
	int ci = (int)c->idx;
	struct dbuf *b;
	uint32_t *refs;
	uint64_t pitch = 0;
	bool alloc = r->flags & XENDISPL_DBUF_FLG_REQ_ALLOC;
	int ret;

	/* in protocol v1 data_ofs did not exist: it is reserved */
	if (!reserved_ok(d, ci, req, d->version == 1 ?
			 offsetof(struct xendispl_dbuf_create_req, data_ofs) :
			 OP_END(struct xendispl_dbuf_create_req, data_ofs)))
		return -XEN_EINVAL;
	if (!r->dbuf_cookie) {
		violation(d, ci, "id=%u DBUF_CREATE with dbuf_cookie 0", req->id);
		return -XEN_EINVAL;
	}
	if (dbuf_find(d, r->dbuf_cookie)) {
		violation(d, ci, "id=%u DBUF_CREATE: dbuf_cookie 0x%llx already exists",
			  req->id, (unsigned long long)r->dbuf_cookie);
		return -XEN_EINVAL;
	}
	if (r->flags & ~XENDISPL_DBUF_FLG_REQ_ALLOC) {
		violation(d, ci, "id=%u DBUF_CREATE: unknown flags 0x%x", req->id, r->flags);
		return -XEN_EINVAL;
	}
	if (alloc && !d->be_alloc) {
		violation(d, ci, "id=%u DBUF_CREATE: REQ_ALLOC but be-alloc is not 1", req->id);
		return -XEN_EINVAL;
	}
	if (!r->buffer_sz || r->buffer_sz > MAX_BUFFER_SZ) {
		violation(d, ci, "id=%u DBUF_CREATE: buffer_sz %u out of range (1..%u)",
			  req->id, r->buffer_sz, MAX_BUFFER_SZ);
		return -XEN_EINVAL;
	}
	if (r->data_ofs >= r->buffer_sz) {
		violation(d, ci, "id=%u DBUF_CREATE: data_ofs %u >= buffer_sz %u",
			  req->id, r->data_ofs, r->buffer_sz);
		return -XEN_EINVAL;
	}
	if (!r->width && !r->height && !r->bpp) {
		/* PRIME import: geometry comes with FB_ATTACH */
		note(d, ci, "id=%u DBUF_CREATE without geometry (imported buffer?), data_ofs=%u",
		     req->id, r->data_ofs);
	} else if (!r->width || !r->height || !r->bpp || r->bpp > 128) {
		violation(d, ci, "id=%u DBUF_CREATE: bad geometry %ux%u bpp %u",
			  req->id, r->width, r->height, r->bpp);
		return -XEN_EINVAL;
	} else {
		/* displif carries no pitch: frontends use DIV_ROUND_UP(width * bpp, 8) */
		pitch = DIV_ROUND_UP((uint64_t)r->width * r->bpp, 8);
		if (pitch * r->height > (uint64_t)r->buffer_sz - r->data_ofs) {
			violation(d, ci, "id=%u DBUF_CREATE: %ux%u bpp %u needs %llu bytes, "
				  "buffer_sz %u data_ofs %u", req->id, r->width, r->height,
				  r->bpp, (unsigned long long)(pitch * r->height),
				  r->buffer_sz, r->data_ofs);
			return -XEN_EINVAL;
		}
	}
	if (!r->gref_directory) {
		violation(d, ci, "id=%u DBUF_CREATE: gref_directory 0", req->id);
		return -XEN_EINVAL;
	}
	if (ci != 0)
		note(d, ci, "id=%u DBUF_CREATE on connector %d's ring (should be connector 0)",
		     req->id, ci);

	b = calloc(1, sizeof(*b));
	if (!b)
		return -XEN_ENOMEM;
	b->cookie = r->dbuf_cookie;
	b->width = r->width;
	b->height = r->height;
	b->bpp = r->bpp;
	b->buffer_sz = r->buffer_sz;
	b->data_ofs = r->data_ofs;
	b->flags = r->flags;
	b->pitch = (uint32_t)pitch;
	b->npages = DIV_ROUND_UP(r->buffer_sz, XEN_PAGE_SZ);
	refs = calloc(b->npages, sizeof(*refs));
	if (!refs) {
		free(b);
		return -XEN_ENOMEM;
	}
	if (alloc) {
		b->ours = true;
		b->map = xops->share(d->fe_domid, b->npages, refs);
		if (!b->map) {
			info("sharing %u pages failed: %s (raise /sys/module/xen_gntalloc/parameters/limit?)",
			     b->npages, strerror(errno));
			ret = -XEN_ENOMEM;
			goto fail;
		}
		ret = dir_walk(d, ci, req->id, r->gref_directory, b->npages, true, refs);
	} else {
		ret = dir_walk(d, ci, req->id, r->gref_directory, b->npages, false, refs);
		if (ret == 0) {
			b->map = xops->map(d->fe_domid, b->npages, refs, false);
			if (!b->map) {
				violation(d, ci, "id=%u DBUF_CREATE: cannot map %u data grefs: %s",
					  req->id, b->npages, strerror(errno));
				ret = -XEN_EINVAL;
			}
		}
	}
	if (ret)
		goto fail;
	free(refs);
	b->next = d->dbufs;
	d->dbufs = b;
	d->ndbufs++;
	return 0;
fail:
	free(refs);
	dbuf_release(b);
	return ret;
}

static int do_dbuf_destroy(struct connector *c, const struct xendispl_req *req)
{
	struct device *d = c->dev;
	uint64_t cookie = req->op.dbuf_destroy.dbuf_cookie;
	struct dbuf *b;
	unsigned int n = 0;

	if (!reserved_ok(d, (int)c->idx, req, sizeof(req->op.dbuf_destroy)))
		return -XEN_EINVAL;
	b = dbuf_find(d, cookie);
	if (!b) {
		violation(d, (int)c->idx, "id=%u DBUF_DESTROY: unknown dbuf_cookie 0x%llx",
			  req->id, (unsigned long long)cookie);
		return -XEN_ENOENT;
	}
	for (struct fb *f = d->fbs; f && n <= d->nfbs; f = f->next, n++)
		if (f->dbuf == b)
			note(d, (int)c->idx, "id=%u DBUF_DESTROY 0x%llx while fb 0x%llx is attached: detaching it",
			     req->id, (unsigned long long)cookie, (unsigned long long)f->cookie);
	if (c->idx != 0)
		note(d, (int)c->idx, "id=%u DBUF_DESTROY on connector %u's ring (should be connector 0)",
		     req->id, c->idx);
	dbuf_remove(d, b);
	return 0;
}

static int do_fb_attach(struct connector *c, const struct xendispl_req *req)
{
	struct device *d = c->dev;
	const struct xendispl_fb_attach_req *r = &req->op.fb_attach;
	int ci = (int)c->idx;
	const struct pixfmt *fmt;
	struct dbuf *b;
	struct fb *fb;
	uint64_t pitch, need, avail;
	char fcc[16];

	if (!reserved_ok(d, ci, req, OP_END(struct xendispl_fb_attach_req, pixel_format)))
		return -XEN_EINVAL;
	b = dbuf_find(d, r->dbuf_cookie);
	if (!b) {
		violation(d, ci, "id=%u FB_ATTACH: unknown dbuf_cookie 0x%llx",
			  req->id, (unsigned long long)r->dbuf_cookie);
		return -XEN_ENOENT;
	}
	if (!r->fb_cookie || fb_find(d, r->fb_cookie)) {
		violation(d, ci, "id=%u FB_ATTACH: fb_cookie 0x%llx is %s", req->id,
			  (unsigned long long)r->fb_cookie, r->fb_cookie ? "already in use" : "0");
		return -XEN_EINVAL;
	}
	fmt = pixfmt_find(r->pixel_format);
	if (!fmt) {
		violation(d, ci, "id=%u FB_ATTACH: unsupported pixel_format %s", req->id,
			  fourcc_str(r->pixel_format, fcc));
		return -XEN_EINVAL;
	}
	if (!r->width || !r->height) {
		violation(d, ci, "id=%u FB_ATTACH: size %ux%u", req->id, r->width, r->height);
		return -XEN_EINVAL;
	}
	for (unsigned int i = 0; i < opt.n_refuse_formats; i++)
		if (opt.refuse_formats[i] == r->pixel_format) {
			note(d, ci, "id=%u FB_ATTACH: %s refused (--refuse-formats)", req->id,
			     fmt->name);
			return -XEN_EINVAL;
		}
	if (b->pitch) {
		if (r->width > b->width || r->height > b->height ||
		    DIV_ROUND_UP((uint64_t)r->width * fmt->bpp, 8) > b->pitch) {
			violation(d, ci, "id=%u FB_ATTACH: %ux%u %s does not fit dbuf 0x%llx "
				  "(%ux%u bpp %u)", req->id, r->width, r->height, fmt->name,
				  (unsigned long long)b->cookie, b->width, b->height, b->bpp);
			return -XEN_EINVAL;
		}
		if (fmt->bpp != b->bpp)
			note(d, ci, "id=%u FB_ATTACH: %s (%u bpp) on a %u bpp dbuf", req->id,
			     fmt->name, fmt->bpp, b->bpp);
		pitch = b->pitch;
	} else {
		pitch = DIV_ROUND_UP((uint64_t)r->width * fmt->bpp, 8);
	}
	need = pitch * (r->height - 1) + DIV_ROUND_UP((uint64_t)r->width * fmt->bpp, 8);
	avail = (uint64_t)b->buffer_sz - b->data_ofs;
	if (need > avail) {
		violation(d, ci, "id=%u FB_ATTACH: %ux%u %s needs %llu bytes, dbuf 0x%llx has %llu",
			  req->id, r->width, r->height, fmt->name, (unsigned long long)need,
			  (unsigned long long)b->cookie, (unsigned long long)avail);
		return -XEN_EINVAL;
	}
	if (ci != 0)
		note(d, ci, "id=%u FB_ATTACH on connector %d's ring (should be connector 0)",
		     req->id, ci);
	fb = calloc(1, sizeof(*fb));
	if (!fb)
		return -XEN_ENOMEM;
	fb->cookie = r->fb_cookie;
	fb->dbuf = b;
	fb->width = r->width;
	fb->height = r->height;
	fb->fmt = fmt;
	fb->pitch = (uint32_t)pitch;
	fb->next = d->fbs;
	d->fbs = fb;
	d->nfbs++;
	return 0;
}

static int do_fb_detach(struct connector *c, const struct xendispl_req *req)
{
	struct device *d = c->dev;
	struct fb *fb;

	if (!reserved_ok(d, (int)c->idx, req, sizeof(req->op.fb_detach)))
		return -XEN_EINVAL;
	fb = fb_find(d, req->op.fb_detach.fb_cookie);
	if (!fb) {
		violation(d, (int)c->idx, "id=%u FB_DETACH: unknown fb_cookie 0x%llx", req->id,
			  (unsigned long long)req->op.fb_detach.fb_cookie);
		return -XEN_ENOENT;
	}
	if (c->idx != 0)
		note(d, (int)c->idx, "id=%u FB_DETACH on connector %u's ring (should be connector 0)",
		     req->id, c->idx);
	fb_unshow(d, fb, "detaching");
	fb_remove(d, fb);
	return 0;
}

/* Modes the connector offers: its resolution plus the EDID's extra modes. */
static bool mode_allowed(const struct connector *c, uint32_t x, uint32_t y,
			 uint32_t w, uint32_t h, bool *exact)
{
	struct mode modes[MAX_EDID_MODES + 2];
	unsigned int n = 0;
	bool fits = false;

	modes[n++] = c->res;
	if (!opt.no_edid) {
		for (unsigned int i = 0; i < opt.n_edid_modes; i++)
			modes[n++] = opt.edid_modes[i];
		if (edid_has_vga(opt.n_edid_modes))
			modes[n++] = (struct mode){ 640, 480 };
	}
	*exact = false;
	for (unsigned int i = 0; i < n; i++) {
		if ((uint64_t)x + w <= modes[i].w && (uint64_t)y + h <= modes[i].h)
			fits = true;
		if (!x && !y && w == modes[i].w && h == modes[i].h)
			*exact = true;
	}
	return fits;
}

static int do_set_config(struct connector *c, const struct xendispl_req *req)
{
	struct device *d = c->dev;
	const struct xendispl_set_config_req *r = &req->op.set_config;
	int ci = (int)c->idx;
	struct fb *fb;
	bool exact;

	if (!reserved_ok(d, ci, req, OP_END(struct xendispl_set_config_req, bpp)))
		return -XEN_EINVAL;
	c->cnt.set_configs++;
	if (all_zero(r, sizeof(*r))) {
		/* reset: the display goes blank; remember what it showed */
		if (c->shown) {
			struct frame live;
			fb_frame(c->shown, &live);
			if (frame_snapshot(&c->last, &live) == 0)
				c->last_valid = true;
		} else if (c->snap_valid) {
			if (frame_snapshot(&c->last, &c->snap) == 0)
				c->last_valid = true;
		}
		c->last_dumped = false;
		c->shown = NULL;
		conn_clear_snapshot(c);
		c->enabled = false;
		c->cfg_x = c->cfg_y = c->cfg_w = c->cfg_h = c->cfg_bpp = 0;
		return 0;
	}
	fb = fb_find(d, r->fb_cookie);
	if (!fb) {
		violation(d, ci, "id=%u SET_CONFIG: unknown fb_cookie 0x%llx", req->id,
			  (unsigned long long)r->fb_cookie);
		return -XEN_ENOENT;
	}
	if (!r->width || !r->height) {
		violation(d, ci, "id=%u SET_CONFIG: size %ux%u", req->id, r->width, r->height);
		return -XEN_EINVAL;
	}
	if (!mode_allowed(c, r->x, r->y, r->width, r->height, &exact)) {
		violation(d, ci, "id=%u SET_CONFIG: %ux%u+%u+%u exceeds connector %ux%u%s",
			  req->id, r->width, r->height, r->x, r->y, c->res.w, c->res.h,
			  opt.n_edid_modes && !opt.no_edid ? " and its EDID modes" : "");
		return -XEN_EINVAL;
	}
	if (r->bpp != fb->fmt->bpp) {
		violation(d, ci, "id=%u SET_CONFIG: bpp %u but fb 0x%llx is %s (%u bpp)",
			  req->id, r->bpp, (unsigned long long)fb->cookie, fb->fmt->name,
			  fb->fmt->bpp);
		return -XEN_EINVAL;
	}
	if ((uint64_t)r->x + r->width > fb->width || (uint64_t)r->y + r->height > fb->height) {
		violation(d, ci, "id=%u SET_CONFIG: %ux%u+%u+%u outside fb 0x%llx (%ux%u)",
			  req->id, r->width, r->height, r->x, r->y,
			  (unsigned long long)fb->cookie, fb->width, fb->height);
		return -XEN_EINVAL;
	}
	if (!exact)
		note(d, ci, "id=%u SET_CONFIG %ux%u+%u+%u is not one of the connector's modes",
		     req->id, r->width, r->height, r->x, r->y);
	c->cfg_x = r->x;
	c->cfg_y = r->y;
	c->cfg_w = r->width;
	c->cfg_h = r->height;
	c->cfg_bpp = r->bpp;
	c->enabled = true;
	c->shown = fb;
	conn_clear_snapshot(c);
	return 0;
}

static int do_pg_flip(struct connector *c, const struct xendispl_req *req)
{
	struct device *d = c->dev;
	struct fb *fb;

	if (!reserved_ok(d, (int)c->idx, req, sizeof(req->op.pg_flip)))
		return -XEN_EINVAL;
	fb = fb_find(d, req->op.pg_flip.fb_cookie);
	if (!fb) {
		violation(d, (int)c->idx, "id=%u PG_FLIP: unknown fb_cookie 0x%llx", req->id,
			  (unsigned long long)req->op.pg_flip.fb_cookie);
		return -XEN_ENOENT;
	}
	if (!c->enabled)
		note(d, (int)c->idx, "id=%u PG_FLIP while the connector is disabled", req->id);
	else if (fb->fmt->bpp != c->cfg_bpp)
		note(d, (int)c->idx, "id=%u PG_FLIP to a %s fb, configured bpp %u", req->id,
		     fb->fmt->name, c->cfg_bpp);
	c->shown = fb;
	conn_clear_snapshot(c);
	c->cnt.flips++;
	d->flips++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* --fault-random SEED[,PERMILLE[,COUNT]]: a seeded hostile backend    */

/*
 * Each eligible request is garbled with probability PERMILLE/1000, by one
 * act drawn (weighted) from the table, until COUNT acts are done; then the
 * backend behaves. Acts that leave the ring or the event page in a state no
 * frontend can go on with (rsp_prod or in_prod moved, two answers for one
 * request) are followed by a close of the device and a return to InitWait
 * one second later, so the run goes on with fresh rings.
 */
enum rnd_act {
	RA_BADID, RA_BADOP, RA_BADSTATUS, RA_EXEC_BADSTATUS, RA_FALSE_OK, RA_LATE,
	RA_NOANSWER, RA_DUP, RA_EXTRA_RSP, RA_RSP_PROD, RA_EVT_BOGUS, RA_EVT_CONS,
	RA_EVT_PROD, RA_FLIP_NOEVT, RA_FLIP_EVT_TWICE, RA_FLIP_EVT_LATE, RA_EDID,
	RA_CLOSE, RA_NONE,
};

static const struct {
	const char *name;
	unsigned int weight;
	int op;   /* -1: any operation */
} ra_tab[] = {
	[RA_BADID] = { "badid", 8, -1 },              /* not executed, another id */
	[RA_BADOP] = { "badop", 6, -1 },              /* not executed, another operation */
	[RA_BADSTATUS] = { "badstatus", 10, -1 },     /* not executed, an error or a bogus status */
	[RA_EXEC_BADSTATUS] = { "exec-badstatus", 8, -1 }, /* executed, reported failed */
	[RA_FALSE_OK] = { "false-ok", 6, -1 },        /* not executed, reported done */
	[RA_LATE] = { "late", 6, -1 },                /* executed, answered 0.2..4.5 s later */
	[RA_NOANSWER] = { "noanswer", 3, -1 },        /* not executed, never answered */
	[RA_DUP] = { "dup", 5, -1 },                  /* executed, answered twice */
	[RA_EXTRA_RSP] = { "extra-rsp", 3, -1 },      /* a garbage response before the answer */
	[RA_RSP_PROD] = { "rsp-prod", 3, -1 },        /* rsp_prod far ahead or behind */
	[RA_EVT_BOGUS] = { "evt-bogus", 10, -1 },     /* events: bad types, ids, cookies */
	[RA_EVT_CONS] = { "evt-cons", 3, -1 },        /* in_cons moved back: old events again */
	[RA_EVT_PROD] = { "evt-prod", 3, -1 },        /* in_prod jumps ahead over stale slots */
	[RA_FLIP_NOEVT] = { "flip-noevt", 8, XENDISPL_OP_PG_FLIP },
	[RA_FLIP_EVT_TWICE] = { "flip-evt-twice", 6, XENDISPL_OP_PG_FLIP },
	[RA_FLIP_EVT_LATE] = { "flip-evt-late", 5, XENDISPL_OP_PG_FLIP },
	[RA_EDID] = { "edid", 40, XENDISPL_OP_GET_EDID }, /* garbage EDID replies */
	[RA_CLOSE] = { "close", 2, -1 },              /* answered, then Closing/Closed/InitWait */
};

static uint64_t rnd_state;
static uint64_t hist_cookies[16];   /* fb cookies seen in FB_ATTACH: live or stale */
static unsigned int hist_n;
static int edid_garble = -1;        /* RA_EDID: which garbage for this GET_EDID */

void fault_random_init(void)
{
	rnd_state = opt.fault_seed;
}

/* splitmix64: the same sequence from the same seed on every machine */
static uint64_t rnd64(void)
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static enum rnd_act rnd_pick(unsigned int op)
{
	unsigned int sum = 0, r;

	for (unsigned int i = 0; i < ARRAY_SIZE(ra_tab); i++)
		if (ra_tab[i].op < 0 || ra_tab[i].op == (int)op)
			sum += ra_tab[i].weight;
	r = rnd_below(sum);
	for (unsigned int i = 0; i < ARRAY_SIZE(ra_tab); i++) {
		if (ra_tab[i].op >= 0 && ra_tab[i].op != (int)op)
			continue;
		if (r < ra_tab[i].weight)
			return (enum rnd_act)i;
		r -= ra_tab[i].weight;
	}
	return RA_NONE;
}

/* An error for a request that was fine, or a status no backend may send. */
static int32_t rnd_status(void)
{
	static const int32_t st[] = {
		-XEN_EIO, -XEN_ENOMEM, -XEN_EINVAL, -XEN_ENOENT, -XEN_EBUSY,
		-XEN_EOPNOTSUPP, 1, 0x7fffffff, INT32_MIN, -4096, -1000,
	};
	int32_t v;

	if (rnd_below(4))
		return st[rnd_below(ARRAY_SIZE(st))];
	v = (int32_t)rnd64();
	return v ? v : -1;
}

/* A cookie for a bogus event: none, never seen, shown now, or seen before. */
static uint64_t rnd_cookie(const struct connector *c)
{
	switch (rnd_below(5)) {
	case 0:
		return 0;
	case 1:
		return rnd64();
	case 2:
		if (c->shown)
			return c->shown->cookie;
		return rnd64();
	default:
		if (!hist_n)
			return rnd64();
		return hist_cookies[rnd_below(hist_n < ARRAY_SIZE(hist_cookies) ?
					      hist_n : ARRAY_SIZE(hist_cookies))];
	}
}

static void rnd_trace(const struct connector *c, const char *act, const struct xendispl_req *req,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void rnd_trace(const struct connector *c, const char *act, const struct xendispl_req *req,
		      const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	trace("%.3f %u/%u c%u FAULT random #%llu/%u %s on id=%u %s: %s", t_rel(),
	      c->dev->fe_domid, c->dev->devid, c->idx, (unsigned long long)g_random_acts,
	      opt.fault_count, act, req->id, op_name(req->operation), buf);
}

/* Writes one event as it comes, whatever its contents; false if no room. */
static bool evt_raw(struct connector *c, uint16_t id, uint8_t type, uint64_t cookie)
{
	struct xendispl_event_page *page = c->evt_page;
	struct xendispl_evt *evt;
	uint32_t cons;

	if (!page)
		return false;
	cons = *(volatile uint32_t *)&page->in_cons;
	xen_mb();
	if (c->evt_prod - cons >= XENDISPL_IN_RING_LEN)
		return false;
	evt = &XENDISPL_IN_RING_REF(page, c->evt_prod);
	memset(evt, 0, sizeof(*evt));
	evt->id = id;
	evt->type = type;
	evt->op.pg_flip.fb_cookie = cookie;
	xen_wmb();
	page->in_prod = ++c->evt_prod;
	xen_wmb();
	xops->notify((uint32_t)c->evt_port);
	return true;
}

/* RA_EDID: garbles the EDID in @edid (up to 4 blocks); returns the size to report. */
static uint32_t edid_mangle(struct connector *c, uint8_t *edid, int *len, uint32_t buffer_sz)
{
	static const uint8_t hdr[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	uint32_t rep = (uint32_t)*len;
	int kind = edid_garble;

	edid_garble = -1;
	switch (kind) {
	case 0:   /* success, no EDID */
		rep = 0;
		break;
	case 1:   /* shorter than a block */
		rep = 1 + rnd_below((uint32_t)*len - 1);
		break;
	case 2:   /* beyond the buffer */
		rep = rnd_below(2) ? 0xffffffffu : buffer_sz + 1 + rnd_below(1u << 20);
		break;
	case 3:   /* random bytes */
		*len = 128 * (int)(1 + rnd_below(4));
		for (int i = 0; i < *len; i++)
			edid[i] = (uint8_t)rnd64();
		rep = (uint32_t)*len;
		break;
	case 4:   /* random blocks with a valid header and checksums */
		*len = 128 * (int)(1 + rnd_below(4));
		for (int i = 0; i < *len; i++)
			edid[i] = (uint8_t)rnd64();
		memcpy(edid, hdr, sizeof(hdr));
		edid[126] = (uint8_t)(*len / 128 - 1);
		for (int b = 0; b < *len / 128; b++) {
			uint8_t sum = 0;

			for (int i = 0; i < 127; i++)
				sum += edid[b * 128 + i];
			edid[b * 128 + 127] = (uint8_t)-sum;
		}
		rep = (uint32_t)*len;
		break;
	case 5:   /* one byte changed: bad checksum */
		edid[rnd_below((uint32_t)*len)] ^= (uint8_t)(1 + rnd_below(255));
		break;
	case 6: { /* more extensions announced than sent, checksum right */
		uint8_t sum = 0;

		edid[126] = (uint8_t)(*len / 128 + rnd_below(4));
		for (int i = 0; i < 127; i++)
			sum += edid[i];
		edid[127] = (uint8_t)-sum;
		break;
	}
	default:  /* a size that is not whole blocks */
		rep = (uint32_t)*len + 1 + rnd_below(127);
		break;
	}
	trace("%.3f %u/%u c%u FAULT random #%llu/%u edid on GET_EDID: kind %d, %d bytes written, "
	      "edid_sz=%u", t_rel(), c->dev->fe_domid, c->dev->devid, c->idx,
	      (unsigned long long)g_random_acts, opt.fault_count, kind, *len, rep);
	return rep;
}

static int do_get_edid(struct connector *c, const struct xendispl_req *req, uint32_t *edid_sz)
{
	struct device *d = c->dev;
	const struct xendispl_get_edid_req *r = &req->op.get_edid;
	int ci = (int)c->idx;
	uint8_t edid[128 * 4];
	uint32_t npages, *refs, rep;
	uint8_t *map;
	int len, ret;

	if (!reserved_ok(d, ci, req, sizeof(*r)))
		return -XEN_EINVAL;
	if (r->buffer_sz < XENDISPL_EDID_MAX_SIZE || r->buffer_sz > MAX_EDID_BUF_SZ) {
		violation(d, ci, "id=%u GET_EDID: buffer_sz %u (must be >= %u)", req->id,
			  r->buffer_sz, XENDISPL_EDID_MAX_SIZE);
		return -XEN_EINVAL;
	}
	if (!r->gref_directory) {
		violation(d, ci, "id=%u GET_EDID: gref_directory 0", req->id);
		return -XEN_EINVAL;
	}
	if (opt.no_edid)
		return -XEN_EOPNOTSUPP;
	len = edid_build(edid, sizeof(edid), c->res, opt.edid_modes, opt.n_edid_modes);
	if (len < 0) {
		info("cannot build an EDID for %ux%u", c->res.w, c->res.h);
		return -XEN_EINVAL;
	}
	rep = (uint32_t)len;
	if (edid_garble >= 0)
		rep = edid_mangle(c, edid, &len, r->buffer_sz);
	npages = DIV_ROUND_UP(r->buffer_sz, XEN_PAGE_SZ);
	refs = calloc(npages, sizeof(*refs));
	if (!refs)
		return -XEN_ENOMEM;
	ret = dir_walk(d, ci, req->id, r->gref_directory, npages, false, refs);
	if (ret == 0) {
		/* only the first page(s) holding the EDID need mapping */
		uint32_t need = DIV_ROUND_UP((uint32_t)len, XEN_PAGE_SZ);
		map = xops->map(d->fe_domid, need, refs, true);
		if (!map) {
			violation(d, ci, "id=%u GET_EDID: cannot map the buffer writable: %s",
				  req->id, strerror(errno));
			ret = -XEN_EINVAL;
		} else {
			memcpy(map, edid, (size_t)len);
			xops->unmap(map, need);
			*edid_sz = rep;
		}
	}
	free(refs);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Responses, events, faults                                           */

static int64_t vsync_next(int64_t t)
{
	static int64_t origin;
	int64_t period;

	if (!opt.vsync_hz)
		return t;
	if (!origin)
		origin = t;
	period = 1000000000ll / opt.vsync_hz;
	return origin + ((t - origin) / period + 1) * period;
}

static void evt_enqueue(struct connector *c, int64_t due, uint64_t cookie)
{
	unsigned int slot;

	if (c->evt_n >= EVT_QUEUE_LEN) {
		note(c->dev, (int)c->idx, "event queue full: dropping EVT_PG_FLIP fb=0x%llx",
		     (unsigned long long)cookie);
		return;
	}
	slot = (c->evt_head + c->evt_n) % EVT_QUEUE_LEN;
	c->evt_q[slot].due_ns = due;
	c->evt_q[slot].fb_cookie = cookie;
	c->evt_n++;
}

/* Returns false if the event ring is full (or its in_cons is insane). */
static bool evt_send(struct connector *c, uint64_t cookie, int64_t due)
{
	struct xendispl_event_page *page = c->evt_page;
	struct xendispl_evt *evt;
	uint32_t cons, used;

	cons = *(volatile uint32_t *)&page->in_cons;
	xen_mb();   /* read in_cons before reusing its slot */
	used = c->evt_prod - cons;
	if (used > XENDISPL_IN_RING_LEN) {
		if (!c->evt_broken)
			violation(c->dev, (int)c->idx, "event page in_cons=%u but in_prod=%u: "
				  "frontend consumed events that were never produced", cons,
				  c->evt_prod);
		c->evt_broken = true;
		return false;
	}
	if (used == XENDISPL_IN_RING_LEN)
		return false;
	evt = &XENDISPL_IN_RING_REF(page, c->evt_prod);
	memset(evt, 0, sizeof(*evt));
	evt->id = c->evt_id;
	evt->type = XENDISPL_EVT_PG_FLIP;
	evt->op.pg_flip.fb_cookie = cookie;
	xen_wmb();  /* event contents before in_prod */
	page->in_prod = ++c->evt_prod;
	xen_wmb();
	xops->notify((uint32_t)c->evt_port);
	/* lag: how late the event went out (vsync tick or response time) */
	trace("%.3f %u/%u c%u EVT id=%u PG_FLIP fb=0x%llx lag=%.1fms", t_rel(), c->dev->fe_domid,
	      c->dev->devid, c->idx, c->evt_id, (unsigned long long)cookie,
	      (double)(now_ns() - due) / 1e6);
	c->evt_id++;
	return true;
}

static void evt_flush(struct connector *c, int64_t now, int64_t *next_due)
{
	unsigned int guard = EVT_QUEUE_LEN;

	while (c->evt_n && guard--) {
		struct pending_evt *e = &c->evt_q[c->evt_head];
		if (e->due_ns > now) {
			if (next_due && (!*next_due || e->due_ns < *next_due))
				*next_due = e->due_ns;
			return;
		}
		if (!c->evt_page || !evt_send(c, e->fb_cookie, e->due_ns)) {
			/* ring full: the frontend does not tell us when it consumes */
			if (next_due && (!*next_due || now + 5000000 < *next_due))
				*next_due = now + 5000000;
			return;
		}
		c->evt_head = (c->evt_head + 1) % EVT_QUEUE_LEN;
		c->evt_n--;
	}
}

static void rsp_push(struct connector *c, const struct pending_rsp *p, int64_t now)
{
	struct xendispl_resp *rsp;
	int notify;

	rsp = RING_GET_RESPONSE(&c->ring, c->ring.rsp_prod_pvt);
	memcpy(rsp, &p->rsp, sizeof(*rsp));
	c->ring.rsp_prod_pvt++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&c->ring, notify);
	if (notify)
		xops->notify((uint32_t)c->req_port);
	if (p->rsp.op.get_edid.edid_sz)
		trace("%.3f %u/%u c%u RSP id=%u %s status=%d edid_sz=%u", t_rel(),
		      c->dev->fe_domid, c->dev->devid, c->idx, p->rsp.id,
		      op_name(p->rsp.operation), p->rsp.status, p->rsp.op.get_edid.edid_sz);
	else
		trace("%.3f %u/%u c%u RSP id=%u %s status=%d", t_rel(), c->dev->fe_domid,
		      c->dev->devid, c->idx, p->rsp.id, op_name(p->rsp.operation),
		      p->rsp.status);
	if (p->flip_evt)
		evt_enqueue(c, vsync_next(now), p->fb_cookie);
}

static void rsp_flush(struct connector *c, int64_t now, int64_t *next_due)
{
	unsigned int guard = ARRAY_SIZE(c->rsp_q);

	while (c->rsp_n && guard-- && c->sring) {
		struct pending_rsp *p = &c->rsp_q[c->rsp_head];
		if (p->due_ns > now) {
			if (next_due && (!*next_due || p->due_ns < *next_due))
				*next_due = p->due_ns;
			return;
		}
		rsp_push(c, p, now);
		c->rsp_head = (c->rsp_head + 1) % ARRAY_SIZE(c->rsp_q);
		c->rsp_n--;
	}
}

void conn_run_timers(struct connector *c, int64_t now, int64_t *next_due)
{
	if (!c->sring)
		return;
	rsp_flush(c, now, next_due);
	evt_flush(c, now, next_due);
}

static void respond(struct connector *c, const struct pending_rsp *p)
{
	unsigned int slot;
	int64_t now;

	if (c->rsp_n >= ARRAY_SIZE(c->rsp_q)) {
		/* cannot happen: at most RING_SIZE requests are outstanding */
		info("response queue overflow on connector %u", c->idx);
		return;
	}
	slot = (c->rsp_head + c->rsp_n) % ARRAY_SIZE(c->rsp_q);
	c->rsp_q[slot] = *p;
	c->rsp_n++;
	now = now_ns();
	rsp_flush(c, now, NULL);
	evt_flush(c, now, NULL);
}

/* garbage fault: trash the response slots, push rsp_prod far ahead, go mute */
static void fault_garbage(struct connector *c)
{
	uint8_t *p = (uint8_t *)c->sring->ring;
	size_t n = RING_SIZE(&c->ring) * sizeof(c->sring->ring[0]);

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)random();
	xen_wmb();
	c->sring->rsp_prod = c->ring.rsp_prod_pvt + 1000;
	xen_mb();
	xops->notify((uint32_t)c->req_port);
	c->ring_dead = true;
	trace("%.3f %u/%u c%u FAULT garbage: rsp_prod=%u, ring abandoned", t_rel(),
	      c->dev->fe_domid, c->dev->devid, c->idx, c->sring->rsp_prod);
}

static bool fault_eligible(unsigned int op, unsigned int conn, uint64_t seq)
{
	static bool close_done;
	static long close_seen;

	if (opt.fault == FAULT_NONE || seq <= opt.fault_after)
		return false;
	if (opt.fault_op >= 0 && (unsigned int)opt.fault_op != op)
		return false;
	if (opt.fault_conn >= 0 && (unsigned int)opt.fault_conn != conn)
		return false;
	if (opt.fault == FAULT_CLOSE) {
		/* one-shot: after the N-th eligible request */
		if (close_done || ++close_seen < opt.fault_arg)
			return false;
		close_done = true;
	}
	return true;
}

static void trace_req(const struct connector *c, const struct xendispl_req *req)
{
	char buf[200], fcc[16];
	const struct device *d = c->dev;

	switch (req->operation) {
	case XENDISPL_OP_DBUF_CREATE: {
		const struct xendispl_dbuf_create_req *r = &req->op.dbuf_create;
		snprintf(buf, sizeof(buf), "dbuf=0x%llx %ux%u bpp=%u sz=%u flags=0x%x dir=%u ofs=%u",
			 (unsigned long long)r->dbuf_cookie, r->width, r->height, r->bpp,
			 r->buffer_sz, r->flags, r->gref_directory, r->data_ofs);
		break;
	}
	case XENDISPL_OP_DBUF_DESTROY:
		snprintf(buf, sizeof(buf), "dbuf=0x%llx",
			 (unsigned long long)req->op.dbuf_destroy.dbuf_cookie);
		break;
	case XENDISPL_OP_FB_ATTACH: {
		const struct xendispl_fb_attach_req *r = &req->op.fb_attach;
		snprintf(buf, sizeof(buf), "dbuf=0x%llx fb=0x%llx %ux%u fmt=%s",
			 (unsigned long long)r->dbuf_cookie, (unsigned long long)r->fb_cookie,
			 r->width, r->height, fourcc_str(r->pixel_format, fcc));
		break;
	}
	case XENDISPL_OP_FB_DETACH:
		snprintf(buf, sizeof(buf), "fb=0x%llx",
			 (unsigned long long)req->op.fb_detach.fb_cookie);
		break;
	case XENDISPL_OP_SET_CONFIG: {
		const struct xendispl_set_config_req *r = &req->op.set_config;
		snprintf(buf, sizeof(buf), "fb=0x%llx %ux%u+%u+%u bpp=%u",
			 (unsigned long long)r->fb_cookie, r->width, r->height, r->x, r->y, r->bpp);
		break;
	}
	case XENDISPL_OP_PG_FLIP:
		snprintf(buf, sizeof(buf), "fb=0x%llx",
			 (unsigned long long)req->op.pg_flip.fb_cookie);
		break;
	case XENDISPL_OP_GET_EDID:
		snprintf(buf, sizeof(buf), "sz=%u dir=%u", req->op.get_edid.buffer_sz,
			 req->op.get_edid.gref_directory);
		break;
	default:
		snprintf(buf, sizeof(buf), "op=0x%02x", req->operation);
	}
	trace("%.3f %u/%u c%u REQ id=%u %s %s", t_rel(), d->fe_domid, d->devid, c->idx,
	      req->id, op_name(req->operation), buf);
}

/* --fault-random: whether to garble this request, and how (RA_NONE: not). */
static enum rnd_act random_decide(const struct xendispl_req *req)
{
	enum rnd_act act;

	if (req->operation == XENDISPL_OP_FB_ATTACH)
		hist_cookies[hist_n++ % ARRAY_SIZE(hist_cookies)] = req->op.fb_attach.fb_cookie;
	if (g_random_acts >= opt.fault_count || rnd_below(1000) >= opt.fault_permille)
		return RA_NONE;
	act = rnd_pick(req->operation);
	if (act != RA_NONE && ++g_random_acts == opt.fault_count)
		info("fault-random: %u items garbled (seed %llu), behaving from now on",
		     opt.fault_count, (unsigned long long)opt.fault_seed);
	return act;
}

/* The ring or event page is in a state the frontend cannot go on with. */
static void random_close(struct connector *c)
{
	c->dev->close_pending = true;
}

/* Events around a request: bad types, ids and cookies; in_cons or in_prod moved. */
static void random_events(struct connector *c, const struct xendispl_req *req, enum rnd_act act)
{
	struct xendispl_event_page *page = c->evt_page;

	if (!page)
		return;
	if (act == RA_EVT_BOGUS) {
		unsigned int n = 1 + rnd_below(4);

		for (unsigned int i = 0; i < n; i++) {
			uint8_t type = rnd_below(2) ? XENDISPL_EVT_PG_FLIP : (uint8_t)rnd64();
			uint16_t id = rnd_below(2) ? c->evt_id : (uint16_t)rnd64();
			uint64_t cookie = rnd_cookie(c);

			if (!evt_raw(c, id, type, cookie))
				break;
			if (id == c->evt_id)
				c->evt_id++;
			rnd_trace(c, "evt-bogus", req, "event id=%u type=%#x fb=0x%llx", id, type,
				  (unsigned long long)cookie);
		}
	} else if (act == RA_EVT_CONS) {
		uint32_t cons = *(volatile uint32_t *)&page->in_cons;
		uint32_t nc = rnd_below(4) ? cons - 1 - rnd_below(8) : (uint32_t)rnd64();

		page->in_cons = nc;
		xen_mb();
		xops->notify((uint32_t)c->evt_port);
		rnd_trace(c, "evt-cons", req, "in_cons %u -> %u (in_prod %u)", cons, nc, c->evt_prod);
		if (c->evt_prod - nc > XENDISPL_IN_RING_LEN)
			random_close(c);
	} else if (act == RA_EVT_PROD) {
		uint32_t k = 1 + (rnd_below(2) ? rnd_below(8) : rnd_below(1000));
		uint32_t cons = *(volatile uint32_t *)&page->in_cons;

		c->evt_prod += k;
		xen_wmb();
		page->in_prod = c->evt_prod;
		xen_mb();
		xops->notify((uint32_t)c->evt_port);
		rnd_trace(c, "evt-prod", req, "in_prod +%u = %u (in_cons %u)", k, c->evt_prod, cons);
		if (c->evt_prod - cons > XENDISPL_IN_RING_LEN)
			random_close(c);
	}
}

/* --fault-random: the request was executed (status in @p); now garble around it. */
static void random_executed(struct connector *c, const struct xendispl_req *req,
			    enum rnd_act act, struct pending_rsp *p)
{
	bool flip = p->flip_evt;
	int64_t now;

	switch (act) {
	case RA_EXEC_BADSTATUS:
		p->rsp.status = rnd_status();
		if (!p->rsp.status)
			p->rsp.status = -XEN_EIO;
		p->flip_evt = false;
		rnd_trace(c, "exec-badstatus", req, "executed, answered status %d", p->rsp.status);
		break;
	case RA_LATE:
		p->due_ns = now_ns() + 200000000ll + (int64_t)rnd_below(4300) * 1000000;
		rnd_trace(c, "late", req, "answered in %lld ms",
			  (long long)((p->due_ns - now_ns()) / 1000000));
		break;
	case RA_DUP:
		respond(c, p);
		rnd_trace(c, "dup", req, "answered twice; closing");
		random_close(c);
		break;
	case RA_EXTRA_RSP: {
		struct pending_rsp g = *p;

		g.rsp.id = (uint16_t)rnd64();
		g.rsp.operation = (uint8_t)rnd64();
		g.rsp.status = rnd_status();
		g.flip_evt = false;
		respond(c, &g);
		rnd_trace(c, "extra-rsp", req, "a response id=%u op=%#x status=%d first; closing",
			  g.rsp.id, g.rsp.operation, g.rsp.status);
		random_close(c);
		break;
	}
	case RA_FLIP_NOEVT:
	case RA_FLIP_EVT_TWICE:
	case RA_FLIP_EVT_LATE:
		p->flip_evt = false;
		break;
	case RA_EDID:
	case RA_EVT_BOGUS:
	case RA_EVT_CONS:
	case RA_EVT_PROD:
	case RA_CLOSE:
	default:
		break;
	}
	respond(c, p);
	now = now_ns();
	if (flip && act == RA_FLIP_NOEVT) {
		rnd_trace(c, "flip-noevt", req, "no EVT_PG_FLIP");
	} else if (flip && act == RA_FLIP_EVT_TWICE) {
		evt_enqueue(c, now, p->fb_cookie);
		evt_enqueue(c, now, p->fb_cookie);
		evt_flush(c, now, NULL);
		rnd_trace(c, "flip-evt-twice", req, "EVT_PG_FLIP twice");
	} else if (flip && act == RA_FLIP_EVT_LATE) {
		int64_t ms = 100 + rnd_below(3000);

		evt_enqueue(c, now + ms * 1000000, p->fb_cookie);
		rnd_trace(c, "flip-evt-late", req, "EVT_PG_FLIP %lld ms late", (long long)ms);
	} else if (act == RA_EVT_BOGUS || act == RA_EVT_CONS || act == RA_EVT_PROD) {
		random_events(c, req, act);
	} else if (act == RA_CLOSE) {
		rnd_trace(c, "close", req, "answered, then Closing, Closed, InitWait");
		random_close(c);
	} else if (act == RA_EDID && req->operation != XENDISPL_OP_GET_EDID) {
		/* cannot happen: RA_EDID is drawn for GET_EDID only */
	} else if (act == RA_FLIP_NOEVT || act == RA_FLIP_EVT_TWICE || act == RA_FLIP_EVT_LATE) {
		rnd_trace(c, ra_tab[act].name, req, "the flip failed: no event anyway");
	}
}

static void handle_request(struct connector *c, const struct xendispl_req *req)
{
	struct device *d = c->dev;
	struct pending_rsp p;
	uint32_t edid_sz = 0;
	enum rnd_act act = RA_NONE;
	bool faulted;
	int status;

	g_requests++;
	d->requests++;
	status_dirty();
	trace_req(c, req);
	faulted = fault_eligible(req->operation, c->idx, g_requests);

	memset(&p, 0, sizeof(p));
	p.rsp.id = req->id;
	p.rsp.operation = req->operation;
	p.due_ns = 0;

	if (faulted && opt.fault == FAULT_RANDOM) {
		act = random_decide(req);
		switch (act) {
		case RA_BADID:
			p.rsp.id = rnd_below(2) ? (uint16_t)(req->id - 1 - rnd_below(4)) :
				   (uint16_t)rnd64();
			if (p.rsp.id == req->id)
				p.rsp.id++;
			rnd_trace(c, "badid", req, "answered id=%u, not executed", p.rsp.id);
			respond(c, &p);
			return;
		case RA_BADOP:
			p.rsp.operation = (uint8_t)(req->operation ^ (1 + rnd_below(255)));
			rnd_trace(c, "badop", req, "answered operation %#x, not executed",
				  p.rsp.operation);
			respond(c, &p);
			return;
		case RA_BADSTATUS:
			p.rsp.status = rnd_status();
			rnd_trace(c, "badstatus", req, "status %d, not executed", p.rsp.status);
			respond(c, &p);
			return;
		case RA_FALSE_OK:
			/* GET_EDID: a size over whatever the buffer holds */
			if (req->operation == XENDISPL_OP_GET_EDID)
				p.rsp.op.get_edid.edid_sz = rnd_below(600);
			rnd_trace(c, "false-ok", req, "status 0, not executed");
			respond(c, &p);
			return;
		case RA_NOANSWER:
			rnd_trace(c, "noanswer", req, "not executed, never answered");
			return;
		case RA_RSP_PROD: {
			RING_IDX old = c->ring.rsp_prod_pvt, nw;

			switch (rnd_below(3)) {
			case 0:
				nw = old + 1000;
				break;
			case 1:
				nw = old - 1 - rnd_below(8);
				break;
			default:
				nw = (RING_IDX)rnd64();
			}
			c->sring->rsp_prod = nw;
			xen_mb();
			xops->notify((uint32_t)c->req_port);
			c->ring_dead = true;
			random_close(c);
			rnd_trace(c, "rsp-prod", req, "rsp_prod %u -> %u, not executed; closing", old, nw);
			return;
		}
		case RA_EDID:
			edid_garble = (int)rnd_below(8);
			break;
		default:
			break;
		}
	}

	if (faulted) {
		switch (opt.fault) {
		case FAULT_NOANSWER:
			trace("%.3f %u/%u c%u FAULT noanswer id=%u", t_rel(), d->fe_domid,
			      d->devid, c->idx, req->id);
			return;
		case FAULT_GARBAGE:
			fault_garbage(c);
			return;
		case FAULT_ERROR:
			/* the request is not executed: we claim it failed */
			p.rsp.status = -(int32_t)opt.fault_arg;
			respond(c, &p);
			return;
		case FAULT_BADID:
			p.rsp.id = (uint16_t)(req->id + 0x5555);
			respond(c, &p);
			trace("%.3f %u/%u c%u FAULT badid: answered id=%u for id=%u", t_rel(),
			      d->fe_domid, d->devid, c->idx, p.rsp.id, req->id);
			return;
		case FAULT_BADOP:
			p.rsp.operation = (uint8_t)(req->operation ^ 0xee);
			respond(c, &p);
			return;
		default:
			break;
		}
	}

	switch (req->operation) {
	case XENDISPL_OP_DBUF_CREATE:
		status = do_dbuf_create(c, req);
		break;
	case XENDISPL_OP_DBUF_DESTROY:
		status = do_dbuf_destroy(c, req);
		break;
	case XENDISPL_OP_FB_ATTACH:
		status = do_fb_attach(c, req);
		break;
	case XENDISPL_OP_FB_DETACH:
		status = do_fb_detach(c, req);
		break;
	case XENDISPL_OP_SET_CONFIG:
		status = do_set_config(c, req);
		break;
	case XENDISPL_OP_PG_FLIP:
		status = do_pg_flip(c, req);
		if (status == 0) {
			p.fb_cookie = req->op.pg_flip.fb_cookie;
			p.flip_evt = !(faulted && opt.fault == FAULT_DROPEVENTS);
		}
		break;
	case XENDISPL_OP_GET_EDID:
		if (d->version == 1) {
			violation(d, (int)c->idx, "id=%u GET_EDID with protocol version 1", req->id);
			status = -XEN_EINVAL;
			break;
		}
		status = do_get_edid(c, req, &edid_sz);
		break;
	default:
		violation(d, (int)c->idx, "id=%u unknown operation 0x%02x", req->id, req->operation);
		status = -XEN_EINVAL;
	}
	edid_garble = -1;
	p.rsp.status = status;
	p.rsp.op.get_edid.edid_sz = edid_sz;
	if (faulted && opt.fault == FAULT_DELAY)
		p.due_ns = now_ns() + (int64_t)opt.fault_arg * 1000000;
	if (act != RA_NONE) {
		random_executed(c, req, act, &p);
		return;
	}
	respond(c, &p);
	if (faulted && opt.fault == FAULT_CLOSE)
		d->close_pending = true;
}

/*
 * Until RING_FINAL_CHECK_FOR_REQUESTS() finds nothing: only that leaves req_event past
 * req_prod, which a frontend that notifies only when req_event asks (upstream's does) needs
 * before it notifies again. Stopping after some rounds with requests left, as this did once
 * (8 rounds), stalled such a frontend for good when it pushed its next request during
 * every final check (seen in make bench's icount mode); libxenbe loops the same way.
 */
void conn_process_ring(struct connector *c)
{
	if (!c->sring || c->ring_dead)
		return;
	for (;;) {
		RING_IDX rp = *(volatile RING_IDX *)&c->sring->req_prod;
		unsigned int guard = RING_SIZE(&c->ring);
		int more;

		xen_rmb();  /* see requests up to rp */
		if (RING_REQUEST_PROD_OVERFLOW(&c->ring, rp)) {
			violation(c->dev, (int)c->idx, "request ring overflow: req_prod=%u, "
				  "rsp_prod=%u, ring size %u: ring stopped", rp,
				  c->ring.rsp_prod_pvt, RING_SIZE(&c->ring));
			c->ring_dead = true;
			return;
		}
		while (c->ring.req_cons != rp && guard--) {
			struct xendispl_req req;

			if (RING_REQUEST_CONS_OVERFLOW(&c->ring, c->ring.req_cons))
				break;
			/* private copy: the frontend may rewrite the slot meanwhile */
			memcpy(&req, RING_GET_REQUEST(&c->ring, c->ring.req_cons), sizeof(req));
			xen_rmb();
			c->ring.req_cons++;
			handle_request(c, &req);
			if (c->ring_dead || c->dev->close_pending || !c->sring)
				return;
		}
		RING_FINAL_CHECK_FOR_REQUESTS(&c->ring, more);
		if (!more)
			return;
	}
}

/*
 * Attach mapped transport pages to a connector. A fresh frontend ring has
 * all indices 0; after a backend restart the ring may already be in use, so
 * we resume at the frontend's rsp_prod / in_prod (event ids follow in_prod,
 * which equals the frontend's next expected id if it consumed everything).
 */
int conn_attach(struct connector *c, void *ring_page, void *evt_page)
{
	struct xen_displif_sring *s = ring_page;
	struct xendispl_event_page *e = evt_page;
	RING_IDX rsp = *(volatile RING_IDX *)&s->rsp_prod;
	RING_IDX req = *(volatile RING_IDX *)&s->req_prod;

	BACK_RING_ATTACH(&c->ring, s, rsp, XEN_PAGE_SZ);
	if (req - rsp > RING_SIZE(&c->ring)) {
		violation(c->dev, (int)c->idx, "request ring at connect: req_prod=%u rsp_prod=%u",
			  req, rsp);
		return -1;
	}
	if (req != 0 || rsp != 0)
		note(c->dev, (int)c->idx, "request ring not fresh at connect: req_prod=%u rsp_prod=%u",
		     req, rsp);
	c->sring = s;
	c->evt_page = e;
	c->evt_prod = *(volatile uint32_t *)&e->in_prod;
	c->evt_id = (uint16_t)c->evt_prod;
	if (c->evt_prod != 0)
		note(c->dev, (int)c->idx, "event page not fresh at connect: in_prod=%u in_cons=%u",
		     c->evt_prod, e->in_cons);
	c->ring_dead = false;
	c->evt_broken = false;
	c->rsp_head = c->rsp_n = 0;
	c->evt_head = c->evt_n = 0;
	return 0;
}

void conn_detach(struct connector *c)
{
	c->sring = NULL;
	c->evt_page = NULL;
	c->rsp_head = c->rsp_n = 0;
	c->evt_head = c->evt_n = 0;
}
