// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * Xen para-virtual DRM frontend: the connector.
 *
 * A displif connector is a virtual output with one configured resolution.
 * It is always connected: a backend that fails a request does not unplug
 * the output, it marks the link bad (see the KMS code) so that user space
 * re-probes and commits again.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/slab.h>

#include <drm/drm_atomic_helper.h>
#include <drm/drm_connector.h>
#include <drm/drm_modes.h>
#include <drm/drm_probe_helper.h>

#include "xen_drm_front.h"
#include "xen_drm_front_conn.h"

#define XEN_DRM_FRONT_REFRESH_HZ	60

/*
 * Blanking in the spirit of CVT reduced blanking: the backend ignores it,
 * but user space derives the refresh rate from these timings.
 */
#define HFP	48
#define HSYNC	32
#define HBP	80
#define VFP	3
#define VSYNC	5
#define VBP	15

/**
 * xen_drm_front_conn_mode_create() - the connector's mode
 * @dev: the DRM device
 * @width: horizontal resolution
 * @height: vertical resolution
 *
 * Return: a new @width x @height mode refreshing at 60 Hz, marked preferred,
 * or NULL if out of memory.
 */
struct drm_display_mode *
xen_drm_front_conn_mode_create(struct drm_device *dev, u32 width, u32 height)
{
	struct drm_display_mode *mode;
	u64 pixels;

	mode = drm_mode_create(dev);
	if (!mode)
		return NULL;
	mode->hdisplay = width;
	mode->hsync_start = width + HFP;
	mode->hsync_end = mode->hsync_start + HSYNC;
	mode->htotal = mode->hsync_end + HBP;
	mode->vdisplay = height;
	mode->vsync_start = height + VFP;
	mode->vsync_end = mode->vsync_start + VSYNC;
	mode->vtotal = mode->vsync_end + VBP;
	pixels = (u64)mode->htotal * mode->vtotal * XEN_DRM_FRONT_REFRESH_HZ;
	mode->clock = DIV_ROUND_UP_ULL(pixels, 1000);
	mode->flags = DRM_MODE_FLAG_PHSYNC | DRM_MODE_FLAG_NVSYNC;
	mode->type = DRM_MODE_TYPE_DRIVER | DRM_MODE_TYPE_PREFERRED;
	drm_mode_set_name(mode);
	return mode;
}

static struct xen_drm_front_drm_pipeline *
to_pipeline(struct drm_connector *connector)
{
	return container_of(connector, struct xen_drm_front_drm_pipeline, conn);
}

static int conn_get_modes(struct drm_connector *connector)
{
	struct xen_drm_front_drm_pipeline *pipeline = to_pipeline(connector);
	struct drm_display_mode *mode;

	mode = xen_drm_front_conn_mode_create(connector->dev, pipeline->width,
					      pipeline->height);
	if (!mode)
		return 0;
	drm_mode_probed_add(connector, mode);
	return 1;
}

static const struct drm_connector_helper_funcs conn_helper_funcs = {
	.get_modes = conn_get_modes,
};

static enum drm_connector_status conn_detect(struct drm_connector *connector,
					     bool force)
{
	return connector_status_connected;
}

static const struct drm_connector_funcs conn_funcs = {
	.detect = conn_detect,
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

/**
 * xen_drm_front_conn_init() - initialize a pipeline's connector
 * @pipeline: the pipeline; its index, width and height must be set
 *
 * Return: 0 or a negative errno from drm_connector_init().
 */
int xen_drm_front_conn_init(struct xen_drm_front_drm_pipeline *pipeline)
{
	struct drm_device *dev = pipeline->drm_info->drm_dev;
	struct xen_drm_front_info *front_info = pipeline->drm_info->front_info;
	struct drm_connector *connector = &pipeline->conn;
	const char *uid;
	char *path;
	int ret;

	drm_connector_helper_add(connector, &conn_helper_funcs);
	ret = drm_connector_init(dev, connector, &conn_funcs,
				 DRM_MODE_CONNECTOR_VIRTUAL);
	if (ret)
		return ret;
	connector->polled = 0;

	/*
	 * The toolstack's unique-id names the output across reboots: show it
	 * in the PATH property, where compositors look for a stable name.
	 */
	uid = front_info->cfg.connectors[pipeline->index].unique_id;
	if (!uid)
		return 0;
	drm_object_attach_property(&connector->base,
				   connector->dev->mode_config.path_property, 0);
	path = kasprintf(GFP_KERNEL, "xen-vdispl:%s", uid);
	if (!path)
		return -ENOMEM;
	ret = drm_connector_set_path_property(connector, path);
	kfree(path);
	return ret;
}
