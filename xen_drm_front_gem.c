// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * Xen para-virtual DRM frontend: GEM objects backed by displif buffers.
 *
 * A GEM object's pages are what the backend displays. Frontend-allocated
 * objects use pages of ours that we grant; with be-alloc the backend grants
 * its own pages and we map them into unpopulated (ballooned) pages of ours.
 * Each object is one displif display buffer ("dbuf"), known to the backend
 * by a cookie: dumb buffers get theirs when created, imported dma-bufs when
 * the first framebuffer tells us their layout.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/dma-buf.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/vmalloc.h>

#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>

#include <xen/xen.h>
#include <xen/xenbus.h>

#include "xen_drm_front.h"
#include "xen_drm_front_gem.h"
#include "xen_drm_front_pgdir.h"

/**
 * struct xen_gem_object - a GEM object shared with the backend
 * @base: the GEM object
 * @num_pages: number of pages backing the object
 * @pages: the pages the CPU uses (mmap, vmap, PRIME export)
 * @be_alloc: the backend provides the buffer: @be_pages are unpopulated
 *	pages its grants are mapped into
 * @be_pages: for @be_alloc, the pages mapped from the backend
 * @shadow: @pages are a copy of @be_pages that is copied over when shown
 * @sgt_imported: for a PRIME import, the exporter's table
 * @lock: protects the dbuf fields (imports create their dbuf lazily)
 * @dbuf_cookie: the backend's name for the buffer, 0 while none
 * @dbuf_pitch: bytes per line the backend assumes (width * bpp / 8)
 * @dbuf_offset: where the pixels start in the first page (imports)
 * @pgdir: the page directory describing @pages to the backend
 * @dbuf_info: the buffer as debugfs lists it, while it has a dbuf
 */
struct xen_gem_object {
	struct drm_gem_object base;
	unsigned int num_pages;
	struct page **pages;
	bool be_alloc;
	struct page **be_pages;
	bool shadow;
	struct sg_table *sgt_imported;
	struct mutex lock; /* protects the dbuf fields */
	u64 dbuf_cookie;
	u32 dbuf_pitch;
	u32 dbuf_offset;
	struct xen_drm_front_pgdir pgdir;
	struct xen_drm_front_dbuf_info dbuf_info;
};

static struct xen_gem_object *to_xen_gem_obj(struct drm_gem_object *obj)
{
	return container_of(obj, struct xen_gem_object, base);
}

static struct xen_drm_front_info *obj_front_info(struct drm_gem_object *obj)
{
	struct xen_drm_front_drm_info *drm_info = obj->dev->dev_private;

	return drm_info->front_info;
}

/**
 * xen_drm_front_gem_dumb_layout() - pitch and size of a dumb buffer
 * @width: width in pixels, 1..XEN_DRM_FRONT_MAX_DIM
 * @height: height in lines, 1..XEN_DRM_FRONT_MAX_DIM
 * @bpp: bits per pixel, 1..32
 * @pitch: where to store the bytes per line
 * @size: where to store the page-aligned size
 *
 * displif carries no pitch: the backend derives it from the buffer's width
 * and bpp, so the pitch is exactly DIV_ROUND_UP(width * bpp, 8). All of it
 * is computed in 64 bits: nothing here can wrap.
 *
 * Return: 0, or -EINVAL for a layout the device cannot hold.
 */
int xen_drm_front_gem_dumb_layout(u32 width, u32 height, u32 bpp,
				  u32 *pitch, u64 *size)
{
	u64 line, total;

	if (!width || !height || !bpp || bpp > 32 ||
	    width > XEN_DRM_FRONT_MAX_DIM || height > XEN_DRM_FRONT_MAX_DIM)
		return -EINVAL;
	line = DIV_ROUND_UP((u64)width * bpp, 8);
	if (check_mul_overflow(line, (u64)height, &total))
		return -EINVAL;
	total = PAGE_ALIGN(total);
	if (!total || total > XEN_DRM_FRONT_MAX_BUF_SIZE)
		return -EINVAL;
	*pitch = line;
	*size = total;
	return 0;
}

