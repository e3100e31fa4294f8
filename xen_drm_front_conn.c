// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * Xen para-virtual DRM frontend: the connector.
 *
 * A displif connector is a virtual output with one configured resolution.
 * It is always connected: a backend that fails a request does not unplug
 * the output, it marks the link bad (see the KMS code) so that user space
 * re-probes and commits again. With protocol version 2 the backend's EDID,
 * when valid, provides the modes; the resolution stays the fallback.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <xen/page.h>
#include <xen/xenbus.h>
#include <xen/interface/io/displif.h>

#include <drm/drm_atomic_helper.h>
#include <drm/drm_connector.h>
#include <drm/drm_edid.h>
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

/* Remember the sizes of the EDID's modes: only those may be set. */
static void record_sizes(struct xen_drm_front_drm_pipeline *pipeline)
{
	struct drm_display_mode *mode;
	unsigned int i, n = 0;

	mutex_lock(&pipeline->modes_lock);
	list_for_each_entry(mode, &pipeline->conn.probed_modes, head) {
		for (i = 0; i < n; i++)
			if (pipeline->sizes[i][0] == mode->hdisplay &&
			    pipeline->sizes[i][1] == mode->vdisplay)
				break;
		if (i < n || n == XEN_DRM_FRONT_MAX_EDID_MODES)
			continue;
		pipeline->sizes[n][0] = mode->hdisplay;
		pipeline->sizes[n][1] = mode->vdisplay;
		n++;
	}
	pipeline->num_sizes = n;
	mutex_unlock(&pipeline->modes_lock);
}

/**
 * xen_drm_front_conn_size_ok() - may the connector show a mode of this size
 * @pipeline: the connector's pipeline
 * @width: the mode's width
 * @height: the mode's height
 *
 * Return: true for the configured resolution and the sizes of the modes
 * the connector's EDID offered.
 */
bool xen_drm_front_conn_size_ok(struct xen_drm_front_drm_pipeline *pipeline,
				u32 width, u32 height)
{
	unsigned int i;
	bool ok;

	if (width == pipeline->width && height == pipeline->height)
		return true;
	mutex_lock(&pipeline->modes_lock);
	for (i = 0, ok = false; i < pipeline->num_sizes && !ok; i++)
		ok = pipeline->sizes[i][0] == width &&
		     pipeline->sizes[i][1] == height;
	mutex_unlock(&pipeline->modes_lock);
	return ok;
}

