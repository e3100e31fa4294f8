/* SPDX-License-Identifier: GPL-2.0 OR MIT */

/*
 * Xen para-virtual DRM frontend: GEM objects backed by displif buffers.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#ifndef __XEN_DRM_FRONT_GEM_H_
#define __XEN_DRM_FRONT_GEM_H_

#include <linux/types.h>

#include "xen_drm_front_debugfs.h"
#include "xen_drm_front_pgdir.h"

struct dma_buf_attachment;
struct drm_device;
struct drm_file;
struct drm_gem_object;
struct drm_mode_create_dumb;
struct sg_table;
struct xen_drm_front_drm_info;

/* The largest buffer we create: an 8192x8192 XRGB8888 frame. */
#define XEN_DRM_FRONT_MAX_BUF_SIZE	(8192ULL * 8192 * 4)

int xen_drm_front_gem_dumb_layout(u32 width, u32 height, u32 bpp,
				  u32 *pitch, u64 *size);
int xen_drm_front_gem_dumb_create(struct drm_file *file,
				  struct drm_device *dev,
				  struct drm_mode_create_dumb *args);
struct drm_gem_object *
xen_drm_front_gem_import_sg_table(struct drm_device *dev,
				  struct dma_buf_attachment *attach,
				  struct sg_table *sgt);
void xen_drm_front_gem_flush(struct drm_gem_object *gem_obj);
int xen_drm_front_gem_resync(struct xen_drm_front_drm_info *drm_info);
int xen_drm_front_gem_get_dbuf(struct drm_gem_object *obj, u32 pitch,
			       u32 cpp, u32 offset, u64 *dbuf_cookie);

/**
 * struct xen_drm_front_gem_view - a second display buffer over an object
 * @pgdir: the object's pages from the one holding the first line
 * @first_page: index of that page in the object
 * @info: the buffer as the backend knows it (width = pitch / cpp)
 *
 * For a framebuffer whose pitch or offset the object's own display buffer
 * cannot express; it belongs to the framebuffer.
 */
struct xen_drm_front_gem_view {
	struct xen_drm_front_pgdir pgdir;
	unsigned int first_page;
	struct xen_drm_front_dbuf_info info;
};

struct xen_drm_front_gem_view *
xen_drm_front_gem_view_create(struct drm_gem_object *gem_obj, u32 pitch,
			      u32 cpp, u32 offset, u32 height);
int xen_drm_front_gem_view_resync(struct drm_gem_object *gem_obj,
				  struct xen_drm_front_gem_view *view);
void xen_drm_front_gem_view_destroy(struct drm_gem_object *gem_obj,
				    struct xen_drm_front_gem_view *view);

#endif /* __XEN_DRM_FRONT_GEM_H_ */
