// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * Xen para-virtual DRM frontend: buffers shared through a page directory.
 *
 * displif describes a buffer by a chain of directory pages, each holding
 * the grant reference of the next directory page and up to 1023 grant
 * references of data pages. Either we grant our own data pages and fill
 * the directory, or (be-alloc) the backend fills it with grants of its
 * pages, which we then map.
 *
 * The kernel's xen-front-pgdir-shbuf does the same job, but we cannot use
 * it as is: when grant references run out (a small guest grant table and a
 * few large buffers are enough) its error path ends "grant" 0 for every
 * slot it never claimed. Here grant exhaustion is a clean -ENOSPC, and
 * pages still mapped by the backend when we let go stay allocated until it
 * unmaps them.
 *
 * Every grant is writable, directory pages included, although the backend
 * only has to read the directory of a buffer we allocated: the deployed
 * backend (xen-troops displ_be, through libxenbe) maps every grant it is
 * given for reading and writing, and Xen refuses a writable mapping of a
 * read-only grant. A writable directory costs us nothing: we never read it
 * back, so nothing the backend writes there can mislead us.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include <xen/grant_table.h>
#include <xen/page.h>

#include "xen_drm_front_debugfs.h"
#include "xen_drm_front_pgdir.h"

/**
 * xen_drm_front_pgdir_num_dir_pages() - directory pages for a buffer
 * @num_pages: number of data pages
 *
 * Return: the number of directory pages that describe @num_pages.
 */
unsigned int xen_drm_front_pgdir_num_dir_pages(unsigned int num_pages)
{
	return DIV_ROUND_UP(num_pages, XEN_DRM_FRONT_GREFS_PER_DIR_PAGE);
}

static struct xendispl_page_directory *dir_page(struct xen_drm_front_pgdir *pgdir,
						unsigned int i)
{
	return page_address(pgdir->dir_pages[i]);
}

/* Fill the "next page" links, and for our own pages the data grefs. */
static void fill_directory(struct xen_drm_front_pgdir *pgdir)
{
	unsigned int per_page = XEN_DRM_FRONT_GREFS_PER_DIR_PAGE;
	unsigned int i, n, first;

	for (i = 0; i < pgdir->num_dir_pages; i++) {
		struct xendispl_page_directory *dir = dir_page(pgdir, i);

		dir->gref_dir_next_page = i + 1 < pgdir->num_dir_pages ?
			pgdir->grefs[i + 1] : 0;
		if (pgdir->be_alloc)
			continue;
		first = i * per_page;
		n = min(per_page, pgdir->num_pages - first);
		memcpy(dir->gref, &pgdir->grefs[pgdir->num_dir_pages + first],
		       n * sizeof(grant_ref_t));
	}
}

static int grant_all(struct xen_drm_front_pgdir *pgdir)
{
	unsigned int num_dir = pgdir->num_dir_pages;
	unsigned int total = num_dir + (pgdir->be_alloc ? 0 : pgdir->num_pages);
	grant_ref_t head;
	unsigned int i;
	int ret;

	/* Reserve everything first: we never stop half-way through granting. */
	if (total > U16_MAX)
		return -ENOSPC;
	ret = gnttab_alloc_grant_references(total, &head);
	if (ret)
		return -ENOSPC;

	for (i = 0; i < total; i++) {
		struct page *page;
		int ref;

		ref = gnttab_claim_grant_reference(&head);
		if (WARN_ON(ref < 0)) {
			ret = -ENOSPC;
			break;
		}
		if (i < num_dir)
			page = pgdir->dir_pages[i];
		else
			page = pgdir->pages[i - num_dir];
		gnttab_grant_foreign_access_ref(ref, pgdir->otherend_id,
						xen_page_to_gfn(page), 0);
		pgdir->grefs[i] = ref;
		pgdir->num_granted++;
	}
	atomic_long_add(pgdir->num_granted, &xen_drm_front_acct.grants);
	gnttab_free_grant_references(head);
	return ret;
}

