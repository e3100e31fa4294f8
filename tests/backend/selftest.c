/* SPDX-License-Identifier: MIT */
/*
 * --selftest: offline checks, no Xen needed.
 *
 *  - FNV-1a 64 and the pixel-format conversions on known values
 *  - the EDID generator (header, checksums, decoded timings, name)
 *  - PNG/txt dumps (PNG read back and re-hashed)
 *  - the whole request path, driven by a scripted frontend through a fake
 *    grant table: a memfd is "guest memory", grant ref N is its page N, and
 *    mapping a grant mmaps that page, so backend and frontend really share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <png.h>

#include "vdispl-be.h"

int open_trace(void);

static int failures, checks;

#define CHECK(cond, ...) do {                                           \
	checks++;                                                       \
	if (!(cond)) {                                                  \
		failures++;                                             \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);    \
		fprintf(stderr, __VA_ARGS__);                           \
		fputc('\n', stderr);                                    \
	}                                                               \
} while (0)

/* ------------------------------------------------------------------ */
/* Fake grant table                                                    */

#define FAKE_PAGES 8192u   /* 32 MiB of "guest memory" */
static int mfd = -1;
static uint8_t *guest;           /* frontend's view of all pages */
static bool granted[FAKE_PAGES];
static uint32_t next_free = 1;   /* gref 0 is never valid */
static unsigned int notifies[64];
static long mapped_pages;        /* leak check */

static uint8_t *gpage(uint32_t ref)
{
	return guest + (size_t)ref * XEN_PAGE_SZ;
}

/* frontend: allocate and grant @n contiguous pages; returns first gref */
static uint32_t g_alloc(uint32_t n)
{
	uint32_t first = next_free;

	if (next_free + n > FAKE_PAGES) {
		fprintf(stderr, "selftest: fake guest memory exhausted\n");
		exit(1);
	}
	for (uint32_t i = 0; i < n; i++)
		granted[first + i] = true;
	memset(gpage(first), 0, (size_t)n * XEN_PAGE_SZ);
	next_free += n;
	return first;
}

static void *f_map(uint32_t domid, uint32_t count, const uint32_t *refs, bool writable)
{
	uint8_t *base;

	(void)domid;
	base = mmap(NULL, (size_t)count * XEN_PAGE_SZ, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	for (uint32_t i = 0; i < count; i++) {
		if (!refs[i] || refs[i] >= FAKE_PAGES || !granted[refs[i]] ||
		    mmap(base + (size_t)i * XEN_PAGE_SZ, XEN_PAGE_SZ,
			 writable ? PROT_READ | PROT_WRITE : PROT_READ,
			 MAP_SHARED | MAP_FIXED, mfd, (off_t)refs[i] * XEN_PAGE_SZ) == MAP_FAILED) {
			munmap(base, (size_t)count * XEN_PAGE_SZ);
			errno = EINVAL;
			return NULL;
		}
	}
	mapped_pages += count;
	return base;
}

static int f_unmap(void *addr, uint32_t count)
{
	mapped_pages -= count;
	return munmap(addr, (size_t)count * XEN_PAGE_SZ);
}

static void *f_share(uint32_t domid, uint32_t count, uint32_t *refs)
{
	uint32_t first = g_alloc(count);

	for (uint32_t i = 0; i < count; i++)
		refs[i] = first + i;
	return f_map(domid, count, refs, true);
}

/* A frontend that pushes its next request as soon as it is notified on @eager_port */
static int eager_port = -1;
static unsigned int eager_left;
static void (*eager_push)(void);

static int f_notify(uint32_t port)
{
	if (port < ARRAY_SIZE(notifies))
		notifies[port]++;
	if (eager_left && (int)port == eager_port) {
		eager_left--;
		eager_push();
	}
	return 0;
}

static const struct xen_ops fake_ops = {
	.map = f_map, .unmap = f_unmap, .share = f_share, .unshare = f_unmap,
	.notify = f_notify,
};

/* ------------------------------------------------------------------ */
/* Scripted frontend                                                   */

struct fe {
	struct connector *c;
	xen_displif_front_ring_t ring;
	struct xendispl_event_page *evt;
	uint16_t next_id;
	uint16_t evt_id;
};

static struct device dev;
static struct fe fe[2];

static void fe_setup(struct fe *f, struct connector *c)
{
	uint32_t rref = g_alloc(1), eref = g_alloc(1);
	struct xen_displif_sring *s = (void *)gpage(rref);
	void *ring, *evt;

	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&f->ring, s, XEN_PAGE_SZ);
	f->evt = (void *)gpage(eref);
	f->c = c;
	f->next_id = 100;
	f->evt_id = 0;
	ring = f_map(1, 1, &rref, true);
	evt = f_map(1, 1, &eref, true);
	c->req_port = 10 + (int)c->idx;
	c->evt_port = 20 + (int)c->idx;
	if (!ring || !evt || conn_attach(c, ring, evt) != 0) {
		fprintf(stderr, "selftest: attach failed\n");
		exit(1);
	}
}

/* Pushes a PG_FLIP as upstream's frontend does: the ring's notify check decides. */
static void fe_push_flip(struct fe *f, uint64_t fb)
{
	struct xendispl_req req = { .operation = XENDISPL_OP_PG_FLIP };
	int notify;

	req.op.pg_flip.fb_cookie = fb;
	req.id = f->next_id++;
	memcpy(RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt), &req, sizeof(req));
	f->ring.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->ring, notify);
	(void)notify;
}

static void fe0_push_flip(void)
{
	/* and wants to hear of every response, as upstream's interrupt handler asks */
	fe[0].ring.sring->rsp_event = fe[0].ring.sring->rsp_prod + 1;
	fe_push_flip(&fe[0], 0x2000);
}