static void gem_free_be_pages(struct xen_gem_object *obj)
{
	if (!obj->be_pages)
		return;
	xen_free_unpopulated_pages(obj->num_pages, obj->be_pages);
	atomic_long_sub(obj->num_pages, &xen_drm_front_acct.pages);
	kvfree(obj->be_pages);
	obj->be_pages = NULL;
}

/*
 * Pages for a buffer the backend is granted. Zeroed: they reach user space
 * and another domain. Charged to the caller's memory cgroup, and an absurd
 * size fails with -ENOMEM instead of waking the OOM killer. Not shmem, as
 * upstream's are: a granted buffer stays pinned for its whole life, so
 * shmem's swap backing is never used, and its page cache bookkeeping was
 * a third of a buffer's creation and destruction (make bench, section 8).
 */
static struct page **gem_alloc_pages(unsigned int num_pages)
{
	const gfp_t gfp = GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT |
			  __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	struct page **pages;
	unsigned int i;

	pages = kvmalloc_array(num_pages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < num_pages; i++) {
		pages[i] = alloc_page(gfp);
		if (!pages[i]) {
			while (i--)
				put_page(pages[i]);
			kvfree(pages);
			return ERR_PTR(-ENOMEM);
		}
		cond_resched();
	}
	return pages;
}

/* A page the backend still maps has a reference of gnttab's: see pgdir. */
static void gem_free_pages(struct page **pages, unsigned int num_pages)
{
	unsigned int i;

	for (i = 0; i < num_pages; i++)
		put_page(pages[i]);
	kvfree(pages);
}

static void gem_free_object(struct drm_gem_object *gem_obj)
{
	struct xen_gem_object *obj = to_xen_gem_obj(gem_obj);
	int idx;

	if (obj->dbuf_cookie) {
		xen_drm_front_dbuf_untrack(gem_obj->dev->dev_private,
					   &obj->dbuf_info);
		/* The backend's pages must be unmapped before it frees them. */
		xen_drm_front_pgdir_unmap(&obj->pgdir);
		if (drm_dev_enter(gem_obj->dev, &idx)) {
			xen_drm_front_dbuf_destroy(obj_front_info(gem_obj),
						   obj->dbuf_cookie);
			drm_dev_exit(idx);
		}
	}
	xen_drm_front_pgdir_free(&obj->pgdir);

	if (obj->sgt_imported) {
		kvfree(obj->pages);
		drm_prime_gem_destroy(gem_obj, obj->sgt_imported);
	} else if (obj->pages && obj->pages != obj->be_pages) {
		gem_free_pages(obj->pages, obj->num_pages);
		atomic_long_sub(obj->num_pages, &xen_drm_front_acct.pages);
	}
	gem_free_be_pages(obj);
	drm_gem_object_release(gem_obj);
	mutex_destroy(&obj->lock);
	kfree(obj);
}

static struct sg_table *gem_get_sg_table(struct drm_gem_object *gem_obj)
{
	struct xen_gem_object *obj = to_xen_gem_obj(gem_obj);

	return drm_prime_pages_to_sg(gem_obj->dev, obj->pages, obj->num_pages);
}

