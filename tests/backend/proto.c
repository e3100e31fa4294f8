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

static int do_get_edid(struct connector *c, const struct xendispl_req *req, uint32_t *edid_sz)
{
	struct device *d = c->dev;
	const struct xendispl_get_edid_req *r = &req->op.get_edid;
	int ci = (int)c->idx;
	uint8_t edid[128 * 4];
	uint32_t npages, *refs;
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
			*edid_sz = (uint32_t)len;
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

static void handle_request(struct connector *c, const struct xendispl_req *req)
{
	struct device *d = c->dev;
	struct pending_rsp p;
	uint32_t edid_sz = 0;
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
	p.rsp.status = status;
	p.rsp.op.get_edid.edid_sz = edid_sz;
	if (faulted && opt.fault == FAULT_DELAY)
		p.due_ns = now_ns() + (int64_t)opt.fault_arg * 1000000;
	respond(c, &p);
	if (faulted && opt.fault == FAULT_CLOSE)
		d->close_pending = true;
}

void conn_process_ring(struct connector *c)
{
	unsigned int rounds = 8;

	if (!c->sring || c->ring_dead)
		return;
	while (rounds--) {
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