/* Sends @req (id assigned), runs the backend, returns true with @rsp if answered. */
static bool fe_call(struct fe *f, struct xendispl_req *req, struct xendispl_resp *rsp)
{
	int notify;

	req->id = f->next_id++;
	memcpy(RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt), req, sizeof(*req));
	f->ring.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->ring, notify);
	(void)notify;
	conn_process_ring(f->c);
	if (!RING_HAS_UNCONSUMED_RESPONSES(&f->ring))
		return false;
	memcpy(rsp, RING_GET_RESPONSE(&f->ring, f->ring.rsp_cons), sizeof(*rsp));
	f->ring.rsp_cons++;
	return true;
}

static int call_status(struct fe *f, struct xendispl_req *req)
{
	struct xendispl_resp rsp;
	uint16_t id = f->next_id;

	if (!fe_call(f, req, &rsp))
		return 9999;
	CHECK(rsp.id == id, "response id %u, expected %u", rsp.id, id);
	CHECK(rsp.operation == req->operation, "response op 0x%x, expected 0x%x",
	      rsp.operation, req->operation);
	return rsp.status;
}

/* Builds a page directory for @n grefs; returns the first directory gref. */
static uint32_t fe_dir(const uint32_t *refs, uint32_t n)
{
	uint32_t ndir = DIV_ROUND_UP(n, GREFS_PER_DIR_PAGE);
	uint32_t dref[64];

	for (uint32_t k = 0; k < ndir; k++)
		dref[k] = g_alloc(1);
	for (uint32_t k = 0; k < ndir; k++) {
		struct xendispl_page_directory *pd = (void *)gpage(dref[k]);
		uint32_t cnt = n - k * GREFS_PER_DIR_PAGE;

		if (cnt > GREFS_PER_DIR_PAGE)
			cnt = GREFS_PER_DIR_PAGE;
		pd->gref_dir_next_page = k + 1 < ndir ? dref[k + 1] : 0;
		if (refs)
			memcpy(pd->gref, refs + k * GREFS_PER_DIR_PAGE, cnt * sizeof(uint32_t));
	}
	return dref[0];
}

struct fbuf {
	uint32_t first;   /* first data gref (contiguous in fake memory) */
	uint32_t npages;
	uint32_t dir;
	uint8_t *px;      /* frontend's view */
};

static struct fbuf fe_buffer(uint32_t size)
{
	struct fbuf b;
	uint32_t *refs;

	b.npages = DIV_ROUND_UP(size, XEN_PAGE_SZ);
	b.first = g_alloc(b.npages);
	refs = malloc(b.npages * sizeof(*refs));
	for (uint32_t i = 0; i < b.npages; i++)
		refs[i] = b.first + i;
	b.dir = fe_dir(refs, b.npages);
	b.px = gpage(b.first);
	free(refs);
	return b;
}

static struct xendispl_req req_dbuf(uint64_t cookie, uint32_t w, uint32_t h, uint32_t bpp,
				    uint32_t sz, uint32_t dir)
{
	struct xendispl_req r;

	memset(&r, 0, sizeof(r));
	r.operation = XENDISPL_OP_DBUF_CREATE;
	r.op.dbuf_create.dbuf_cookie = cookie;
	r.op.dbuf_create.width = w;
	r.op.dbuf_create.height = h;
	r.op.dbuf_create.bpp = bpp;
	r.op.dbuf_create.buffer_sz = sz;
	r.op.dbuf_create.gref_directory = dir;
	return r;
}

static struct xendispl_req req_fb(uint64_t dbuf, uint64_t fb, uint32_t w, uint32_t h,
				  uint32_t fmt)
{
	struct xendispl_req r;

	memset(&r, 0, sizeof(r));
	r.operation = XENDISPL_OP_FB_ATTACH;
	r.op.fb_attach.dbuf_cookie = dbuf;
	r.op.fb_attach.fb_cookie = fb;
	r.op.fb_attach.width = w;
	r.op.fb_attach.height = h;
	r.op.fb_attach.pixel_format = fmt;
	return r;
}

static struct xendispl_req req_cfg(uint64_t fb, uint32_t w, uint32_t h, uint32_t bpp)
{
	struct xendispl_req r;

	memset(&r, 0, sizeof(r));
	r.operation = XENDISPL_OP_SET_CONFIG;
	r.op.set_config.fb_cookie = fb;
	r.op.set_config.width = w;
	r.op.set_config.height = h;
	r.op.set_config.bpp = bpp;
	return r;
}

static struct xendispl_req req_flip(uint64_t fb)
{
	struct xendispl_req r;

	memset(&r, 0, sizeof(r));
	r.operation = XENDISPL_OP_PG_FLIP;
	r.op.pg_flip.fb_cookie = fb;
	return r;
}

static struct xendispl_req req_cookie(uint8_t op, uint64_t cookie)
{
	struct xendispl_req r;

	memset(&r, 0, sizeof(r));
	r.operation = op;
	r.op.dbuf_destroy.dbuf_cookie = cookie;   /* same offset for all */
	return r;
}

/* Reads pending events from the event page like drm_xen_front does. */
static unsigned int fe_events(struct fe *f, uint64_t *last_cookie, bool *ids_ok)
{
	uint32_t prod = f->evt->in_prod, cons;
	unsigned int n = 0;

	for (cons = f->evt->in_cons; cons != prod && n < 1000; cons++, n++) {
		struct xendispl_evt *e = &XENDISPL_IN_RING_REF(f->evt, cons);
		if (e->id != f->evt_id++ || e->type != XENDISPL_EVT_PG_FLIP)
			*ids_ok = false;
		*last_cookie = e->op.pg_flip.fb_cookie;
	}
	f->evt->in_cons = cons;
	return n;
}

/* ------------------------------------------------------------------ */
/* Reference implementations                                           */

static uint64_t fnv_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = FNV64_INIT;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= FNV64_PRIME;
	}
	return h;
}