static int gem_vmap(struct drm_gem_object *gem_obj, struct iosys_map *map)
{
	struct xen_gem_object *obj = to_xen_gem_obj(gem_obj);
	void *vaddr;

	vaddr = vmap(obj->pages, obj->num_pages, VM_MAP, PAGE_KERNEL);
	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void gem_vunmap(struct drm_gem_object *gem_obj, struct iosys_map *map)
{
	vunmap(map->vaddr);
}

static int gem_mmap(struct drm_gem_object *gem_obj, struct vm_area_struct *vma)
{
	struct xen_gem_object *obj = to_xen_gem_obj(gem_obj);
	int ret;

	/*
	 * The backend reads the pages through its own, cached, mapping:
	 * a write-combined user mapping showed stale lines on the backend.
	 * Xen on Arm demands it as well: memory shared with another domain
	 * is mapped Normal, Inner/Outer Write-Back, Inner-Shareable by all
	 * (xen/include/public/arch-arm.h), so the pixels reach the backend
	 * without cache maintenance (the Arm rig checks them pixel-exact).
	 */
	vma->vm_ops = gem_obj->funcs->vm_ops;
	vma->vm_flags |= VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_flags &= ~VM_PFNMAP;
	vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
	/* vm_map_pages() maps from vm_pgoff; the fake offset is not ours. */
	vma->vm_pgoff = 0;
	ret = vm_map_pages(vma, obj->pages, obj->num_pages);
	if (ret)
		drm_dbg_driver(gem_obj->dev, "mmap of %u pages failed: %d\n",
			       obj->num_pages, ret);
	return ret;
}

static const struct vm_operations_struct gem_vm_ops = {
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

static const struct drm_gem_object_funcs gem_funcs = {
	.free = gem_free_object,
	.get_sg_table = gem_get_sg_table,
	.vmap = gem_vmap,
	.vunmap = gem_vunmap,
	.mmap = gem_mmap,
	.vm_ops = &gem_vm_ops,
};

static struct xen_gem_object *gem_alloc(struct drm_device *dev, size_t size)
{
	struct xen_gem_object *obj;

	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->base.funcs = &gem_funcs;
	mutex_init(&obj->lock);
	obj->num_pages = DIV_ROUND_UP(size, PAGE_SIZE);
	return obj;
}

static struct xen_gem_object *gem_create(struct drm_device *dev, size_t size,
					 bool be_alloc)
{
	struct xen_gem_object *obj;
	int ret;

	obj = gem_alloc(dev, size);
	if (IS_ERR(obj))
		return obj;

	if (be_alloc) {
		obj->be_alloc = true;
		obj->be_pages = kvmalloc_array(obj->num_pages,
					       sizeof(*obj->be_pages),
					       GFP_KERNEL);
		if (!obj->be_pages) {
			ret = -ENOMEM;
			goto fail_uninit;
		}
		ret = xen_alloc_unpopulated_pages(obj->num_pages, obj->be_pages);
		if (ret) {
			kvfree(obj->be_pages);
			obj->be_pages = NULL;
			goto fail_uninit;
		}
		atomic_long_add(obj->num_pages, &xen_drm_front_acct.pages);
		/*
		 * A PV guest cannot map another domain's frames with ordinary
		 * page tables: user and kernel mappings of the backend's pages
		 * would fault. There the CPU works on pages of ours that are
		 * copied to the backend's when shown. Auto-translated guests
		 * map the backend's pages directly.
		 */
		if (!xen_pv_domain()) {
			drm_gem_private_object_init(dev, &obj->base, size);
			obj->pages = obj->be_pages;
			return obj;
		}
		obj->shadow = true;
	}

	drm_gem_private_object_init(dev, &obj->base, size);
	obj->pages = gem_alloc_pages(obj->num_pages);
	if (IS_ERR(obj->pages)) {
		ret = PTR_ERR(obj->pages);
		obj->pages = NULL;
		drm_gem_object_put(&obj->base);
		return ERR_PTR(ret);
	}
	atomic_long_add(obj->num_pages, &xen_drm_front_acct.pages);
	return obj;

fail_uninit:
	/* The GEM object is not initialized: its free path does not apply. */
	gem_free_be_pages(obj);
	mutex_destroy(&obj->lock);
	kfree(obj);
	return ERR_PTR(ret);
}

/**
 * xen_drm_front_gem_flush() - make what the CPU wrote visible to the backend
 * @gem_obj: an object about to be shown (SET_CONFIG, PG_FLIP)
 *
 * Only a shadowed be-alloc object (PV guests) needs work: its pages are
 * copied to the backend's, through the kernel's grant mapping of them.
 */
void xen_drm_front_gem_flush(struct drm_gem_object *gem_obj)
{
	struct xen_gem_object *obj = to_xen_gem_obj(gem_obj);
	unsigned int i;

	if (!obj->shadow || !obj->pgdir.map_handles)
		return;
	for (i = 0; i < obj->num_pages; i++)
		copy_page(page_address(obj->be_pages[i]),
			  page_address(obj->pages[i]));
	atomic_long_add(obj->num_pages, &xen_drm_front_acct.shadow_copied);
}

/* Called with obj->lock held, within drm_dev_enter(). */
static int gem_create_dbuf(struct xen_gem_object *obj, u32 width, u32 height,
			   u32 bpp, u32 pitch, u32 offset)
{
	struct xen_drm_front_info *front_info = obj_front_info(&obj->base);
	u64 cookie = xen_drm_front_new_cookie(front_info);
	int ret;

	ret = xen_drm_front_pgdir_share(&obj->pgdir,
					front_info->xb_dev->otherend_id,
					obj->be_alloc ? obj->be_pages : obj->pages,
					obj->num_pages, obj->be_alloc);
	if (ret) {
		drm_dbg_driver(obj->base.dev, "sharing %u pages failed: %d\n",
			       obj->num_pages, ret);
		return ret;
	}
	ret = xen_drm_front_dbuf_create(front_info, &obj->pgdir, cookie, width,
					height, bpp, obj->base.size, offset);
	if (ret) {
		xen_drm_front_pgdir_free(&obj->pgdir);
		return ret;
	}
	obj->dbuf_cookie = cookie;
	obj->dbuf_pitch = pitch;
	obj->dbuf_offset = offset;
	obj->dbuf_info = (struct xen_drm_front_dbuf_info) {
		.cookie = cookie, .width = width, .height = height, .bpp = bpp,
		.size = obj->base.size, .num_pages = obj->num_pages,
		.num_grants = obj->pgdir.num_granted,
		.be_alloc = obj->be_alloc, .shadow = obj->shadow,
		.imported = !!obj->sgt_imported,
	};
	xen_drm_front_dbuf_track(obj->base.dev->dev_private, &obj->dbuf_info);
	return 0;
}

/**
 * xen_drm_front_gem_dumb_create() - DRM_IOCTL_MODE_CREATE_DUMB
 * @file: the DRM file creating the buffer
 * @dev: the DRM device
 * @args: the request; pitch, size and handle are filled in on success
 *
 * Allocates the pages (or, with be-alloc, asks the backend for them) and
 * creates the display buffer on the backend.
 *
 * Return: 0, -EINVAL for a layout the device cannot hold, -ENODEV if the
 * device is gone, -ENOMEM/-ENOSPC when memory or grant references run out,
 * or the backend's error.
 */
int xen_drm_front_gem_dumb_create(struct drm_file *file,
				  struct drm_device *dev,
				  struct drm_mode_create_dumb *args)
{
	struct xen_drm_front_drm_info *drm_info = dev->dev_private;
	struct xen_gem_object *obj;
	u32 pitch;
	u64 size;
	int ret, idx;

	ret = xen_drm_front_gem_dumb_layout(args->width, args->height,
					    args->bpp, &pitch, &size);
	if (ret)
		return ret;
	if (!drm_dev_enter(dev, &idx))
		return -ENODEV;

	obj = gem_create(dev, size, drm_info->front_info->cfg.be_alloc);
	if (IS_ERR(obj)) {
		ret = PTR_ERR(obj);
		goto out;
	}
	mutex_lock(&obj->lock);
	ret = gem_create_dbuf(obj, args->width, args->height, args->bpp, pitch,
			      0);
	mutex_unlock(&obj->lock);
	if (!ret)
		ret = drm_gem_handle_create(file, &obj->base, &args->handle);
	/* The handle, if any, holds the object now. */
	drm_gem_object_put(&obj->base);
	if (!ret) {
		args->pitch = pitch;
		args->size = size;
	}
out:
	drm_dev_exit(idx);
	return ret;
}

/**
 * xen_drm_front_gem_import_sg_table() - wrap an imported dma-buf
 * @dev: the DRM device
 * @attach: the dma-buf attachment
 * @sgt: the exporter's scatter table
 *
 * The dma-buf carries no layout, so the backend learns about it only when
 * a framebuffer is created on it (see xen_drm_front_gem_get_dbuf()). We
 * always grant the exporter's pages ourselves, be-alloc or not.
 *
 * Return: the new object or an ERR_PTR().
 */
struct drm_gem_object *
xen_drm_front_gem_import_sg_table(struct drm_device *dev,
				  struct dma_buf_attachment *attach,
				  struct sg_table *sgt)
{
	size_t size = attach->dmabuf->size;
	struct xen_gem_object *obj;
	int ret;

	if (!size || size > XEN_DRM_FRONT_MAX_BUF_SIZE)
		return ERR_PTR(-EINVAL);
	obj = gem_alloc(dev, size);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	drm_gem_private_object_init(dev, &obj->base, size);

	obj->pages = kvmalloc_array(obj->num_pages, sizeof(*obj->pages),
				    GFP_KERNEL);
	if (!obj->pages) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = drm_prime_sg_to_page_array(sgt, obj->pages, obj->num_pages);
	if (ret) {
		kvfree(obj->pages);
		obj->pages = NULL;
		goto fail;
	}
	obj->sgt_imported = sgt;
	return &obj->base;

fail:
	/* No sgt recorded yet: the free path leaves the attachment alone. */
	drm_gem_object_release(&obj->base);
	mutex_destroy(&obj->lock);
	kfree(obj);
	return ERR_PTR(ret);
}

/**
 * xen_drm_front_gem_get_dbuf() - the display buffer a framebuffer uses
 * @gem_obj: the framebuffer's object
 * @pitch: the framebuffer's bytes per line
 * @cpp: the framebuffer's bytes per pixel
 * @offset: where the framebuffer starts in the object
 * @dbuf_cookie: where to store the backend's cookie for the buffer
 *
 * The backend derives a buffer's pitch from the width and bpp it was
 * created with, and shows a framebuffer from the buffer's start: the
 * object's own buffer serves a framebuffer at offset 0 with exactly that
 * pitch. An imported buffer is created on the backend here, with the first
 * framebuffer's layout. Call within drm_dev_enter().
 *
 * Return: 0, -EXDEV if the framebuffer needs a buffer of its own
 * (xen_drm_front_gem_view_create()), or the error from creating the buffer.
 */
int xen_drm_front_gem_get_dbuf(struct drm_gem_object *gem_obj, u32 pitch,
			       u32 cpp, u32 offset, u64 *dbuf_cookie)
{
	struct xen_gem_object *obj = to_xen_gem_obj(gem_obj);
	u32 ofs, height;
	int ret = 0;

	mutex_lock(&obj->lock);
	if (!obj->dbuf_cookie && obj->sgt_imported && !offset) {
		ofs = obj->sgt_imported->sgl->offset;
		if (!cpp || pitch % cpp || ofs >= gem_obj->size) {
			ret = -EINVAL;
			goto out;
		}
		height = (gem_obj->size - ofs) / pitch;
		ret = gem_create_dbuf(obj, pitch / cpp, height, cpp * 8, pitch,
				      ofs);
		if (ret)
			goto out;
	}
	if (offset || pitch != obj->dbuf_pitch || !obj->dbuf_cookie)
		ret = obj->dbuf_cookie || obj->sgt_imported ? -EXDEV : -ENODEV;
	else
		*dbuf_cookie = obj->dbuf_cookie;
out:
	mutex_unlock(&obj->lock);
	return ret;
}

static int view_share_create(struct xen_gem_object *obj,
			     struct xen_drm_front_gem_view *view)
{
	struct xen_drm_front_info *front_info = obj_front_info(&obj->base);
	struct xen_drm_front_dbuf_info *info = &view->info;
	int ret;

	ret = xen_drm_front_pgdir_share(&view->pgdir,
					front_info->xb_dev->otherend_id,
					obj->pages + view->first_page,
					info->num_pages, false);
	if (ret)
		return ret;
	ret = xen_drm_front_dbuf_create(front_info, &view->pgdir, info->cookie,
					info->width, info->height, info->bpp,
					info->size, info->data_ofs);
	if (ret) {
		xen_drm_front_pgdir_free(&view->pgdir);
		return ret;
	}
	info->num_grants = view->pgdir.num_granted;
	return 0;
}

/**
 * xen_drm_front_gem_view_create() - a display buffer for one framebuffer
 * @gem_obj: the framebuffer's object
 * @pitch: the framebuffer's bytes per line
 * @cpp: the framebuffer's bytes per pixel
 * @offset: where the framebuffer starts in the object
 * @height: the framebuffer's lines
 *
 * FB_ATTACH carries no pitch and no offset: the backend shows width x
 * height pixels of the framebuffer from the start of its buffer, whose
 * lines are the buffer's width x bpp / 8 bytes apart. A framebuffer with
 * another pitch, or not at the object's start, gets a buffer of its own
 * over the same pages: width pitch / cpp, as many lines as the framebuffer,
 * its pages from the one holding the first line, and the rest of @offset
 * as the buffer's data_ofs (protocol version 2 only). The backend then
 * shows the framebuffer's own width x height from it, as displ_be does
 * (its framebuffer on the buffer is width x height with the buffer's
 * stride) and vdispl-be. Call within drm_dev_enter().
 *
 * What cannot be shown correctly is refused with a message: a pitch that
 * is not a whole number of pixels, an offset within a page on protocol
 * version 1, a framebuffer whose last line's padding would run past the
 * object (the backend reads whole lines), backend-allocated objects (their
 * pages are the backend's: we cannot grant them).
 *
 * Return: the view, or an ERR_PTR(): -EINVAL for what the backend cannot
 * show, else the error of granting or DBUF_CREATE.
 */
struct xen_drm_front_gem_view *
xen_drm_front_gem_view_create(struct drm_gem_object *gem_obj, u32 pitch,
			      u32 cpp, u32 offset, u32 height)
{
	struct xen_gem_object *obj = to_xen_gem_obj(gem_obj);
	struct xen_drm_front_info *front_info = obj_front_info(gem_obj);
	struct drm_device *dev = gem_obj->dev;
	struct xen_drm_front_gem_view *view;
	u32 data_ofs = offset_in_page(offset);
	u64 end = (u64)offset + (u64)pitch * height;
	const char *why = NULL;
	int ret;

	if (obj->be_alloc)
		why = "its buffer is backend-allocated (be-alloc)";
	else if (!cpp || pitch % cpp)
		why = "the pitch is not a whole number of pixels";
	else if (data_ofs && front_info->cfg.version < 2)
		why = "an offset within a page needs displif version 2";
	else if (end > gem_obj->size)
		why = "its last line's padding runs past the buffer";
	if (why) {
		dev_warn_ratelimited(dev->dev,
				     "framebuffer with pitch %u, offset %u: not shown correctly by the backend, refused: %s\n",
				     pitch, offset, why);
		return ERR_PTR(-EINVAL);
	}

	view = kzalloc(sizeof(*view), GFP_KERNEL);
	if (!view)
		return ERR_PTR(-ENOMEM);
	view->first_page = offset >> PAGE_SHIFT;
	view->info = (struct xen_drm_front_dbuf_info) {
		.cookie = xen_drm_front_new_cookie(front_info),
		.width = pitch / cpp, .height = height, .bpp = cpp * 8,
		.num_pages = DIV_ROUND_UP(end, PAGE_SIZE) - view->first_page,
		.imported = !!obj->sgt_imported, .view = true,
		.data_ofs = data_ofs,
	};
	view->info.size = (u64)view->info.num_pages << PAGE_SHIFT;
	ret = view_share_create(obj, view);
	if (ret) {
		drm_dbg_kms(dev, "buffer for pitch %u, offset %u: %d\n", pitch,
			    offset, ret);
		kfree(view);
		return ERR_PTR(ret);
	}
	xen_drm_front_dbuf_track(dev->dev_private, &view->info);
	return view;
}

/**
 * xen_drm_front_gem_view_resync() - create a view again on a new backend
 * @gem_obj: the framebuffer's object
 * @view: its view, whose grants died with the domain's save
 *
 * As xen_drm_front_gem_resync() does for objects, under the same cookie.
 *
 * Return: 0 or the error of granting or DBUF_CREATE.
 */
int xen_drm_front_gem_view_resync(struct drm_gem_object *gem_obj,
				  struct xen_drm_front_gem_view *view)
{
	xen_drm_front_pgdir_free(&view->pgdir);
	return view_share_create(to_xen_gem_obj(gem_obj), view);
}

/**
 * xen_drm_front_gem_view_destroy() - DBUF_DESTROY a view and free it
 * @gem_obj: the framebuffer's object
 * @view: the view, its framebuffer already detached; may be NULL
 */
void xen_drm_front_gem_view_destroy(struct drm_gem_object *gem_obj,
				    struct xen_drm_front_gem_view *view)
{
	int idx;

	if (!view)
		return;
	xen_drm_front_dbuf_untrack(gem_obj->dev->dev_private, &view->info);
	if (drm_dev_enter(gem_obj->dev, &idx)) {
		xen_drm_front_dbuf_destroy(obj_front_info(gem_obj),
					   view->info.cookie);
		drm_dev_exit(idx);
	}
	xen_drm_front_pgdir_free(&view->pgdir);
	kfree(view);
}

/**
 * xen_drm_front_gem_resync() - create every display buffer on a new backend
 * @drm_info: the DRM device, restored from a saved image
 *
 * A domain's grants do not survive its save and restore: every buffer is
 * granted again, to the backend now serving the device, and created there
 * with its old cookie, so that framebuffers can name it as before. Only
 * the caller may send requests meanwhile (see be_call()). Backend-allocated
 * buffers lived in the old backend's memory: they cannot be re-created.
 *
 * Return: 0, -EOPNOTSUPP for a backend-allocated buffer, or the first error
 * from granting or DBUF_CREATE.
 */
int xen_drm_front_gem_resync(struct xen_drm_front_drm_info *drm_info)
{
	struct xen_drm_front_info *front_info = drm_info->front_info;
	struct xen_drm_front_dbuf_info *info;
	int ret = 0;

	mutex_lock(&drm_info->dbufs_lock);
	list_for_each_entry(info, &drm_info->dbufs, link) {
		struct xen_gem_object *obj;

		/* Framebuffers' views: xen_drm_front_kms_resync() does them. */
		if (info->view)
			continue;
		obj = container_of(info, struct xen_gem_object, dbuf_info);
		if (obj->be_alloc) {
			ret = -EOPNOTSUPP;
			break;
		}
		/* Ends the dead grants, so their references are free again. */
		xen_drm_front_pgdir_free(&obj->pgdir);
		ret = xen_drm_front_pgdir_share(&obj->pgdir,
						front_info->xb_dev->otherend_id,
						obj->pages, obj->num_pages, false);
		if (!ret)
			ret = xen_drm_front_dbuf_create(front_info, &obj->pgdir,
							info->cookie,
							info->width,
							info->height, info->bpp,
							info->size,
							obj->dbuf_offset);
		if (ret)
			break;
		info->num_grants = obj->pgdir.num_granted;
	}
	mutex_unlock(&drm_info->dbufs_lock);
	return ret;
}
