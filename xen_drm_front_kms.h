/* SPDX-License-Identifier: GPL-2.0 OR MIT */

/*
 * Xen para-virtual DRM frontend: mode setting.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#ifndef __XEN_DRM_FRONT_KMS_H_
#define __XEN_DRM_FRONT_KMS_H_

#include <linux/types.h>

#include <drm/drm_modes.h>

/* Bounds of the timings we accept (xen_drm_front_kms_timings_valid()). */
#define XEN_DRM_FRONT_MAX_CLOCK_KHZ	20000000
#define XEN_DRM_FRONT_MIN_REFRESH_HZ	1
#define XEN_DRM_FRONT_MAX_REFRESH_HZ	240

struct drm_framebuffer;
struct xen_drm_front_drm_info;
struct xen_drm_front_drm_pipeline;
struct xen_drm_front_info;

int xen_drm_front_kms_init(struct xen_drm_front_drm_info *drm_info);
void xen_drm_front_kms_fini(struct xen_drm_front_drm_info *drm_info);
void xen_drm_front_kms_release_flips(struct xen_drm_front_drm_info *drm_info);
int xen_drm_front_kms_resync(struct xen_drm_front_drm_info *drm_info);
void xen_drm_front_kms_on_frame_done(struct xen_drm_front_drm_pipeline *pipeline,
				     u64 fb_cookie);
void xen_drm_front_kms_on_flip_response(struct xen_drm_front_drm_pipeline *pipeline,
					int status);
u64 xen_drm_front_fb_to_cookie(struct drm_framebuffer *fb);
u64 xen_drm_front_fb_to_dbuf_cookie(struct drm_framebuffer *fb);
bool xen_drm_front_kms_format_supported(u32 format);
int xen_drm_front_kms_probe_formats(struct xen_drm_front_info *front_info);
enum drm_mode_status
xen_drm_front_kms_timings_valid(const struct drm_display_mode *mode);

#endif /* __XEN_DRM_FRONT_KMS_H_ */