/* checksum of an XRGB8888 image, straight from the definition */
static uint64_t ref_sum_xrgb(const uint8_t *px, uint32_t w, uint32_t h, uint32_t pitch)
{
	uint64_t s = FNV64_INIT;

	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			const uint8_t *p = px + (size_t)y * pitch + 4 * x;
			uint8_t le[4] = { p[0], p[1], p[2], 0 };  /* B G R -> 0x00RRGGBB LE */
			for (int i = 0; i < 4; i++) {
				s ^= le[i];
				s *= FNV64_PRIME;
			}
		}
	return s;
}

static uint64_t read_checksum(const char *txt_path)
{
	FILE *f = fopen(txt_path, "r");
	char line[256];
	unsigned long long v = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "checksum=0x%llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

static char *read_kv(const char *txt_path, const char *key, char *out, size_t outsz)
{
	FILE *f = fopen(txt_path, "r");
	char line[256];
	size_t kl = strlen(key);

	out[0] = 0;
	if (!f)
		return out;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == '=') {
			snprintf(out, outsz, "%s", line + kl + 1);
			out[strcspn(out, "\n")] = 0;
			break;
		}
	fclose(f);
	return out;
}

/* Reads a PNG back and hashes its RGB pixels as 0x00RRGGBB. */
static uint64_t png_sum(const char *path, uint32_t *w, uint32_t *h)
{
	png_image img;
	uint8_t *buf;
	uint64_t s = FNV64_INIT;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path))
		return 0;
	img.format = PNG_FORMAT_RGB;
	buf = malloc(PNG_IMAGE_SIZE(img));
	if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
		free(buf);
		return 0;
	}
	for (size_t i = 0; i < (size_t)img.width * img.height; i++) {
		uint32_t v = ((uint32_t)buf[3 * i] << 16) | (buf[3 * i + 1] << 8) | buf[3 * i + 2];
		s = fnv1a64_rgb(s, &v, 1);
	}
	*w = img.width;
	*h = img.height;
	free(buf);
	return s;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void test_fnv(void)
{
	uint32_t px = 0x00636261;  /* bytes 'a' 'b' 'c' 0 */

	CHECK(fnv_bytes("a", 1) == 0xaf63dc4c8601ec8cull, "fnv(a)");
	CHECK(fnv_bytes("foobar", 6) == 0x85944171f73967e8ull, "fnv(foobar)");
	CHECK(fnv1a64_rgb(FNV64_INIT, &px, 1) == fnv_bytes("abc", 4), "fnv pixel LE");
	CHECK(fnv1a64_rgb(FNV64_INIT, NULL, 0) == 0xcbf29ce484222325ull, "fnv empty");
}

static void test_formats(void)
{
	static const struct {
		uint32_t fourcc;
		uint8_t bytes[4];
		uint32_t rgb;
	} t[] = {
		{ FOURCC('X', 'R', '2', '4'), { 0x33, 0x22, 0x11, 0xff }, 0x112233 },
		{ FOURCC('A', 'R', '2', '4'), { 0x33, 0x22, 0x11, 0x80 }, 0x112233 },
		{ FOURCC('R', 'G', '2', '4'), { 0x33, 0x22, 0x11 }, 0x112233 },
		{ FOURCC('R', 'G', '1', '6'), { 0x00, 0xf8 }, 0xff0000 },
		{ FOURCC('R', 'G', '1', '6'), { 0xe0, 0x07 }, 0x00ff00 },
		{ FOURCC('R', 'G', '1', '6'), { 0x1f, 0x00 }, 0x0000ff },
		{ FOURCC('R', 'G', '1', '6'), { 0x10, 0x84 }, 0x848284 },
		{ FOURCC('X', 'R', '1', '2'), { 0x00, 0x0f }, 0xff0000 },
		{ FOURCC('A', 'R', '1', '2'), { 0x5a, 0xf3 }, 0x3355aa },
		{ FOURCC('X', 'R', '1', '5'), { 0x00, 0x7c }, 0xff0000 },
		{ FOURCC('A', 'R', '1', '5'), { 0xe0, 0x83 }, 0x00ff00 },
		{ FOURCC('X', 'R', '1', '5'), { 0x10, 0x42 }, 0x848484 },
	};
	uint32_t out[2];

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		const struct pixfmt *f = pixfmt_find(t[i].fourcc);
		char fcc[16];

		CHECK(f != NULL, "format %s known", fourcc_str(t[i].fourcc, fcc));
		if (!f)
			continue;
		pixfmt_line_to_rgb(f, t[i].bytes, f->bpp / 8, 1, out);
		CHECK(out[0] == t[i].rgb, "%s %02x%02x%02x%02x -> %06x, expected %06x", f->name,
		      t[i].bytes[0], t[i].bytes[1], t[i].bytes[2], t[i].bytes[3], out[0], t[i].rgb);
	}
	/* YUYV: Y0 U Y1 V, BT.601 limited range */
	{
		const struct pixfmt *f = pixfmt_find(FOURCC('Y', 'U', 'Y', 'V'));
		uint8_t yuyv[4] = { 235, 128, 16, 128 };
		uint8_t red[4] = { 81, 90, 81, 240 };

		pixfmt_line_to_rgb(f, yuyv, 4, 2, out);
		CHECK(out[0] == 0xffffff && out[1] == 0x000000, "YUYV white/black: %06x %06x",
		      out[0], out[1]);
		pixfmt_line_to_rgb(f, red, 4, 1, out);
		CHECK(out[0] == 0xff0000, "YUYV red: %06x", out[0]);
	}
	CHECK(pixfmt_find(FOURCC('N', 'V', '1', '2')) == NULL, "NV12 unknown");
}

static unsigned int decode_dtd(const uint8_t *p, struct mode *m, double *hz)
{
	uint32_t clk = p[0] | (p[1] << 8);
	uint32_t ha = p[2] | ((p[4] >> 4) << 8), hb = p[3] | ((p[4] & 0xf) << 8);
	uint32_t va = p[5] | ((p[7] >> 4) << 8), vb = p[6] | ((p[7] & 0xf) << 8);

	if (!clk)
		return 0;
	m->w = ha;
	m->h = va;
	*hz = clk * 10000.0 / ((double)(ha + hb) * (va + vb));
	return 1;
}

