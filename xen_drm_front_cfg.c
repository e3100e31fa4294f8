// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * Xen para-virtual DRM frontend: configuration read from XenStore.
 *
 * The toolstack (libxl) writes the frontend's configuration; the backend
 * may advertise the protocol versions it speaks. Everything here is input
 * from another domain, so it is parsed strictly: a value that is not
 * exactly what displif.h describes is an error naming the node and value,
 * never a silently guessed number.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <xen/xenbus.h>
#include <xen/interface/io/displif.h>

#include "xen_drm_front.h"
#include "xen_drm_front_cfg.h"

/* A unique-id is an opaque label: keep what a log line can carry. */
#define XEN_DRM_FRONT_UNIQUE_ID_MAX	64

/*
 * Parse exactly one unsigned decimal number of @len characters: digits only,
 * no sign, no blanks, no base prefix, no trailing newline.
 */
static int parse_strict_u32(const char *str, size_t len, u32 *val)
{
	char buf[11];
	size_t i;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isdigit(str[i]))
			return -EINVAL;
	memcpy(buf, str, len);
	buf[len] = '\0';
	/* kstrtou32 catches values above U32_MAX ("4294967296"). */
	return kstrtou32(buf, 10, val);
}

/**
 * xen_drm_front_cfg_parse_resolution() - parse a connector's "resolution"
 * @str: the XenStore value, "<width>x<height>"
 * @width: where to store the width
 * @height: where to store the height
 *
 * Both numbers must be plain decimal and within the driver's mode limits
 * (XEN_DRM_FRONT_MIN_DIM..XEN_DRM_FRONT_MAX_DIM).
 *
 * Return: 0 on success, -EINVAL for anything malformed, -ERANGE for a
 * well-formed resolution the driver cannot display.
 */
int xen_drm_front_cfg_parse_resolution(const char *str, u32 *width,
				       u32 *height)
{
	const char *sep;
	u32 w, h;

	if (!str)
		return -EINVAL;
	sep = strstr(str, XENDISPL_RESOLUTION_SEPARATOR);
	if (!sep)
		return -EINVAL;
	if (parse_strict_u32(str, sep - str, &w))
		return -EINVAL;
	sep += strlen(XENDISPL_RESOLUTION_SEPARATOR);
	if (parse_strict_u32(sep, strlen(sep), &h))
		return -EINVAL;
	if (w < XEN_DRM_FRONT_MIN_DIM || w > XEN_DRM_FRONT_MAX_DIM ||
	    h < XEN_DRM_FRONT_MIN_DIM || h > XEN_DRM_FRONT_MAX_DIM)
		return -ERANGE;
	*width = w;
	*height = h;
	return 0;
}

/**
 * xen_drm_front_cfg_parse_versions() - choose a protocol version
 * @str: the backend's "versions" node: decimal versions separated by ","
 * @version: where to store the highest version both ends implement
 *
 * Return: 0 on success, -EINVAL if the list is malformed,
 * -EPROTONOSUPPORT if it names no version this frontend implements.
 */
int xen_drm_front_cfg_parse_versions(const char *str, unsigned int *version)
{
	size_t sep_len = strlen(XENDISPL_LIST_SEPARATOR);
	unsigned int best = 0;
	const char *cur = str;

	if (!str || !*str)
		return -EINVAL;
	for (;;) {
		const char *end = strstr(cur, XENDISPL_LIST_SEPARATOR);
		size_t len = end ? end - cur : strlen(cur);
		u32 v;

		if (parse_strict_u32(cur, len, &v))
			return -EINVAL;
		if (v >= XEN_DRM_FRONT_PROTO_MIN &&
		    v <= XEN_DRM_FRONT_PROTO_MAX && v > best)
			best = v;
		if (!end)
			break;
		cur = end + sep_len;
	}
	if (!best)
		return -EPROTONOSUPPORT;
	*version = best;
	return 0;
}

/* Read @dir/@node; a missing node is reported as NULL with *err = 0. */
static char *read_optional(const char *dir, const char *node, int *err)
{
	char *val = xenbus_read(XBT_NIL, dir, node, NULL);

	*err = 0;
	if (!IS_ERR(val))
		return val;
	if (PTR_ERR(val) != -ENOENT)
		*err = PTR_ERR(val);
	return NULL;
}

static int read_be_alloc(struct xenbus_device *xb_dev, bool *be_alloc)
{
	char *val;
	int ret;

	val = read_optional(xb_dev->nodename, XENDISPL_FIELD_BE_ALLOC, &ret);
	if (ret)
		return ret;
	*be_alloc = false;
	if (!val)
		return 0;
	if (!strcmp(val, "1")) {
		*be_alloc = true;
	} else if (strcmp(val, "0")) {
		dev_err(&xb_dev->dev, "%s/%s: invalid value \"%s\", expected 0 or 1\n",
			xb_dev->nodename, XENDISPL_FIELD_BE_ALLOC, val);
		ret = -EINVAL;
	}
	kfree(val);
	return ret;
}

static int read_version(struct xenbus_device *xb_dev, unsigned int *version)
{
	char *val;
	int ret;

	val = read_optional(xb_dev->otherend, XENDISPL_FIELD_BE_VERSIONS, &ret);
	if (ret)
		return ret;
	if (!val) {
		/* libxl and the existing backends write none: that is v1. */
		*version = XEN_DRM_FRONT_PROTO_MIN;
		return 0;
	}
	ret = xen_drm_front_cfg_parse_versions(val, version);
	if (ret == -EINVAL)
		dev_err(&xb_dev->dev, "%s/%s: malformed version list \"%s\"\n",
			xb_dev->otherend, XENDISPL_FIELD_BE_VERSIONS, val);
	else if (ret)
		dev_err(&xb_dev->dev, "%s/%s: backend speaks \"%s\", we speak %d..%d\n",
			xb_dev->otherend, XENDISPL_FIELD_BE_VERSIONS, val,
			XEN_DRM_FRONT_PROTO_MIN, XEN_DRM_FRONT_PROTO_MAX);
	kfree(val);
	return ret;
}