/**
 * xen_drm_front_pgdir_share() - describe a buffer to the backend
 * @pgdir: the directory to set up, zeroed by the caller
 * @otherend_id: the backend's domain
 * @pages: the data pages; for @be_alloc, unpopulated pages to map into later
 * @num_pages: number of data pages, at least one
 * @be_alloc: the backend provides the data (XENDISPL_DBUF_FLG_REQ_ALLOC)
 *
 * Allocates and grants the directory pages and, unless @be_alloc, grants
 * every data page and lists it in the directory.
 *
 * Return: 0 on success, -EINVAL for an empty buffer, -ENOMEM, or -ENOSPC if
 * the grant table is exhausted; on error nothing stays granted or allocated.
 */
int xen_drm_front_pgdir_share(struct xen_drm_front_pgdir *pgdir,
			      domid_t otherend_id, struct page **pages,
			      unsigned int num_pages, bool be_alloc)
{
	unsigned int i, num_grefs;
	int ret;

	if (!num_pages)
		return -EINVAL;

	pgdir->otherend_id = otherend_id;
	pgdir->be_alloc = be_alloc;
	pgdir->pages = pages;
	pgdir->num_pages = num_pages;
	pgdir->num_dir_pages = xen_drm_front_pgdir_num_dir_pages(num_pages);
	num_grefs = pgdir->num_dir_pages + num_pages;

	pgdir->grefs = kvmalloc_array(num_grefs, sizeof(*pgdir->grefs),
				      GFP_KERNEL);
	pgdir->dir_pages = kcalloc(pgdir->num_dir_pages,
				   sizeof(*pgdir->dir_pages), GFP_KERNEL);
	if (!pgdir->grefs || !pgdir->dir_pages) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < num_grefs; i++)
		pgdir->grefs[i] = INVALID_GRANT_REF;
	for (i = 0; i < pgdir->num_dir_pages; i++) {
		pgdir->dir_pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!pgdir->dir_pages[i]) {
			ret = -ENOMEM;
			goto fail;
		}
		atomic_long_inc(&xen_drm_front_acct.pages);
	}

	ret = grant_all(pgdir);
	if (ret)
		goto fail;
	fill_directory(pgdir);
	return 0;

fail:
	xen_drm_front_pgdir_free(pgdir);
	return ret;
}

/**
 * xen_drm_front_pgdir_start() - the grant of the first directory page
 * @pgdir: a shared directory
 *
 * Return: the value for gref_directory in XENDISPL_OP_DBUF_CREATE.
 */
grant_ref_t xen_drm_front_pgdir_start(const struct xen_drm_front_pgdir *pgdir)
{
	return pgdir->grefs[0];
}

static void unmap_handles(struct xen_drm_front_pgdir *pgdir)
{
	struct gnttab_unmap_grant_ref *ops;
	struct page **pages;
	unsigned int i, n = 0;

	ops = kvcalloc(pgdir->num_pages, sizeof(*ops), GFP_KERNEL);
	pages = kvcalloc(pgdir->num_pages, sizeof(*pages), GFP_KERNEL);
	if (!ops || !pages) {
		/* Leaking the mappings is safer than freeing mapped pages. */
		pr_err("xen_drm_front: no memory to unmap %u backend pages, leaking them\n",
		       pgdir->num_pages);
		pgdir->pages = NULL;
		goto out;
	}
	for (i = 0; i < pgdir->num_pages; i++) {
		if (pgdir->map_handles[i] == INVALID_GRANT_HANDLE)
			continue;
		gnttab_set_unmap_op(&ops[n],
				    (unsigned long)pfn_to_kaddr(page_to_xen_pfn(pgdir->pages[i])),
				    GNTMAP_host_map, pgdir->map_handles[i]);
		pages[n++] = pgdir->pages[i];
	}
	if (n && gnttab_unmap_refs(ops, NULL, pages, n))
		pr_err("xen_drm_front: unmapping %u backend pages failed\n", n);
	for (i = 0; i < n; i++)
		if (ops[i].status != GNTST_okay)
			pr_err("xen_drm_front: unmapping a backend page failed: %d\n",
			       ops[i].status);
out:
	kvfree(pages);
	kvfree(ops);
	kvfree(pgdir->map_handles);
	pgdir->map_handles = NULL;
}

/**
 * xen_drm_front_pgdir_map() - map the backend's pages of a be-alloc buffer
 * @pgdir: a be-alloc directory the backend has filled (DBUF_CREATE done)
 *
 * Reads the backend's grant references from the directory and maps them
 * into @pgdir->pages.
 *
 * Return: 0 on success, -EINVAL if the backend left a reference empty,
 * -ENOMEM, or -ENXIO if Xen refused a mapping; on error nothing is mapped.
 */
