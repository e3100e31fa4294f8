/* SPDX-License-Identifier: GPL-2.0 OR MIT */

/*
 * Xen para-virtual DRM frontend: configuration read from XenStore.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#ifndef __XEN_DRM_FRONT_CFG_H_
#define __XEN_DRM_FRONT_CFG_H_

#include <linux/types.h>

/*
 * displif indexes connectors with a u8; we allocate per-connector state
 * statically, so keep a bound that is generous for a virtual display.
 */
#define XEN_DRM_FRONT_MAX_CONNECTORS	8

/* Mode and buffer limits: 8K in both directions fits the protocol's u32s. */
#define XEN_DRM_FRONT_MIN_DIM		1
#define XEN_DRM_FRONT_MAX_DIM		8192

/* Protocol versions this frontend implements, lowest and highest. */
#define XEN_DRM_FRONT_PROTO_MIN		1
#define XEN_DRM_FRONT_PROTO_MAX		2

struct xen_drm_front_info;

/**
 * struct xen_drm_front_cfg_connector - one displif connector
 * @width: horizontal resolution from the connector's "resolution" node
 * @height: vertical resolution from the connector's "resolution" node
 * @unique_id: the connector's "unique-id", or NULL if the toolstack wrote none
 */
struct xen_drm_front_cfg_connector {
	u32 width;
	u32 height;
	char *unique_id;
};

/**
 * struct xen_drm_front_cfg - the device's configuration
 * @be_alloc: the backend allocates display buffers ("be-alloc")
 * @version: the displif protocol version negotiated with the backend
 * @num_connectors: number of valid entries in @connectors
 * @connectors: per-connector configuration, indexed like XenStore's nodes
 */
struct xen_drm_front_cfg {
	bool be_alloc;
	unsigned int version;
	unsigned int num_connectors;
	struct xen_drm_front_cfg_connector connectors[XEN_DRM_FRONT_MAX_CONNECTORS];
};

int xen_drm_front_cfg_parse_resolution(const char *str, u32 *width,
				       u32 *height);
int xen_drm_front_cfg_parse_versions(const char *str, unsigned int *version);
int xen_drm_front_cfg_read(struct xen_drm_front_info *front_info,
			   struct xen_drm_front_cfg *cfg);
void xen_drm_front_cfg_free(struct xen_drm_front_cfg *cfg);

#endif /* __XEN_DRM_FRONT_CFG_H_ */
