/* SPDX-License-Identifier: MIT */
/*
 * Pixel formats, the frame checksum, snapshots and PNG/txt frame dumps.
 *
 * The checksum must match what the guest client computes over the pattern
 * it draws, so its definition is exact: FNV-1a 64 over the visible pixels,
 * row by row, each converted to 0x00RRGGBB and fed as 4 little-endian bytes.
 * Channels narrower than 8 bits are expanded by bit replication.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <png.h>

#include "vdispl-be.h"

static const struct pixfmt formats[] = {
	{ FOURCC('R', 'G', '1', '6'), "RGB565",   16 },
	{ FOURCC('R', 'G', '2', '4'), "RGB888",   24 },
	{ FOURCC('X', 'R', '2', '4'), "XRGB8888", 32 },
	{ FOURCC('A', 'R', '2', '4'), "ARGB8888", 32 },
	{ FOURCC('X', 'R', '1', '2'), "XRGB4444", 16 },
	{ FOURCC('A', 'R', '1', '2'), "ARGB4444", 16 },
	{ FOURCC('X', 'R', '1', '5'), "XRGB1555", 16 },
	{ FOURCC('A', 'R', '1', '5'), "ARGB1555", 16 },
	{ FOURCC('Y', 'U', 'Y', 'V'), "YUYV",     16 },
};

const struct pixfmt *pixfmt_find(uint32_t fourcc)
{
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (formats[i].fourcc == fourcc)
			return &formats[i];
	return NULL;
}

const char *fourcc_str(uint32_t fourcc, char buf[16])
{
	for (int i = 0; i < 4; i++) {
		unsigned char ch = (fourcc >> (8 * i)) & 0xff;
		if (ch < 0x20 || ch > 0x7e) {
			snprintf(buf, 16, "0x%08x", fourcc);
			return buf;
		}
		buf[i] = (char)ch;
	}
	buf[4] = 0;
	return buf;
}

static inline uint32_t rgb(uint32_t r, uint32_t g, uint32_t b)
{
	return (r << 16) | (g << 8) | b;
}

static inline uint32_t x5(uint32_t v) { return (v << 3) | (v >> 2); }
static inline uint32_t x6(uint32_t v) { return (v << 2) | (v >> 4); }
static inline uint32_t x4(uint32_t v) { return (v << 4) | v; }
static inline uint8_t clamp8(int v) { return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v; }

/*
 * YUYV is converted with integer BT.601 limited range:
 *   C = Y - 16, D = U - 128, E = V - 128
 *   R = clamp((298C + 409E + 128) >> 8)
 *   G = clamp((298C - 100D - 208E + 128) >> 8)
 *   B = clamp((298C + 516D + 128) >> 8)
 * (arithmetic shift of a possibly negative value, as C compilers do).
 */
static uint32_t yuv_to_rgb(int y, int u, int v)
{
	int c = y - 16, d = u - 128, e = v - 128;
	return rgb(clamp8((298 * c + 409 * e + 128) >> 8),
		   clamp8((298 * c - 100 * d - 208 * e + 128) >> 8),
		   clamp8((298 * c + 516 * d + 128) >> 8));
}

void pixfmt_line_to_rgb(const struct pixfmt *f, const uint8_t *s, size_t avail,
			uint32_t width, uint32_t *dst)
{
	size_t cpp = f->bpp / 8;

	for (uint32_t x = 0; x < width; x++) {
		size_t o = (size_t)x * cpp;
		uint32_t v;

		if (f->fourcc == FOURCC('Y', 'U', 'Y', 'V')) {
			/* macropixel Y0 U Y1 V; a lone last pixel gets neutral chroma */
			size_t base = (size_t)(x & ~1u) * 2;
			int y = (base + (x & 1) * 2 < avail) ? s[base + (x & 1) * 2] : 0;
			int u = (base + 3 < avail) ? s[base + 1] : 128;
			int vv = (base + 3 < avail) ? s[base + 3] : 128;
			dst[x] = yuv_to_rgb(y, u, vv);
			continue;
		}
		if (o + cpp > avail) {
			dst[x] = 0;
			continue;
		}
		switch (f->fourcc) {
		case FOURCC('X', 'R', '2', '4'):
		case FOURCC('A', 'R', '2', '4'):
		case FOURCC('R', 'G', '2', '4'):
			/* little-endian [23:0] R:G:B -> bytes B, G, R */
			dst[x] = rgb(s[o + 2], s[o + 1], s[o]);
			break;
		case FOURCC('R', 'G', '1', '6'):
			v = s[o] | (s[o + 1] << 8);
			dst[x] = rgb(x5(v >> 11), x6((v >> 5) & 0x3f), x5(v & 0x1f));
			break;
		case FOURCC('X', 'R', '1', '2'):
		case FOURCC('A', 'R', '1', '2'):
			v = s[o] | (s[o + 1] << 8);
			dst[x] = rgb(x4((v >> 8) & 0xf), x4((v >> 4) & 0xf), x4(v & 0xf));
			break;
		case FOURCC('X', 'R', '1', '5'):
		case FOURCC('A', 'R', '1', '5'):
			v = s[o] | (s[o + 1] << 8);
			dst[x] = rgb(x5((v >> 10) & 0x1f), x5((v >> 5) & 0x1f), x5(v & 0x1f));
			break;
		default:
			dst[x] = 0;
		}
	}
}