static int conn_get_modes(struct drm_connector *connector)
{
	struct xen_drm_front_drm_pipeline *pipeline = to_pipeline(connector);
	struct drm_display_mode *mode;
	int count;

	if (pipeline->drm_edid) {
		count = drm_edid_connector_update(connector, pipeline->drm_edid);
		if (count > 0) {
			record_sizes(pipeline);
			return count;
		}
	}

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

/**
 * xen_drm_front_conn_unique_id_show() - the connector's unique-id
 * @m: the seq_file to print to
 * @pipeline: the connector's pipeline
 *
 * The toolstack's unique-id names the output across reboots. It is not the
 * PATH property: that one is DisplayPort MST's ("mst:<connector>-<ports>"),
 * and user space parses it as such. DRM's place for what a driver wants to
 * show about a connector is the connector's debugfs directory
 * (&drm_connector_funcs.debugfs_init): xen_unique_id there holds the id
 * and a newline, or nothing if the toolstack gave none.
 *
 * Return: 0, or -ENODEV while the device is gone or being restored.
 */
int xen_drm_front_conn_unique_id_show(struct seq_file *m,
				      struct xen_drm_front_drm_pipeline *pipeline)
{
	struct xen_drm_front_info *front_info =
		READ_ONCE(pipeline->drm_info->front_info);
	const char *uid;

	/*
	 * As xen_drm_front_debugfs_state_show(): gone with the xenbus device,
	 * or the configuration is being read again (restore); a restore swaps
	 * it under pairs_sem.
	 */
	if (!front_info || READ_ONCE(front_info->resuming))
		return -ENODEV;
	down_read(&front_info->pairs_sem);
	uid = front_info->cfg.connectors[pipeline->index].unique_id;
	if (uid)
		seq_printf(m, "%s\n", uid);
	up_read(&front_info->pairs_sem);
	return 0;
}

static int unique_id_show(struct seq_file *m, void *data)
{
	return xen_drm_front_conn_unique_id_show(m, m->private);
}
DEFINE_SHOW_ATTRIBUTE(unique_id);

static void conn_debugfs_init(struct drm_connector *connector,
			      struct dentry *root)
{
	debugfs_create_file("xen_unique_id", 0444, root, to_pipeline(connector),
			    &unique_id_fops);
}

static const struct drm_connector_funcs conn_funcs = {
	.detect = conn_detect,
	.debugfs_init = conn_debugfs_init,
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

/*
 * Ask the backend for the connector's EDID (protocol v2). Anything short of
 * a complete, valid EDID is logged and ignored: the mode then comes from
 * the configured resolution, as with protocol v1.
 */
static const struct drm_edid *read_edid(struct xen_drm_front_drm_pipeline *pipeline)
{
	struct xen_drm_front_info *front_info = pipeline->drm_info->front_info;
	struct device *dev = &front_info->xb_dev->dev;
	struct page *pages[XENDISPL_EDID_MAX_SIZE / XEN_PAGE_SIZE] = {};
	const struct drm_edid *drm_edid = NULL;
	unsigned int i, blocks;
	u32 edid_sz = 0;
	u8 *raw = NULL;
	int ret;

	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!pages[i])
			goto out;
	}
	ret = xen_drm_front_get_edid(front_info, pipeline->index, pages,
				     ARRAY_SIZE(pages), &edid_sz);
	if (ret) {
		dev_info(dev, "connector %u: no EDID from the backend (%d), using %ux%u\n",
			 pipeline->index, ret, pipeline->width, pipeline->height);
		goto out;
	}
	if (edid_sz < EDID_LENGTH || edid_sz > XENDISPL_EDID_MAX_SIZE ||
	    edid_sz % EDID_LENGTH) {
		dev_warn(dev, "connector %u: backend's EDID size %u is invalid, using %ux%u\n",
			 pipeline->index, edid_sz, pipeline->width,
			 pipeline->height);
		goto out;
	}
	raw = kmalloc(edid_sz, GFP_KERNEL);
	if (!raw)
		goto out;
	for (i = 0; i * XEN_PAGE_SIZE < edid_sz; i++)
		memcpy(raw + i * XEN_PAGE_SIZE, page_address(pages[i]),
		       min_t(u32, XEN_PAGE_SIZE, edid_sz - i * XEN_PAGE_SIZE));
	blocks = 1 + ((struct edid *)raw)->extensions;
	if (blocks * EDID_LENGTH > edid_sz ||
	    !drm_edid_is_valid((struct edid *)raw)) {
		dev_warn(dev, "connector %u: backend's EDID is malformed (%u bytes, %u blocks), using %ux%u\n",
			 pipeline->index, edid_sz, blocks, pipeline->width,
			 pipeline->height);
		goto out;
	}
	drm_edid = drm_edid_alloc(raw, blocks * EDID_LENGTH);
	if (drm_edid)
		dev_info(dev, "connector %u: EDID of %u block(s) from the backend\n",
			 pipeline->index, blocks);
out:
	kfree(raw);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		if (pages[i])
			__free_page(pages[i]);
	return drm_edid;
}

/**
 * xen_drm_front_conn_init() - initialize a pipeline's connector
 * @pipeline: the pipeline; its index, width and height must be set
 *
 * With protocol v2 this asks the backend for the connector's EDID.
 *
 * Return: 0 or a negative errno.
 */
int xen_drm_front_conn_init(struct xen_drm_front_drm_pipeline *pipeline)
{
	struct drm_device *dev = pipeline->drm_info->drm_dev;
	struct xen_drm_front_info *front_info = pipeline->drm_info->front_info;
	struct drm_connector *connector = &pipeline->conn;
	int ret;

	drm_connector_helper_add(connector, &conn_helper_funcs);
	ret = drm_connector_init(dev, connector, &conn_funcs,
				 DRM_MODE_CONNECTOR_VIRTUAL);
	if (ret)
		return ret;
	connector->polled = 0;
	mutex_init(&pipeline->modes_lock);

	if (front_info->cfg.version >= 2) {
		drm_connector_attach_edid_property(connector);
		pipeline->drm_edid = read_edid(pipeline);
	}
	return 0;
}
