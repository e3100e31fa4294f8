/* SPDX-License-Identifier: GPL-2.0 OR MIT */

/*
 * Xen para-virtual DRM frontend: the connector.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#ifndef __XEN_DRM_FRONT_CONN_H_
#define __XEN_DRM_FRONT_CONN_H_

#include <linux/types.h>

struct drm_device;
struct drm_display_mode;
struct seq_file;
struct xen_drm_front_drm_pipeline;

struct drm_display_mode *
xen_drm_front_conn_mode_create(struct drm_device *dev, u32 width, u32 height);
bool xen_drm_front_conn_size_ok(struct xen_drm_front_drm_pipeline *pipeline,
				u32 width, u32 height);
int xen_drm_front_conn_unique_id_show(struct seq_file *m,
				      struct xen_drm_front_drm_pipeline *pipeline);
int xen_drm_front_conn_init(struct xen_drm_front_drm_pipeline *pipeline);

#endif /* __XEN_DRM_FRONT_CONN_H_ */