uint64_t fnv1a64_rgb(uint64_t h, const uint32_t *px, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t v = px[i];
		for (int b = 0; b < 4; b++) {
			h ^= (v >> (8 * b)) & 0xff;
			h *= FNV64_PRIME;
		}
	}
	return h;
}

void frame_free(struct frame *f)
{
	free(f->owned);
	memset(f, 0, sizeof(*f));
}

int frame_snapshot(struct frame *dst, const struct frame *src)
{
	size_t need = 0;
	struct frame n = *src;

	if (src->fmt && src->height)
		need = (size_t)src->pitch * (src->height - 1) +
		       DIV_ROUND_UP((size_t)src->width * src->fmt->bpp, 8);
	if (need > src->avail)
		need = src->avail;
	n.owned = NULL;
	n.pixels = NULL;
	n.avail = 0;
	if (need) {
		n.owned = malloc(need);
		if (!n.owned)
			return -1;
		memcpy(n.owned, src->pixels, need);
		n.pixels = n.owned;
		n.avail = need;
	}
	frame_free(dst);
	*dst = n;
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len)
{
	char tmp[4200];
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fp = fopen(tmp, "w");
	if (!fp)
		return -1;
	if (fwrite(data, 1, len, fp) != len) {
		fclose(fp);
		unlink(tmp);
		return -1;
	}
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Writes the PNG to @path atomically. Frame rows are converted on the fly. */
static int write_png(const char *path, const struct frame *f, uint64_t *sum)
{
	char tmp[4200];
	FILE *fp;
	png_structp png = NULL;
	png_infop pinfo = NULL;
	uint32_t *line = NULL;
	uint8_t *row = NULL;
	/* volatile: modified between setjmp() and a possible longjmp() */
	volatile uint64_t h = FNV64_INIT;
	volatile int ret = -1;

	if (!f->width || !f->height)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fp = fopen(tmp, "wb");
	if (!fp)
		return -1;
	line = calloc(f->width, sizeof(*line));
	row = malloc((size_t)f->width * 3);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (png)
		pinfo = png_create_info_struct(png);
	if (!line || !row || !png || !pinfo)
		goto out;
	if (setjmp(png_jmpbuf(png)))
		goto out;
	png_init_io(png, fp);
	png_set_compression_level(png, 1);  /* TCG dom0: favour speed */
	png_set_IHDR(png, pinfo, f->width, f->height, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, pinfo);
	for (uint32_t y = 0; y < f->height; y++) {
		if (f->fmt) {
			size_t off = (size_t)y * f->pitch;
			size_t avail = off < f->avail ? f->avail - off : 0;
			pixfmt_line_to_rgb(f->fmt, f->pixels + (avail ? off : 0),
					   avail, f->width, line);
		} /* else: blank, line stays zero */
		h = fnv1a64_rgb(h, line, f->width);
		for (uint32_t x = 0; x < f->width; x++) {
			row[3 * x] = (line[x] >> 16) & 0xff;
			row[3 * x + 1] = (line[x] >> 8) & 0xff;
			row[3 * x + 2] = line[x] & 0xff;
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	ret = 0;
out:
	if (png)
		png_destroy_write_struct(&png, pinfo ? &pinfo : NULL);
	free(line);
	free(row);
	if (fclose(fp) != 0)
		ret = -1;
	if (ret == 0 && rename(tmp, path) != 0)
		ret = -1;
	if (ret)
		unlink(tmp);
	*sum = h;
	return ret;
}

int frame_dump(const struct frame *f, const char *base,
	       const struct conn_counters *cnt, uint64_t *checksum_out)
{
	char path[4200], txt[512];
	uint64_t sum = 0;
	int n;

	snprintf(path, sizeof(path), "%s.png", base);
	if (write_png(path, f, &sum) != 0)
		return -1;
	n = snprintf(txt, sizeof(txt),
		     "width=%u\nheight=%u\nformat=%s\nfb_cookie=%#llx\n"
		     "flips=%llu\nset_configs=%llu\nchecksum=0x%016llx\n"
		     "pitch=%u\nsource=%s\n",
		     f->width, f->height, f->fmt ? f->fmt->name : "none",
		     (unsigned long long)f->fb_cookie,
		     (unsigned long long)cnt->flips,
		     (unsigned long long)cnt->set_configs,
		     (unsigned long long)sum, f->fmt ? f->pitch : 0,
		     !f->fmt ? "blank" : f->owned ? "snapshot" : "live");
	snprintf(path, sizeof(path), "%s.txt", base);
	if (write_file_atomic(path, txt, (size_t)n) != 0)
		return -1;
	if (checksum_out)
		*checksum_out = sum;
	return 0;
}