int xen_drm_front_pgdir_map(struct xen_drm_front_pgdir *pgdir)
{
	unsigned int per_page = XEN_DRM_FRONT_GREFS_PER_DIR_PAGE;
	grant_ref_t *data_grefs = &pgdir->grefs[pgdir->num_dir_pages];
	struct gnttab_map_grant_ref *ops;
	unsigned int i;
	int ret;

	if (!pgdir->be_alloc || pgdir->map_handles)
		return -EINVAL;

	for (i = 0; i < pgdir->num_pages; i++) {
		struct xendispl_page_directory *dir = dir_page(pgdir, i / per_page);

		data_grefs[i] = READ_ONCE(dir->gref[i % per_page]);
		if (!data_grefs[i] || data_grefs[i] == INVALID_GRANT_REF)
			return -EINVAL;
	}

	ops = kvcalloc(pgdir->num_pages, sizeof(*ops), GFP_KERNEL);
	pgdir->map_handles = kvmalloc_array(pgdir->num_pages,
					    sizeof(*pgdir->map_handles),
					    GFP_KERNEL);
	if (!ops || !pgdir->map_handles) {
		kvfree(ops);
		kvfree(pgdir->map_handles);
		pgdir->map_handles = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < pgdir->num_pages; i++)
		gnttab_set_map_op(&ops[i],
				  (unsigned long)pfn_to_kaddr(page_to_xen_pfn(pgdir->pages[i])),
				  GNTMAP_host_map, data_grefs[i],
				  pgdir->otherend_id);

	ret = gnttab_map_refs(ops, NULL, pgdir->pages, pgdir->num_pages);
	for (i = 0; i < pgdir->num_pages; i++) {
		if (ops[i].status == GNTST_okay) {
			pgdir->map_handles[i] = ops[i].handle;
		} else {
			pgdir->map_handles[i] = INVALID_GRANT_HANDLE;
			if (!ret)
				ret = -ENXIO;
		}
	}
	kvfree(ops);
	if (ret) {
		pr_err("xen_drm_front: mapping %u backend pages failed: %d\n",
		       pgdir->num_pages, ret);
		unmap_handles(pgdir);
	}
	return ret;
}

/**
 * xen_drm_front_pgdir_unmap() - unmap the backend's pages of a be-alloc buffer
 * @pgdir: the directory; nothing happens if nothing is mapped
 *
 * Must run before the backend is told to destroy the buffer.
 */
void xen_drm_front_pgdir_unmap(struct xen_drm_front_pgdir *pgdir)
{
	if (pgdir->map_handles)
		unmap_handles(pgdir);
}

/**
 * xen_drm_front_pgdir_free() - end every grant and free the directory
 * @pgdir: the directory, left zeroed
 *
 * A page the backend still has mapped is freed only once it unmaps it
 * (gnttab_end_foreign_access() defers that), so the backend never sees a
 * page we reuse.
 */
void xen_drm_front_pgdir_free(struct xen_drm_front_pgdir *pgdir)
{
	unsigned int i;

	atomic_long_sub(pgdir->num_granted, &xen_drm_front_acct.grants);
	if (pgdir->dir_pages)
		for (i = 0; i < pgdir->num_dir_pages; i++)
			if (pgdir->dir_pages[i])
				atomic_long_dec(&xen_drm_front_acct.pages);
	xen_drm_front_pgdir_unmap(pgdir);
	for (i = 0; i < pgdir->num_granted; i++) {
		struct page *page;

		if (i < pgdir->num_dir_pages) {
			/* gnttab takes over our reference to the page. */
			page = pgdir->dir_pages[i];
			pgdir->dir_pages[i] = NULL;
		} else {
			page = pgdir->pages[i - pgdir->num_dir_pages];
			get_page(page);
		}
		gnttab_end_foreign_access(pgdir->grefs[i], page);
	}
	if (pgdir->dir_pages)
		for (i = 0; i < pgdir->num_dir_pages; i++)
			if (pgdir->dir_pages[i])
				__free_page(pgdir->dir_pages[i]);
	kfree(pgdir->dir_pages);
	kvfree(pgdir->grefs);
	memset(pgdir, 0, sizeof(*pgdir));
}
