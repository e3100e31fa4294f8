// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * KUnit: buffers shared through a page directory (xen_drm_front_pgdir.c)
 * and the dumb buffer layout (xen_drm_front_gem.c).
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <kunit/test.h>

#include <xen/grant_table.h>
#include <xen/xen.h>
#include <xen/interface/io/displif.h>

#include "../../xen_drm_front_gem.h"
#include "../../xen_drm_front_pgdir.h"

#include "fake_xen.h"

struct pg_ctx {
	struct page **pages;
	unsigned int num_pages;
	/* @pages all point to this one page (huge buffers). */
	struct page *shared_page;
	bool ballooned;
	struct xen_drm_front_pgdir pgdir;
	unsigned long *seen;
};

static int pg_init(struct kunit *test)
{
	struct pg_ctx *ctx;

	fake_xen_reset();
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->seen = kunit_kzalloc(test, BITS_TO_LONGS(FAKE_GNT_MAX) *
				  sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->seen);
	test->priv = ctx;
	return 0;
}

static void pg_free_pages(struct pg_ctx *ctx)
{
	unsigned int i;

	if (!ctx->pages)
		return;
	if (ctx->ballooned) {
		xen_free_unpopulated_pages(ctx->num_pages, ctx->pages);
	} else if (ctx->shared_page) {
		__free_page(ctx->shared_page);
	} else {
		for (i = 0; i < ctx->num_pages; i++)
			if (ctx->pages[i])
				__free_page(ctx->pages[i]);
	}
	kvfree(ctx->pages);
	ctx->pages = NULL;
}

static void pg_exit(struct kunit *test)
{
	struct pg_ctx *ctx = test->priv;

	xen_drm_front_pgdir_free(&ctx->pgdir);
	pg_free_pages(ctx);
	fake_gnttab_backend_revoke_all();
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_granted(), 0);
	KUNIT_EXPECT_EQ(test, fake_gnttab_claim_empty(), 0);
	KUNIT_EXPECT_EQ(test, fake_xen_leaks(test), 0);
	KUNIT_EXPECT_EQ(test, fake_xen_errors(), 0);
}

static void pg_alloc_pages(struct kunit *test, unsigned int n, bool ballooned)
{
	struct pg_ctx *ctx = test->priv;
	unsigned int i;

	ctx->pages = kvcalloc(n, sizeof(*ctx->pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->pages);
	ctx->num_pages = n;
	ctx->ballooned = ballooned;
	if (ballooned) {
		KUNIT_ASSERT_EQ(test, xen_alloc_unpopulated_pages(n, ctx->pages), 0);
		return;
	}
	for (i = 0; i < n; i++) {
		ctx->pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, ctx->pages[i]);
	}
}

static bool pgdir_is_empty(const struct xen_drm_front_pgdir *pgdir)
{
	return !memchr_inv(pgdir, 0, sizeof(*pgdir));
}

/*
 * Walk the directory chain as the backend does, from the first directory
 * grant: each directory page granted to the backend writable (libxenbe
 * maps every grant read-write), linked to the next, the last link 0; for
 * our own buffers every data page granted exactly once, writable, in
 * order; unused slots 0.
 */
