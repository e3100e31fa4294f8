/* SPDX-License-Identifier: MIT */
/*
 * EDID 1.4 generator for XENDISPL_OP_GET_EDID.
 *
 * Block 0: descriptor 0 = preferred mode (the connector's "resolution" at
 * 60 Hz), descriptors 1-2 = the first two extra modes (else dummy),
 * descriptor 3 = monitor name "XENDISPL". Further extra modes go into
 * CTA-861 extension blocks (6 detailed timings each), which Linux's
 * drm_edid parses like base-block descriptors. Every mode appears exactly
 * once as a detailed timing, so the frontend's mode list is predictable;
 * the one addition: CTA-861 requires 640x480@60, so when an extension
 * block is needed the established-timings bit for it is set too
 * (edid_has_vga() tells; SET_CONFIG accepts it then).
 * Timings follow CVT reduced blanking (v1) closely enough for a virtual
 * display; only the active size and ~60 Hz matter.
 */
#include <stdio.h>

#include "vdispl-be.h"

#define EDID_BLOCK 128

/* @size: the display's physical size (same in every DTD), from the preferred mode */
static void put_dtd(uint8_t *p, struct mode m, struct mode size)
{
	const uint32_t hblank = 160, hfp = 48, hsync = 32;
	const uint32_t vfp = 3, min_vbp = 6;
	uint32_t vsync, vbi, htotal, vtotal, refresh = 60;
	uint64_t clk10k;   /* pixel clock in 10 kHz units */
	/* 96 dpi */
	uint32_t hmm = (uint32_t)(size.w * 254ull / 960), vmm = (uint32_t)(size.h * 254ull / 960);

	/* CVT: vsync width encodes the aspect ratio */
	if (m.w * 3 == m.h * 4)
		vsync = 4;
	else if (m.w * 9 == m.h * 16)
		vsync = 5;
	else if (m.w * 10 == m.h * 16)
		vsync = 6;
	else if (m.w * 4 == m.h * 5)
		vsync = 7;
	else
		vsync = 10;

	for (;;) {
		/* minimum vertical blanking of 460 us */
		double hperiod_us = (1000000.0 / refresh - 460.0) / m.h;
		vbi = (uint32_t)(460.0 / hperiod_us) + 1;
		if (vbi < vfp + vsync + min_vbp)
			vbi = vfp + vsync + min_vbp;
		htotal = m.w + hblank;
		vtotal = m.h + vbi;
		clk10k = ((uint64_t)htotal * vtotal * refresh + 5000) / 10000;
		if (clk10k <= 0xffff || refresh <= 24)
			break;
		refresh /= 2;  /* only for huge modes: keep the clock encodable */
	}
	if (clk10k > 0xffff)
		clk10k = 0xffff;
	if (hmm > 4095)
		hmm = 4095;
	if (vmm > 4095)
		vmm = 4095;

	memset(p, 0, 18);
	p[0] = clk10k & 0xff;
	p[1] = clk10k >> 8;
	p[2] = m.w & 0xff;
	p[3] = hblank & 0xff;
	p[4] = ((m.w >> 8) << 4) | (hblank >> 8);
	p[5] = m.h & 0xff;
	p[6] = vbi & 0xff;
	p[7] = ((m.h >> 8) << 4) | (vbi >> 8);
	p[8] = hfp & 0xff;
	p[9] = hsync & 0xff;
	p[10] = ((vfp & 0xf) << 4) | (vsync & 0xf);
	p[11] = ((hfp >> 8) << 6) | ((hsync >> 8) << 4) | ((vfp >> 4) << 2) | (vsync >> 4);
	p[12] = hmm & 0xff;
	p[13] = vmm & 0xff;
	p[14] = ((hmm >> 8) << 4) | (vmm >> 8);
	p[17] = 0x1a;   /* digital separate sync, hsync +, vsync - (CVT-RB) */
}

static void put_text_desc(uint8_t *p, uint8_t tag, const char *s)
{
	size_t i = 0;

	memset(p, 0, 18);
	p[3] = tag;
	for (; i < 13 && s[i]; i++)
		p[5 + i] = (uint8_t)s[i];
	if (i < 13)
		p[5 + i++] = 0x0a;
	for (; i < 13; i++)
		p[5 + i] = 0x20;
}

static void put_dummy_desc(uint8_t *p)
{
	memset(p, 0, 18);
	p[3] = 0x10;
}

