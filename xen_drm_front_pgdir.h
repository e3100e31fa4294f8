/* SPDX-License-Identifier: GPL-2.0 OR MIT */

/*
 * Xen para-virtual DRM frontend: buffers shared through a page directory.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#ifndef __XEN_DRM_FRONT_PGDIR_H_
#define __XEN_DRM_FRONT_PGDIR_H_

#include <linux/stddef.h>
#include <linux/types.h>

#include <xen/grant_table.h>
#include <xen/interface/io/displif.h>

/* Grant references one directory page holds after its "next page" link. */
#define XEN_DRM_FRONT_GREFS_PER_DIR_PAGE \
	((XEN_PAGE_SIZE - offsetof(struct xendispl_page_directory, gref)) / \
	 sizeof(grant_ref_t))

struct page;

/**
 * struct xen_drm_front_pgdir - a display buffer described to the backend
 * @otherend_id: the backend's domain
 * @be_alloc: the backend provides the data pages (XENDISPL_DBUF_FLG_REQ_ALLOC)
 * @num_pages: number of data pages
 * @num_dir_pages: number of directory pages
 * @pages: the data pages (not owned); for @be_alloc, unpopulated pages that
 *	the backend's grants are mapped into
 * @dir_pages: the directory pages (owned)
 * @grefs: directory grants first, then one per data page (ours, or the
 *	backend's for @be_alloc)
 * @num_granted: how many entries of @grefs, from the first, we granted
 * @map_handles: for @be_alloc, handles of the mapped backend pages
 */
struct xen_drm_front_pgdir {
	domid_t otherend_id;
	bool be_alloc;
	unsigned int num_pages;
	unsigned int num_dir_pages;
	struct page **pages;
	struct page **dir_pages;
	grant_ref_t *grefs;
	unsigned int num_granted;
	grant_handle_t *map_handles;
};

unsigned int xen_drm_front_pgdir_num_dir_pages(unsigned int num_pages);
int xen_drm_front_pgdir_share(struct xen_drm_front_pgdir *pgdir,
			      domid_t otherend_id, struct page **pages,
			      unsigned int num_pages, bool be_alloc);
grant_ref_t xen_drm_front_pgdir_start(const struct xen_drm_front_pgdir *pgdir);
int xen_drm_front_pgdir_map(struct xen_drm_front_pgdir *pgdir);
void xen_drm_front_pgdir_unmap(struct xen_drm_front_pgdir *pgdir);
void xen_drm_front_pgdir_free(struct xen_drm_front_pgdir *pgdir);

#endif /* __XEN_DRM_FRONT_PGDIR_H_ */