static void test_edid(void)
{
	uint8_t e[512];
	const struct mode extra[] = { { 1920, 1080 }, { 800, 600 }, { 1280, 1024 }, { 640, 480 } };
	const struct mode want[] = { { 1024, 768 }, { 1920, 1080 }, { 800, 600 },
				     { 1280, 1024 }, { 640, 480 } };
	struct mode got[8];
	unsigned int n = 0;
	int len;

	len = edid_build(e, sizeof(e), (struct mode){ 1024, 768 }, NULL, 0);
	CHECK(len == 128, "EDID size %d", len);
	len = edid_build(e, sizeof(e), (struct mode){ 1024, 768 }, extra, 4);
	CHECK(len == 256, "EDID with extension: size %d", len);
	CHECK(!memcmp(e, "\0\xff\xff\xff\xff\xff\xff\0", 8), "EDID header");
	CHECK(e[18] == 1 && e[19] == 4, "EDID 1.4");
	CHECK(e[126] == 1, "one extension block");
	for (int b = 0; b < len / 128; b++) {
		uint8_t s = 0;
		for (int i = 0; i < 128; i++)
			s += e[128 * b + i];
		CHECK(s == 0, "block %d checksum", b);
	}
	for (int d = 0; d < 4; d++) {
		double hz;
		if (decode_dtd(e + 54 + 18 * d, &got[n], &hz)) {
			CHECK(hz > 59.5 && hz < 60.5, "base DTD %d refresh %.2f", d, hz);
			n++;
		}
	}
	CHECK(e[108 + 3] == 0xfc && !memcmp(e + 108 + 5, "XENDISPL\n", 9), "monitor name");
	CHECK(e[128] == 0x02 && e[130] == 7, "CTA extension header");
	CHECK(e[35] == 0x20, "640x480@60 established timing with a CTA block");
	for (int d = 0; d < 6; d++) {
		double hz;
		if (decode_dtd(e + 128 + 7 + 18 * d, &got[n], &hz)) {
			CHECK(hz > 59.5 && hz < 60.5, "ext DTD %d refresh %.2f", d, hz);
			n++;
		}
	}
	CHECK(n == ARRAY_SIZE(want), "EDID has %u detailed timings", n);
	for (unsigned int i = 0; i < n && i < ARRAY_SIZE(want); i++)
		CHECK(got[i].w == want[i].w && got[i].h == want[i].h,
		      "DTD %u is %ux%u, expected %ux%u", i, got[i].w, got[i].h, want[i].w, want[i].h);
	/* preferred mode is descriptor 0 and features says it is native */
	CHECK(e[24] & 0x02, "preferred timing bit");
	/* 3840x2160@60 still encodable */
	len = edid_build(e, sizeof(e), (struct mode){ 3840, 2160 }, NULL, 0);
	{
		double hz;
		struct mode m;
		CHECK(len == 128 && decode_dtd(e + 54, &m, &hz) && m.w == 3840 && hz > 59.5,
		      "4K EDID");
	}
	{
		struct mode many[MAX_EDID_MODES];
		for (unsigned int i = 0; i < MAX_EDID_MODES; i++)
			many[i] = (struct mode){ 640 + 16 * i, 480 };
		len = edid_build(e, sizeof(e), (struct mode){ 800, 600 }, many, MAX_EDID_MODES);
		CHECK(len == 128 * 4, "16 extra modes need 3 extension blocks: %d", len);
	}
}

static void test_dump_blank(const char *dir)
{
	struct frame f = { .width = 8, .height = 4 };
	struct conn_counters cnt = { 0, 0 };
	char base[512], path[600], val[64];
	uint32_t zero[32] = { 0 };
	uint64_t sum = 0;
	uint32_t w = 0, h = 0;

	snprintf(base, sizeof(base), "%s/blank", dir);
	CHECK(frame_dump(&f, base, &cnt, &sum) == 0, "blank dump");
	CHECK(sum == fnv1a64_rgb(FNV64_INIT, zero, 32), "blank checksum");
	snprintf(path, sizeof(path), "%s.txt", base);
	CHECK(!strcmp(read_kv(path, "fb_cookie", val, sizeof(val)), "0"), "blank fb_cookie=0");
	CHECK(!strcmp(read_kv(path, "format", val, sizeof(val)), "none"), "blank format");
	snprintf(path, sizeof(path), "%s.png", base);
	CHECK(png_sum(path, &w, &h) == sum && w == 8 && h == 4, "blank PNG");
}

static void pattern_xrgb(uint8_t *px, uint32_t w, uint32_t h, uint32_t pitch, uint32_t seed)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			uint8_t *p = px + (size_t)y * pitch + 4 * x;
			p[0] = (uint8_t)(x * 3 + seed);
			p[1] = (uint8_t)(y * 5 + seed);
			p[2] = (uint8_t)(x ^ y);
			p[3] = 0xa5;   /* X/A byte must not matter */
		}
}