static void check_directory(struct kunit *test, bool be_alloc)
{
	struct pg_ctx *ctx = test->priv;
	struct xen_drm_front_pgdir *pgdir = &ctx->pgdir;
	unsigned int per = XEN_DRM_FRONT_GREFS_PER_DIR_PAGE;
	unsigned int n = ctx->num_pages, ndir = DIV_ROUND_UP(n, per);
	grant_ref_t ref = xen_drm_front_pgdir_start(pgdir);
	unsigned int d, j, bad = 0;

	KUNIT_ASSERT_EQ(test, per, 1023);
	KUNIT_ASSERT_EQ(test, pgdir->num_dir_pages, ndir);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), ndir + (be_alloc ? 0 : n));
	KUNIT_EXPECT_EQ(test, fake_gnttab_granted(), ndir + (be_alloc ? 0 : n));
	bitmap_zero(ctx->seen, FAKE_GNT_MAX);

	for (d = 0; d < ndir; d++) {
		struct xendispl_page_directory *dir;
		struct fake_grant g;

		KUNIT_ASSERT_TRUE_MSG(test, fake_gnttab_get(ref, &g),
				      "directory %u: bad grant %u", d, ref);
		KUNIT_ASSERT_EQ(test, g.state, FAKE_GNT_GRANTED);
		KUNIT_EXPECT_EQ(test, g.domid, FAKE_BACKEND_DOMID);
		KUNIT_EXPECT_FALSE_MSG(test, g.readonly,
				       "directory %u is read-only: displ_be cannot map it", d);
		KUNIT_EXPECT_EQ(test, g.frame, page_to_pfn(pgdir->dir_pages[d]));
		KUNIT_EXPECT_EQ(test, g.times_granted, 1);
		KUNIT_EXPECT_FALSE(test, __test_and_set_bit(ref, ctx->seen));
		dir = page_address(fake_gnttab_page(ref));

		for (j = 0; j < per; j++) {
			unsigned int k = d * per + j;
			grant_ref_t dref = dir->gref[j];

			if (k >= n || be_alloc) {
				/* Unused, or for the backend to fill. */
				bad += dref != 0;
				continue;
			}
			if (!fake_gnttab_get(dref, &g) ||
			    g.state != FAKE_GNT_GRANTED ||
			    g.domid != FAKE_BACKEND_DOMID || g.readonly ||
			    g.frame != page_to_pfn(ctx->pages[k]) ||
			    g.times_granted != 1 ||
			    __test_and_set_bit(dref, ctx->seen)) {
				if (!bad)
					kunit_err(test, "data page %u: grant %u state %d domid %u ro %d frame %#lx (want %#lx) granted %u times\n",
						  k, dref, g.state, g.domid, g.readonly,
						  g.frame, page_to_pfn(ctx->pages[k]),
						  g.times_granted);
				bad++;
			}
		}
		if (d + 1 == ndir) {
			KUNIT_EXPECT_EQ(test, dir->gref_dir_next_page, 0);
		} else {
			KUNIT_EXPECT_NE(test, dir->gref_dir_next_page, 0);
			KUNIT_EXPECT_EQ(test, dir->gref_dir_next_page,
					pgdir->grefs[d + 1]);
		}
		ref = dir->gref_dir_next_page;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

static void share_and_check(struct kunit *test, unsigned int n)
{
	struct pg_ctx *ctx = test->priv;
	unsigned int i;

	pg_alloc_pages(test, n, false);
	KUNIT_ASSERT_EQ(test, xen_drm_front_pgdir_share(&ctx->pgdir,
							FAKE_BACKEND_DOMID,
							ctx->pages, n, false), 0);
	check_directory(test, false);

	xen_drm_front_pgdir_free(&ctx->pgdir);
	KUNIT_EXPECT_TRUE(test, pgdir_is_empty(&ctx->pgdir));
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 0);
	/* Our data pages are ours again: no reference left behind. */
	for (i = 0; i < n; i++)
		if (page_ref_count(ctx->pages[i]) != 1) {
			KUNIT_FAIL(test, "page %u has %d references", i,
				   page_ref_count(ctx->pages[i]));
			break;
		}
}

static void pg_share_1(struct kunit *test)
{
	share_and_check(test, 1);
}

static void pg_share_1023(struct kunit *test)
{
	share_and_check(test, 1023);
}

static void pg_share_1024(struct kunit *test)
{
	share_and_check(test, 1024);
}

static void pg_share_2025(struct kunit *test)
{
	share_and_check(test, 2025);
}

static void pg_share_2047(struct kunit *test)
{
	share_and_check(test, 2047);
}

static void pg_num_dir_pages(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_num_dir_pages(0), 0);
	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_num_dir_pages(1), 1);
	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_num_dir_pages(1023), 1);
	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_num_dir_pages(1024), 2);
	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_num_dir_pages(2046), 2);
	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_num_dir_pages(2047), 3);
	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_num_dir_pages(65536), 65);
}

static void pg_share_empty(struct kunit *test)
{
	struct pg_ctx *ctx = test->priv;
	struct page *page = NULL;

	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_share(&ctx->pgdir,
							FAKE_BACKEND_DOMID,
							&page, 0, false),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 0);
}

/* Out of grant references: -ENOSPC, nothing left granted or allocated. */
static void pg_share_exhausted(struct kunit *test)
{
	struct pg_ctx *ctx = test->priv;
	unsigned int n = 1024, need = n + 2, i;

	pg_alloc_pages(test, n, false);
	fake_gnttab_set_capacity(need - 1);
	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_share(&ctx->pgdir,
							FAKE_BACKEND_DOMID,
							ctx->pages, n, false),
			-ENOSPC);
	KUNIT_EXPECT_TRUE(test, pgdir_is_empty(&ctx->pgdir));
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 0);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, page_ref_count(ctx->pages[i]), 1);

	/* Exactly enough. */
	fake_gnttab_set_capacity(need);
	KUNIT_ASSERT_EQ(test, xen_drm_front_pgdir_share(&ctx->pgdir,
							FAKE_BACKEND_DOMID,
							ctx->pages, n, false), 0);
	check_directory(test, false);
}

/*
 * A buffer needing more grant references than one reservation can count
 * (u16): still a clean -ENOSPC, never a claim beyond the reservation.
 */