static void checksum(uint8_t *blk)
{
	uint8_t s = 0;

	for (int i = 0; i < EDID_BLOCK - 1; i++)
		s += blk[i];
	blk[EDID_BLOCK - 1] = (uint8_t)(0x100 - s);
}

static bool mode_ok(struct mode m)
{
	return m.w >= 1 && m.w <= 4095 && m.h >= 1 && m.h <= 4095;
}

int edid_build(uint8_t *buf, size_t bufsz, struct mode pref,
	       const struct mode *extra, unsigned int nextra)
{
	static const uint8_t header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	/* sRGB primaries and D65 white point as 10-bit binary fractions */
	const uint16_t rx = 655, ry = 338, gx = 307, gy = 614;
	const uint16_t bx = 154, by = 61, wx = 320, wy = 337;
	unsigned int in_base = nextra < 2 ? nextra : 2;
	unsigned int rest = nextra - in_base;
	unsigned int next = DIV_ROUND_UP(rest, 6);
	uint8_t *b = buf;
	uint32_t hcm, vcm;

	if (!mode_ok(pref) || next > 3 || bufsz < EDID_BLOCK * (1 + next))
		return -1;
	for (unsigned int i = 0; i < nextra; i++)
		if (!mode_ok(extra[i]))
			return -1;

	memset(buf, 0, EDID_BLOCK * (1 + next));
	memcpy(b, header, 8);
	/* manufacturer "XEN": three 5-bit letters, big-endian */
	b[8] = (('X' - '@') << 2) | (('E' - '@') >> 3);
	b[9] = ((('E' - '@') & 7) << 5) | ('N' - '@');
	b[10] = 0x01;          /* product code 0x0001 */
	b[16] = 1;             /* week */
	b[17] = 2024 - 1990;   /* year */
	b[18] = 1;             /* EDID 1.4 */
	b[19] = 4;
	b[20] = 0xa0;          /* digital, 8 bits per colour, interface undefined */
	hcm = (uint32_t)(pref.w * 254ull / 960) / 10;   /* = the DTDs' mm / 10 */
	vcm = (uint32_t)(pref.h * 254ull / 960) / 10;
	b[21] = hcm > 255 ? 255 : hcm ? hcm : 1;
	b[22] = vcm > 255 ? 255 : vcm ? vcm : 1;
	b[23] = 120;           /* gamma 2.2 */
	b[24] = 0x06;          /* RGB 4:4:4, sRGB default, preferred = native */
	b[25] = ((rx & 3) << 6) | ((ry & 3) << 4) | ((gx & 3) << 2) | (gy & 3);
	b[26] = ((bx & 3) << 6) | ((by & 3) << 4) | ((wx & 3) << 2) | (wy & 3);
	b[27] = rx >> 2; b[28] = ry >> 2; b[29] = gx >> 2; b[30] = gy >> 2;
	b[31] = bx >> 2; b[32] = by >> 2; b[33] = wx >> 2; b[34] = wy >> 2;
	/* 35..37: established timings: none, except 640x480@60 with CTA */
	if (next)
		b[35] = 0x20;
	for (int i = 38; i < 54; i++)
		b[i] = 0x01;   /* standard timings unused */
	put_dtd(b + 54, pref, pref);
	for (unsigned int i = 0; i < 2; i++) {
		if (i < in_base)
			put_dtd(b + 72 + 18 * i, extra[i], pref);
		else
			put_dummy_desc(b + 72 + 18 * i);
	}
	put_text_desc(b + 108, 0xfc, "XENDISPL");
	b[126] = (uint8_t)next;
	checksum(b);

	for (unsigned int e = 0; e < next; e++) {
		uint8_t *x = buf + EDID_BLOCK * (1 + e);
		unsigned int n = rest - 6 * e < 6 ? rest - 6 * e : 6;

		uint8_t d = e == 0 ? 7 : 4;   /* DTD offset */

		x[0] = 0x02;   /* CTA-861 extension */
		x[1] = 0x03;   /* revision 3 */
		x[2] = d;
		x[3] = 0x80;   /* IT formats underscanned */
		if (e == 0) {
			/* Video Capability Data Block (once): RGB range selectable */
			x[4] = (7 << 5) | 2;
			x[5] = 0x00;
			x[6] = 0x40;
		}
		for (unsigned int i = 0; i < n; i++)
			put_dtd(x + d + 18 * i, extra[in_base + 6 * e + i], pref);
		checksum(x);
	}
	return EDID_BLOCK * (1 + next);
}

bool edid_has_vga(unsigned int nextra)
{
	return nextra > 2;
}