static void test_protocol(const char *dir)
{
	struct xendispl_req r;
	struct xendispl_resp rsp;
	struct connector *c0 = &dev.conns[0], *c1 = &dev.conns[1];
	char path[600], val[64];
	uint64_t cookie = 0, sum;
	bool ids_ok = true;
	uint64_t v0;
	uint32_t w, h;

	memset(&dev, 0, sizeof(dev));
	dev.fe_domid = 1;
	dev.devid = 0;
	dev.nconns = 2;
	dev.be_alloc = true;
	dev.version = 2;
	dev.mode = DM_CONNECTED;
	for (unsigned int i = 0; i < 2; i++) {
		dev.conns[i].dev = &dev;
		dev.conns[i].idx = i;
	}
	c0->res = (struct mode){ 64, 48 };
	c1->res = (struct mode){ 32, 16 };
	fe_setup(&fe[0], c0);
	fe_setup(&fe[1], c1);

	/* --- frontend-allocated XRGB8888 buffer, shown on connector 0 --- */
	struct fbuf b1 = fe_buffer(64 * 48 * 4);
	pattern_xrgb(b1.px, 64, 48, 256, 7);
	r = req_dbuf(0x1000, 64, 48, 32, 64 * 48 * 4, b1.dir);
	CHECK(call_status(&fe[0], &r) == 0, "DBUF_CREATE");
	r = req_fb(0x1000, 0x2000, 64, 48, FOURCC('X', 'R', '2', '4'));
	CHECK(call_status(&fe[0], &r) == 0, "FB_ATTACH");
	r = req_cfg(0x2000, 64, 48, 32);
	CHECK(call_status(&fe[0], &r) == 0, "SET_CONFIG");
	v0 = g_violations;
	r = req_flip(0x2000);
	CHECK(call_status(&fe[0], &r) == 0, "PG_FLIP");
	CHECK(fe_events(&fe[0], &cookie, &ids_ok) == 1 && cookie == 0x2000 && ids_ok,
	      "EVT_PG_FLIP delivered with id 0 and the fb cookie");
	CHECK(notifies[20] >= 1, "event channel notified");
	CHECK(g_violations == v0, "no violations in the normal flow");
	dev_dump(&dev, "selftest");
	snprintf(path, sizeof(path), "%s/conn0.txt", dir);
	sum = ref_sum_xrgb(b1.px, 64, 48, 256);
	CHECK(read_checksum(path) == sum, "conn0 checksum %016llx vs %016llx",
	      (unsigned long long)read_checksum(path), (unsigned long long)sum);
	CHECK(!strcmp(read_kv(path, "flips", val, sizeof(val)), "1"), "flips=1");
	CHECK(!strcmp(read_kv(path, "set_configs", val, sizeof(val)), "1"), "set_configs=1");
	CHECK(!strcmp(read_kv(path, "fb_cookie", val, sizeof(val)), "0x2000"), "fb_cookie");
	CHECK(!strcmp(read_kv(path, "format", val, sizeof(val)), "XRGB8888"), "format");
	snprintf(path, sizeof(path), "%s/conn0.png", dir);
	CHECK(png_sum(path, &w, &h) == sum && w == 64 && h == 48, "conn0.png content");
	snprintf(path, sizeof(path), "%s/conn1.txt", dir);
	CHECK(!strcmp(read_kv(path, "fb_cookie", val, sizeof(val)), "0") &&
	      !strcmp(read_kv(path, "width", val, sizeof(val)), "32"), "conn1 blank at 32x16");

	/* --- strict validation --- */
	v0 = g_violations;
	r = req_dbuf(0x1000, 64, 48, 32, 64 * 48 * 4, b1.dir);
	CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "duplicate dbuf cookie");
	r = req_dbuf(0, 64, 48, 32, 64 * 48 * 4, b1.dir);
	CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "dbuf cookie 0");
	r = req_dbuf(0x1001, 64, 48, 32, 64 * 48 * 4 - 1, b1.dir);
	CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "buffer too small");
	r = req_dbuf(0x1001, 64, 48, 32, 0x40000000, b1.dir);
	CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "buffer absurdly large");
	r = req_dbuf(0x1001, 64, 48, 32, 64 * 48 * 4, b1.dir);
	r.reserved[2] = 1;
	CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "header reserved byte");
	r = req_dbuf(0x1001, 64, 48, 32, 64 * 48 * 4, b1.dir);
	r.op.reserved[50] = 1;
	CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "trailing reserved byte");
	r = req_dbuf(0x1001, 64, 48, 32, 64 * 48 * 4, b1.dir);
	r.op.dbuf_create.flags = 2;
	CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "unknown flag");
	{
		/* directory claims a next page although 3 pages fit in one */
		uint32_t extra = g_alloc(1);
		((struct xendispl_page_directory *)gpage(b1.dir))->gref_dir_next_page = extra;
		r = req_dbuf(0x1001, 64, 48, 32, 64 * 48 * 4, b1.dir);
		CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "directory too long");
		((struct xendispl_page_directory *)gpage(b1.dir))->gref_dir_next_page = 0;
	}
	r = req_fb(0x1000, 0x2000, 64, 48, FOURCC('X', 'R', '2', '4'));
	CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "duplicate fb cookie");
	r = req_fb(0x1000, 0x2001, 65, 48, FOURCC('X', 'R', '2', '4'));
	CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "fb wider than dbuf");
	r = req_fb(0x1000, 0x2001, 64, 48, FOURCC('N', 'V', '1', '2'));
	CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "unknown format");
	r = req_fb(0x9999, 0x2001, 64, 48, FOURCC('X', 'R', '2', '4'));
	CHECK(call_status(&fe[0], &r) == -XEN_ENOENT, "fb on unknown dbuf");
	r = req_cookie(XENDISPL_OP_FB_DETACH, 0x7777);
	CHECK(call_status(&fe[0], &r) == -XEN_ENOENT, "detach unknown fb");
	r = req_cookie(XENDISPL_OP_DBUF_DESTROY, 0x7777);
	CHECK(call_status(&fe[0], &r) == -XEN_ENOENT, "destroy unknown dbuf");
	r = req_cfg(0x2000, 64, 48, 16);
	CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "SET_CONFIG bpp mismatch");
	r = req_cfg(0x2000, 64, 48, 32);
	CHECK(call_status(&fe[1], &r) == -XEN_EINVAL, "SET_CONFIG larger than connector 1");
	r = req_flip(0x5555);
	CHECK(call_status(&fe[0], &r) == -XEN_ENOENT, "flip unknown fb");
	memset(&r, 0, sizeof(r));
	r.operation = 0x42;
	CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "unknown operation");
	CHECK(g_violations - v0 == 18, "18 violations counted, got %llu",
	      (unsigned long long)(g_violations - v0));

	/* --- big buffer with a 2-page directory, RGB565 on connector 1 --- */
	{
		uint32_t W = 1400, H = 1600, pitch = W * 2, sz = pitch * H;  /* 1094 pages */
		struct fbuf b2 = fe_buffer(sz);
		uint64_t s = FNV64_INIT;

		CHECK(b2.npages > GREFS_PER_DIR_PAGE, "needs 2 directory pages");
		for (uint32_t y = 0; y < H; y++)
			for (uint32_t x = 0; x < W; x++) {
				uint16_t v = (uint16_t)(x * 7 + y * 13);
				b2.px[y * pitch + 2 * x] = v & 0xff;
				b2.px[y * pitch + 2 * x + 1] = v >> 8;
			}
		r = req_dbuf(0x3000, W, H, 16, sz, b2.dir);
		CHECK(call_status(&fe[0], &r) == 0, "2-page directory DBUF_CREATE");
		r = req_fb(0x3000, 0x4000, 32, 16, FOURCC('R', 'G', '1', '6'));
		CHECK(call_status(&fe[0], &r) == 0, "RGB565 FB_ATTACH");
		r = req_cfg(0x4000, 32, 16, 16);
		CHECK(call_status(&fe[1], &r) == 0, "SET_CONFIG conn 1");
		r = req_flip(0x4000);
		CHECK(call_status(&fe[1], &r) == 0, "PG_FLIP conn 1");
		for (uint32_t y = 0; y < 16; y++)
			for (uint32_t x = 0; x < 32; x++) {
				uint16_t v = (uint16_t)(x * 7 + y * 13);
				uint32_t rr = v >> 11, gg = (v >> 5) & 63, bb = v & 31;
				uint32_t px = (((rr << 3) | (rr >> 2)) << 16) |
					      (((gg << 2) | (gg >> 4)) << 8) | ((bb << 3) | (bb >> 2));
				s = fnv1a64_rgb(s, &px, 1);
			}
		dev_dump(&dev, "selftest");
		snprintf(path, sizeof(path), "%s/conn1.txt", dir);
		CHECK(read_checksum(path) == s, "RGB565 checksum with pitch %u", pitch);
		CHECK(!strcmp(read_kv(path, "pitch", val, sizeof(val)), "2800"), "pitch from dbuf");
		/* the last page of the buffer is reachable (second directory page) */
		r = req_fb(0x3000, 0x4001, W, H, FOURCC('R', 'G', '1', '6'));
		CHECK(call_status(&fe[0], &r) == 0, "full-size fb");
	}

	/* --- be-alloc: backend pages, grefs written into the directory --- */
	{
		uint32_t ndir_ref = fe_dir(NULL, 3);   /* 64*48*4 = 3 pages */
		struct xendispl_page_directory *pd = (void *)gpage(ndir_ref);
		uint8_t *px;

		r = req_dbuf(0x5000, 64, 48, 32, 64 * 48 * 4, ndir_ref);
		r.op.dbuf_create.flags = XENDISPL_DBUF_FLG_REQ_ALLOC;
		CHECK(call_status(&fe[0], &r) == 0, "REQ_ALLOC DBUF_CREATE");
		CHECK(pd->gref[0] && pd->gref[1] == pd->gref[0] + 1 && pd->gref[2] == pd->gref[0] + 2,
		      "backend grefs in the directory: %u %u %u", pd->gref[0], pd->gref[1], pd->gref[2]);
		px = gpage(pd->gref[0]);   /* frontend maps the backend's pages */
		pattern_xrgb(px, 64, 48, 256, 99);
		r = req_fb(0x5000, 0x6000, 64, 48, FOURCC('A', 'R', '2', '4'));
		CHECK(call_status(&fe[0], &r) == 0, "FB_ATTACH on be-alloc dbuf");
		r = req_flip(0x6000);
		CHECK(call_status(&fe[0], &r) == 0, "flip to be-alloc fb");
		dev_dump(&dev, "selftest");
		snprintf(path, sizeof(path), "%s/conn0.txt", dir);
		CHECK(read_checksum(path) == ref_sum_xrgb(px, 64, 48, 256), "be-alloc frame checksum");
		CHECK(fe_events(&fe[0], &cookie, &ids_ok) == 1 && cookie == 0x6000 && ids_ok,
		      "second event, id 1");
		dev.be_alloc = false;
		r = req_dbuf(0x5001, 64, 48, 32, 64 * 48 * 4, ndir_ref);
		r.op.dbuf_create.flags = XENDISPL_DBUF_FLG_REQ_ALLOC;
		CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "REQ_ALLOC without be-alloc");
		dev.be_alloc = true;
	}

	/* --- PRIME import style: no geometry, data_ofs --- */
	{
		struct fbuf b3 = fe_buffer(3 * XEN_PAGE_SZ);
		r = req_dbuf(0x7000, 0, 0, 0, 3 * XEN_PAGE_SZ, b3.dir);
		r.op.dbuf_create.data_ofs = 256;
		CHECK(call_status(&fe[0], &r) == 0, "import DBUF_CREATE with data_ofs");
		pattern_xrgb(b3.px + 256, 32, 16, 128, 3);
		r = req_fb(0x7000, 0x8000, 32, 16, FOURCC('X', 'R', '2', '4'));
		CHECK(call_status(&fe[0], &r) == 0, "FB_ATTACH on imported dbuf");
		r = req_flip(0x8000);
		CHECK(call_status(&fe[1], &r) == 0, "flip imported fb on conn 1");
		dev_dump(&dev, "selftest");
		snprintf(path, sizeof(path), "%s/conn1.txt", dir);
		CHECK(read_checksum(path) == ref_sum_xrgb(b3.px + 256, 32, 16, 128),
		      "imported frame honours data_ofs");
		dev.version = 1;
		r = req_dbuf(0x7001, 0, 0, 0, 3 * XEN_PAGE_SZ, b3.dir);
		r.op.dbuf_create.data_ofs = 256;
		CHECK(call_status(&fe[0], &r) == -XEN_EINVAL, "data_ofs is reserved in v1");
		dev.version = 2;
		fe_events(&fe[1], &cookie, &ids_ok);
	}

	/* --- detach the displayed fb: the frame stays (snapshot) --- */
	{
		char before[64], after[64];
		snprintf(path, sizeof(path), "%s/conn0.txt", dir);
		dev_dump(&dev, "selftest");
		read_kv(path, "checksum", before, sizeof(before));
		r = req_cookie(XENDISPL_OP_FB_DETACH, 0x6000);
		CHECK(call_status(&fe[0], &r) == 0, "detach displayed fb");
		dev_dump(&dev, "selftest");
		read_kv(path, "checksum", after, sizeof(after));
		CHECK(!strcmp(before, after) &&
		      !strcmp(read_kv(path, "source", val, sizeof(val)), "snapshot"),
		      "detached frame kept: %s vs %s", before, after);
		/* disable: blank, and the -last files keep the frame */
		memset(&r, 0, sizeof(r));
		r.operation = XENDISPL_OP_SET_CONFIG;
		CHECK(call_status(&fe[0], &r) == 0, "SET_CONFIG reset");
		dev_dump(&dev, "selftest");
		CHECK(!strcmp(read_kv(path, "fb_cookie", val, sizeof(val)), "0"), "disabled: blank");
		snprintf(path, sizeof(path), "%s/conn0-last.txt", dir);
		CHECK(!strcmp(read_kv(path, "checksum", val, sizeof(val)), before),
		      "conn0-last keeps the frame");
	}

	/* --- GET_EDID --- */
	{
		struct fbuf eb = fe_buffer(XENDISPL_EDID_MAX_SIZE);
		uint8_t s = 0;

		memset(&r, 0, sizeof(r));
		r.operation = XENDISPL_OP_GET_EDID;
		r.op.get_edid.buffer_sz = XENDISPL_EDID_MAX_SIZE;
		r.op.get_edid.gref_directory = eb.dir;
		CHECK(fe_call(&fe[1], &r, &rsp) && rsp.status == 0 && rsp.op.get_edid.edid_sz == 128,
		      "GET_EDID: status %d size %u", rsp.status, rsp.op.get_edid.edid_sz);
		for (int i = 0; i < 128; i++)
			s += eb.px[i];
		CHECK(s == 0 && eb.px[1] == 0xff && (eb.px[56] | ((eb.px[58] >> 4) << 8)) == 32,
		      "EDID in the frontend buffer, preferred width 32");
		r.op.get_edid.buffer_sz = 4096;
		CHECK(call_status(&fe[1], &r) == -XEN_EINVAL, "GET_EDID buffer below EDID_MAX_SIZE");
		r.op.get_edid.buffer_sz = XENDISPL_EDID_MAX_SIZE;
		opt.no_edid = true;
		CHECK(call_status(&fe[1], &r) == -XEN_EOPNOTSUPP, "--no-edid");
		opt.no_edid = false;
		dev.version = 1;
		CHECK(call_status(&fe[1], &r) == -XEN_EINVAL, "GET_EDID in v1");
		dev.version = 2;
	}

	/* --- event ring: 63 slots, never overrun in_cons --- */
	{
		unsigned int got;
		ids_ok = true;
		for (int i = 0; i < 70; i++) {
			r = req_flip(0x2000);
			CHECK(call_status(&fe[0], &r) == 0, "flip %d", i);
		}
		CHECK(fe[0].evt->in_prod - fe[0].evt->in_cons == XENDISPL_IN_RING_LEN,
		      "event ring holds %u", fe[0].evt->in_prod - fe[0].evt->in_cons);
		got = fe_events(&fe[0], &cookie, &ids_ok);
		conn_run_timers(c0, now_ns(), &(int64_t){ 0 });
		got += fe_events(&fe[0], &cookie, &ids_ok);
		CHECK(got == 70 && ids_ok, "70 events with sequential ids after draining (%u)", got);
	}

	/*
	 * --- a frontend that pushes its next request while the backend answers the last:
	 * every one is answered in one go, and req_event is left past req_prod, so that
	 * the frontend notifies for the next (it notifies only when req_event asks) ---
	 */
	{
		xen_displif_front_ring_t *fr = &fe[0].ring;
		RING_IDX prod0 = fr->req_prod_pvt;

		eager_port = c0->req_port;
		eager_push = fe0_push_flip;
		eager_left = 20;
		fe0_push_flip();
		conn_process_ring(c0);
		eager_port = -1;
		CHECK(eager_left == 0 && fr->sring->rsp_prod == prod0 + 21,
		      "21 back-to-back requests answered in one go (%u)",
		      fr->sring->rsp_prod - prod0);
		CHECK(fr->sring->req_event == fr->sring->req_prod + 1,
		      "req_event %u after req_prod %u", fr->sring->req_event, fr->sring->req_prod);
		fr->rsp_cons = fr->sring->rsp_prod;
		fe_events(&fe[0], &cookie, &ids_ok);
		conn_run_timers(c0, now_ns(), &(int64_t){ 0 });
		fe_events(&fe[0], &cookie, &ids_ok);
	}

	/* --- ring index sanity --- */
	{
		struct xen_displif_sring *s = fe[1].ring.sring;
		v0 = g_violations;
		s->req_prod = s->rsp_prod + 33;
		conn_process_ring(c1);
		CHECK(g_violations == v0 + 1 && c1->ring_dead, "req_prod overflow stops the ring");
	}

	/* --- faults (connector 0) --- */
	{
		int64_t nd = 0;
		opt.fault = FAULT_ERROR;
		opt.fault_arg = 22;
		opt.fault_op = XENDISPL_OP_PG_FLIP;
		r = req_flip(0x2000);
		CHECK(call_status(&fe[0], &r) == -22, "error:22 on PG_FLIP");
		r = req_cfg(0x2000, 64, 48, 32);
		CHECK(call_status(&fe[0], &r) == 0, "--fault-op spares SET_CONFIG");
		opt.fault_op = -1;

		opt.fault = FAULT_BADID;
		r = req_flip(0x2000);
		CHECK(fe_call(&fe[0], &r, &rsp) && rsp.id != r.id, "badid");
		opt.fault = FAULT_BADOP;
		r = req_flip(0x2000);
		CHECK(fe_call(&fe[0], &r, &rsp) && rsp.operation != XENDISPL_OP_PG_FLIP, "badop");
		opt.fault = FAULT_NOANSWER;
		r = req_flip(0x2000);
		CHECK(!fe_call(&fe[0], &r, &rsp), "noanswer");

		opt.fault = FAULT_DROPEVENTS;
		fe_events(&fe[0], &cookie, &ids_ok);
		r = req_flip(0x2000);
		CHECK(call_status(&fe[0], &r) == 0 && fe_events(&fe[0], &cookie, &ids_ok) == 0,
		      "dropevents");

		opt.fault = FAULT_DELAY;
		opt.fault_arg = 30;
		r = req_flip(0x2000);
		CHECK(!fe_call(&fe[0], &r, &rsp), "delay: no immediate answer");
		conn_run_timers(c0, now_ns(), &nd);
		CHECK(nd > now_ns(), "delay: timer armed");
		usleep(40000);
		conn_run_timers(c0, now_ns(), &nd);
		CHECK(RING_HAS_UNCONSUMED_RESPONSES(&fe[0].ring), "delay: answered later");
		memcpy(&rsp, RING_GET_RESPONSE(&fe[0].ring, fe[0].ring.rsp_cons), sizeof(rsp));
		fe[0].ring.rsp_cons++;
		CHECK(rsp.status == 0 && rsp.id == r.id, "delayed response intact");
		CHECK(fe_events(&fe[0], &cookie, &ids_ok) == 1 && ids_ok, "event after delayed flip");

		opt.fault = FAULT_CLOSE;
		opt.fault_arg = 2;
		r = req_flip(0x2000);
		CHECK(call_status(&fe[0], &r) == 0 && !dev.close_pending, "close:2 first request");
		r = req_flip(0x2000);
		CHECK(call_status(&fe[0], &r) == 0 && dev.close_pending, "close:2 triggers");
		dev.close_pending = false;

		opt.fault = FAULT_GARBAGE;
		{
			RING_IDX before = fe[0].ring.sring->rsp_prod;
			r = req_flip(0x2000);
			fe_call(&fe[0], &r, &rsp);
			CHECK(fe[0].ring.sring->rsp_prod == before + 1000 && c0->ring_dead, "garbage");
		}
		opt.fault = FAULT_NONE;
	}

	/* --- --fault-random: COUNT garbled items, then correct answers --- */
	{
		unsigned int answered = 0, resets = 0;

		opt.fault = FAULT_RANDOM;
		opt.fault_seed = 42;
		opt.fault_permille = 1000;
		opt.fault_count = 40;
		fault_random_init();
		for (int i = 0; i < 300; i++) {
			if (i == 0 || dev.close_pending || c1->ring_dead || i == 200) {
				/* what the close + InitWait does: fresh rings */
				xops->unmap(c1->sring, 1);
				xops->unmap(c1->evt_page, 1);
				conn_detach(c1);
				fe_setup(&fe[1], c1);
				dev.close_pending = false;
				resets++;
			}
			r = req_flip(0x2000);
			if (i < 200) {
				fe_call(&fe[1], &r, &rsp);
				fe_events(&fe[1], &cookie, &ids_ok);
				continue;
			}
			answered += call_status(&fe[1], &r) == 0;
		}
		CHECK(g_random_acts == 40, "fault-random: %llu items garbled, count 40",
		      (unsigned long long)g_random_acts);
		CHECK(answered == 100, "fault-random: then %u of 100 flips answered right", answered);
		CHECK(resets > 1, "fault-random: rings broken and renewed (%u)", resets);
		opt.fault = FAULT_NONE;
	}

	/* --- teardown releases every mapping --- */
	dev_free_buffers(&dev);
	for (unsigned int i = 0; i < 2; i++) {
		xops->unmap(dev.conns[i].sring, 1);
		xops->unmap(dev.conns[i].evt_page, 1);
		conn_detach(&dev.conns[i]);
		conn_reset_display(&dev.conns[i]);
	}
	CHECK(mapped_pages == 0, "all grant mappings released (%ld left)", mapped_pages);
	CHECK(dev.ndbufs == 0 && dev.nfbs == 0, "no objects left");
}

int selftest_main(void)
{
	char dir[] = "/tmp/vdispl-selftest.XXXXXX";

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	opt.out_dir = dir;
	opt.quiet = true;   /* the tests provoke violations on purpose */
	if (open_trace() != 0)
		return 1;
	mfd = memfd_create("vdispl-guest", 0);
	if (mfd < 0 || ftruncate(mfd, (off_t)FAKE_PAGES * XEN_PAGE_SZ) != 0) {
		perror("memfd");
		return 1;
	}
	guest = mmap(NULL, (size_t)FAKE_PAGES * XEN_PAGE_SZ, PROT_READ | PROT_WRITE,
		     MAP_SHARED, mfd, 0);
	if (guest == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	xops = &fake_ops;

	test_fnv();
	test_formats();
	test_edid();
	test_dump_blank(dir);
	test_protocol(dir);

	printf("selftest: %d checks, %d failures (output in %s)\n", checks, failures, dir);
	if (!failures) {
		/* keep the directory only when something failed */
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "selftest: could not remove %s\n", dir);
	}
	return failures ? 1 : 0;
}