static void pg_share_huge(struct kunit *test)
{
	struct pg_ctx *ctx = test->priv;
	unsigned int n = 65536, i;

	ctx->pages = kvcalloc(n, sizeof(*ctx->pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->pages);
	ctx->shared_page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->shared_page);
	ctx->num_pages = n;
	for (i = 0; i < n; i++)
		ctx->pages[i] = ctx->shared_page;

	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_share(&ctx->pgdir,
							FAKE_BACKEND_DOMID,
							ctx->pages, n, false),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, fake_gnttab_claim_empty(), 0);
	KUNIT_EXPECT_TRUE(test, pgdir_is_empty(&ctx->pgdir));
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 0);
	KUNIT_EXPECT_EQ(test, page_ref_count(ctx->shared_page), 1);
}

/* The backend fills a be-alloc directory with grants of its own pages. */
static grant_ref_t *backend_fill(struct kunit *test, unsigned int zero_at,
				 grant_ref_t bad_value)
{
	struct pg_ctx *ctx = test->priv;
	unsigned int per = XEN_DRM_FRONT_GREFS_PER_DIR_PAGE, k;
	grant_ref_t *refs;

	refs = kunit_kcalloc(test, ctx->num_pages, sizeof(*refs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, refs);
	for (k = 0; k < ctx->num_pages; k++) {
		struct xendispl_page_directory *dir =
			page_address(ctx->pgdir.dir_pages[k / per]);
		struct page *page;

		if (k == zero_at) {
			dir->gref[k % per] = bad_value;
			continue;
		}
		page = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, page);
		refs[k] = fake_gnttab_backend_grant(page);
		KUNIT_ASSERT_NE(test, refs[k], 0);
		dir->gref[k % per] = refs[k];
	}
	return refs;
}

static void be_alloc_share(struct kunit *test, unsigned int n)
{
	struct pg_ctx *ctx = test->priv;

	pg_alloc_pages(test, n, true);
	KUNIT_ASSERT_EQ(test, xen_drm_front_pgdir_share(&ctx->pgdir,
							FAKE_BACKEND_DOMID,
							ctx->pages, n, true), 0);
}

static void pg_be_alloc_map(struct kunit *test)
{
	struct pg_ctx *ctx = test->priv;
	unsigned int n = 1500, k, bad = 0;
	grant_ref_t *refs;

	be_alloc_share(test, n);
	/* Only the directory is granted, writable, and empty. */
	check_directory(test, true);
	refs = backend_fill(test, UINT_MAX, 0);

	KUNIT_ASSERT_EQ(test, xen_drm_front_pgdir_map(&ctx->pgdir), 0);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_mapped(), n);
	for (k = 0; k < n; k++)
		bad += fake_gnttab_backend_mapped_at(refs[k]) != ctx->pages[k] ||
		       ctx->pgdir.grefs[ctx->pgdir.num_dir_pages + k] != refs[k];
	KUNIT_EXPECT_EQ(test, bad, 0);
	/* Mapping twice is refused. */
	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_map(&ctx->pgdir), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_mapped(), n);

	xen_drm_front_pgdir_unmap(&ctx->pgdir);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_mapped(), 0);
	xen_drm_front_pgdir_free(&ctx->pgdir);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 0);
}

/* free() unmaps too. */
static void pg_be_alloc_free_unmaps(struct kunit *test)
{
	struct pg_ctx *ctx = test->priv;

	be_alloc_share(test, 3);
	backend_fill(test, UINT_MAX, 0);
	KUNIT_ASSERT_EQ(test, xen_drm_front_pgdir_map(&ctx->pgdir), 0);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_mapped(), 3);
	xen_drm_front_pgdir_free(&ctx->pgdir);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_mapped(), 0);
	KUNIT_EXPECT_EQ(test, fake_gnttab_in_use(), 0);
	KUNIT_EXPECT_TRUE(test, pgdir_is_empty(&ctx->pgdir));
}

static void pg_be_alloc_zero_gref(struct kunit *test)
{
	struct pg_ctx *ctx = test->priv;

	be_alloc_share(test, 1100);
	backend_fill(test, 1050, 0);
	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_map(&ctx->pgdir), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_mapped(), 0);
	KUNIT_EXPECT_NULL(test, ctx->pgdir.map_handles);
}

static void pg_be_alloc_invalid_gref(struct kunit *test)
{
	struct pg_ctx *ctx = test->priv;

	be_alloc_share(test, 10);
	backend_fill(test, 9, INVALID_GRANT_REF);
	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_map(&ctx->pgdir), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_mapped(), 0);
}

/* Xen refuses one mapping: nothing stays mapped. */
static void pg_be_alloc_map_fails(struct kunit *test)
{
	struct pg_ctx *ctx = test->priv;

	be_alloc_share(test, 8);
	backend_fill(test, UINT_MAX, 0);
	fake_gnttab_fail_map_op(5);
	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_map(&ctx->pgdir), -ENXIO);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_mapped(), 0);
	KUNIT_EXPECT_NULL(test, ctx->pgdir.map_handles);
}