static bool unique_id_valid(const char *uid)
{
	size_t len = strlen(uid), i;

	if (!len || len > XEN_DRM_FRONT_UNIQUE_ID_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isprint(uid[i]))
			return false;
	return true;
}

/* Return 0, -ENOENT when the connector does not exist, or an error. */
static int read_connector(struct xenbus_device *xb_dev, unsigned int index,
			  struct xen_drm_front_cfg_connector *conn)
{
	char *dir, *res, *uid;
	int ret;

	dir = kasprintf(GFP_KERNEL, "%s/%u", xb_dev->nodename, index);
	if (!dir)
		return -ENOMEM;

	res = read_optional(dir, XENDISPL_FIELD_RESOLUTION, &ret);
	if (!res) {
		if (!ret)
			ret = -ENOENT;
		goto out;
	}
	ret = xen_drm_front_cfg_parse_resolution(res, &conn->width,
						 &conn->height);
	if (ret) {
		dev_err(&xb_dev->dev, "%s/%s: invalid resolution \"%s\": %s\n",
			dir, XENDISPL_FIELD_RESOLUTION, res,
			ret == -ERANGE ? "outside 1x1..8192x8192" :
			"expected <width>x<height>");
		ret = -EINVAL;
		goto out_res;
	}

	uid = read_optional(dir, XENDISPL_FIELD_UNIQUE_ID, &ret);
	if (ret)
		goto out_res;
	if (uid && !unique_id_valid(uid)) {
		dev_err(&xb_dev->dev, "%s/%s: invalid unique-id (empty, longer than %d or not printable)\n",
			dir, XENDISPL_FIELD_UNIQUE_ID,
			XEN_DRM_FRONT_UNIQUE_ID_MAX);
		kfree(uid);
		ret = -EINVAL;
		goto out_res;
	}
	conn->unique_id = uid;
out_res:
	kfree(res);
out:
	kfree(dir);
	return ret;
}

/**
 * xen_drm_front_cfg_read() - read and validate the device's configuration
 * @front_info: the frontend whose XenStore nodes to read
 * @cfg: where to store the result; on error it holds nothing to free
 *
 * Reads "be-alloc", the connectors 0..N-1 (the first missing "resolution"
 * ends the list) and negotiates the protocol version from the backend's
 * "versions".
 *
 * Return: 0 on success or a negative errno, after logging which node was bad.
 */
int xen_drm_front_cfg_read(struct xen_drm_front_info *front_info,
			   struct xen_drm_front_cfg *cfg)
{
	struct xenbus_device *xb_dev = front_info->xb_dev;
	unsigned int i;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	ret = read_be_alloc(xb_dev, &cfg->be_alloc);
	if (ret)
		return ret;
	ret = read_version(xb_dev, &cfg->version);
	if (ret)
		return ret;

	for (i = 0; i < XEN_DRM_FRONT_MAX_CONNECTORS; i++) {
		ret = read_connector(xb_dev, i, &cfg->connectors[i]);
		if (ret == -ENOENT)
			break;
		if (ret)
			goto fail;
		cfg->num_connectors++;
	}
	if (!cfg->num_connectors) {
		dev_err(&xb_dev->dev, "%s/0/%s: missing, no connector configured\n",
			xb_dev->nodename, XENDISPL_FIELD_RESOLUTION);
		return -ENODEV;
	}
	if (i == XEN_DRM_FRONT_MAX_CONNECTORS) {
		struct xen_drm_front_cfg_connector extra = {};

		/*
		 * The backend serves every connector the toolstack wrote and
		 * would wait for the rings of those we cannot drive (displ_be
		 * then gives up on the whole device): refuse it, clearly.
		 */
		ret = read_connector(xb_dev, i, &extra);
		kfree(extra.unique_id);
		if (ret != -ENOENT) {
			dev_err(&xb_dev->dev, "%s/%u: more than %d connectors configured, at most %d supported\n",
				xb_dev->nodename, i, XEN_DRM_FRONT_MAX_CONNECTORS,
				XEN_DRM_FRONT_MAX_CONNECTORS);
			ret = -E2BIG;
			goto fail;
		}
	}

	for (i = 0; i < cfg->num_connectors; i++)
		dev_info(&xb_dev->dev, "connector %u: %ux%u, unique-id %s\n", i,
			 cfg->connectors[i].width, cfg->connectors[i].height,
			 cfg->connectors[i].unique_id ?: "(none)");
	dev_info(&xb_dev->dev, "displif version %u, %s-allocated buffers\n",
		 cfg->version, cfg->be_alloc ? "backend" : "frontend");
	return 0;

fail:
	xen_drm_front_cfg_free(cfg);
	return ret;
}

/**
 * xen_drm_front_cfg_free() - release what xen_drm_front_cfg_read() allocated
 * @cfg: the configuration; left empty
 */
void xen_drm_front_cfg_free(struct xen_drm_front_cfg *cfg)
{
	unsigned int i;

	for (i = 0; i < XEN_DRM_FRONT_MAX_CONNECTORS; i++)
		kfree(cfg->connectors[i].unique_id);
	memset(cfg, 0, sizeof(*cfg));
}