static void pg_map_needs_be_alloc(struct kunit *test)
{
	struct pg_ctx *ctx = test->priv;

	pg_alloc_pages(test, 2, false);
	KUNIT_ASSERT_EQ(test, xen_drm_front_pgdir_share(&ctx->pgdir,
							FAKE_BACKEND_DOMID,
							ctx->pages, 2, false), 0);
	KUNIT_EXPECT_EQ(test, xen_drm_front_pgdir_map(&ctx->pgdir), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake_gnttab_backend_mapped(), 0);
}

/* ---- dumb buffer layout ---- */

static void pg_dumb_layout_valid(struct kunit *test)
{
	static const struct {
		u32 w, h, bpp, pitch;
		u64 size;
	} cases[] = {
		{ 1024, 768, 32, 4096, 4096ULL * 768 },
		{ 1, 1, 32, 4, PAGE_SIZE },
		{ 1366, 768, 24, 4098, PAGE_ALIGN(4098ULL * 768) },
		{ 800, 600, 16, 1600, PAGE_ALIGN(1600ULL * 600) },
		{ 9, 1, 1, 2, PAGE_SIZE },
		{ 8192, 8192, 32, 32768, 8192ULL * 8192 * 4 },
		{ 8192, 8192, 1, 1024, 1024ULL * 8192 },
		{ 3840, 2160, 32, 15360, 15360ULL * 2160 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u32 pitch = 0;
		u64 size = 0;

		KUNIT_EXPECT_EQ_MSG(test, xen_drm_front_gem_dumb_layout(cases[i].w, cases[i].h,
									cases[i].bpp,
									&pitch, &size),
				    0, "%ux%u@%u", cases[i].w, cases[i].h, cases[i].bpp);
		KUNIT_EXPECT_EQ_MSG(test, pitch, cases[i].pitch, "%ux%u@%u",
				    cases[i].w, cases[i].h, cases[i].bpp);
		KUNIT_EXPECT_EQ_MSG(test, size, cases[i].size, "%ux%u@%u",
				    cases[i].w, cases[i].h, cases[i].bpp);
		KUNIT_EXPECT_EQ(test, size % PAGE_SIZE, 0);
	}
}

static void pg_dumb_layout_invalid(struct kunit *test)
{
	static const u32 cases[][3] = {
		{ 0, 768, 32 }, { 1024, 0, 32 }, { 1024, 768, 0 },
		{ 1024, 768, 33 }, { 1024, 768, 64 }, { 1024, 768, U32_MAX },
		{ 8193, 768, 32 }, { 1024, 8193, 32 },
		{ U32_MAX, 1, 32 }, { 1, U32_MAX, 32 }, { U32_MAX, U32_MAX, 32 },
		{ 0x40000000, 4, 32 }, { 0x80000001, 2, 8 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u32 pitch = 0xdead;
		u64 size = 0xbeef;

		KUNIT_EXPECT_EQ_MSG(test, xen_drm_front_gem_dumb_layout(cases[i][0], cases[i][1],
									cases[i][2],
									&pitch, &size),
				    -EINVAL, "%ux%u@%u", cases[i][0], cases[i][1],
				    cases[i][2]);
		KUNIT_EXPECT_EQ(test, pitch, 0xdead);
		KUNIT_EXPECT_EQ(test, size, 0xbeef);
	}
}

static struct kunit_case pgdir_cases[] = {
	KUNIT_CASE(pg_num_dir_pages),
	KUNIT_CASE(pg_share_1),
	KUNIT_CASE(pg_share_1023),
	KUNIT_CASE(pg_share_1024),
	KUNIT_CASE(pg_share_2025),
	KUNIT_CASE(pg_share_2047),
	KUNIT_CASE(pg_share_empty),
	KUNIT_CASE(pg_share_exhausted),
	KUNIT_CASE(pg_share_huge),
	KUNIT_CASE(pg_be_alloc_map),
	KUNIT_CASE(pg_be_alloc_free_unmaps),
	KUNIT_CASE(pg_be_alloc_zero_gref),
	KUNIT_CASE(pg_be_alloc_invalid_gref),
	KUNIT_CASE(pg_be_alloc_map_fails),
	KUNIT_CASE(pg_map_needs_be_alloc),
	KUNIT_CASE(pg_dumb_layout_valid),
	KUNIT_CASE(pg_dumb_layout_invalid),
	{}
};

static struct kunit_suite pgdir_suite = {
	.name = "xen_drm_front_pgdir",
	.init = pg_init,
	.exit = pg_exit,
	.test_cases = pgdir_cases,
};
kunit_test_suite(pgdir_suite);
