// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * KUnit: the configuration read from XenStore (xen_drm_front_cfg.c).
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/kernel.h>
#include <linux/string.h>

#include <kunit/test.h>

#include <xen/xenbus.h>
#include <xen/interface/io/displif.h>

#include "../../xen_drm_front.h"
#include "../../xen_drm_front_cfg.h"

#include "fake_xen.h"

struct cfg_ctx {
	struct fake_xb_dev *fdev;
	struct xen_drm_front_info *front_info;
	struct xen_drm_front_cfg cfg;
};

static int cfg_init(struct kunit *test)
{
	struct cfg_ctx *ctx;

	fake_xen_reset();
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->fdev = fake_xb_dev_create(test, 0);
	KUNIT_ASSERT_NOT_NULL(test, ctx->fdev);
	ctx->front_info = kunit_kzalloc(test, sizeof(*ctx->front_info),
					GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->front_info);
	ctx->front_info->xb_dev = &ctx->fdev->xb;
	test->priv = ctx;
	return 0;
}

static void cfg_exit(struct kunit *test)
{
	struct cfg_ctx *ctx = test->priv;

	xen_drm_front_cfg_free(&ctx->cfg);
	fake_xb_dev_destroy(ctx->fdev);
	KUNIT_EXPECT_EQ(test, fake_xen_leaks(test), 0);
	KUNIT_EXPECT_EQ(test, fake_xen_errors(), 0);
}

static void set_conn(struct cfg_ctx *ctx, unsigned int i, const char *res,
		     const char *uid)
{
	if (res)
		fake_xb_write_conn(ctx->fdev, i, XENDISPL_FIELD_RESOLUTION, res);
	if (uid)
		fake_xb_write_conn(ctx->fdev, i, XENDISPL_FIELD_UNIQUE_ID, uid);
}

static void set_node(struct cfg_ctx *ctx, bool backend, const char *node,
		     const char *val)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%s",
		 backend ? ctx->fdev->otherend : ctx->fdev->nodename, node);
	fake_xs_write(path, val);
}

/* On error the configuration holds nothing (nothing to free, no leak). */
static bool cfg_is_empty(const struct xen_drm_front_cfg *cfg)
{
	unsigned int i;

	if (cfg->num_connectors)
		return false;
	for (i = 0; i < XEN_DRM_FRONT_MAX_CONNECTORS; i++)
		if (cfg->connectors[i].unique_id || cfg->connectors[i].width)
			return false;
	return true;
}

static int cfg_read(struct cfg_ctx *ctx)
{
	return xen_drm_front_cfg_read(ctx->front_info, &ctx->cfg);
}

/* ---- resolution parsing ---- */

static void cfg_resolution_valid(struct kunit *test)
{
	static const struct {
		const char *str;
		u32 w, h;
	} cases[] = {
		{ "1024x768", 1024, 768 },
		{ "1x1", 1, 1 },
		{ "8192x8192", 8192, 8192 },
		{ "3840x2160", 3840, 2160 },
		{ "8192x1", 8192, 1 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u32 w = 0, h = 0;

		KUNIT_EXPECT_EQ_MSG(test, xen_drm_front_cfg_parse_resolution(cases[i].str, &w, &h),
				    0, "\"%s\"", cases[i].str);
		KUNIT_EXPECT_EQ_MSG(test, w, cases[i].w, "\"%s\"", cases[i].str);
		KUNIT_EXPECT_EQ_MSG(test, h, cases[i].h, "\"%s\"", cases[i].str);
	}
}

static const struct {
	const char *str;
	int err;
} bad_resolutions[] = {
	{ "-1024x768", -EINVAL },
	{ "1024x-768", -EINVAL },
	{ "0x768", -ERANGE },
	{ "1024x0", -ERANGE },
	{ "0x0", -ERANGE },
	{ "1024", -EINVAL },
	{ "1024x", -EINVAL },
	{ "x768", -EINVAL },
	{ "x", -EINVAL },
	{ "", -EINVAL },
	{ "1024x768junk", -EINVAL },
	{ "1024x768 ", -EINVAL },
	{ "1024x768\n", -EINVAL },
	{ " 1024x768", -EINVAL },
	{ "+1024x768", -EINVAL },
	{ "1024x+768", -EINVAL },
	{ "0x400x768", -EINVAL },
	{ "1024X768", -EINVAL },
	{ "1024xx768", -EINVAL },
	{ "1024x768x2", -EINVAL },
	{ "99999999999x1", -EINVAL },
	{ "1x99999999999", -EINVAL },
	{ "4294967296x1", -EINVAL },
	{ "4294967295x1", -ERANGE },
	{ "8193x768", -ERANGE },
	{ "1024x8193", -ERANGE },
	{ "100000x100000", -ERANGE },
};

static void cfg_resolution_invalid(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_resolutions); i++) {
		u32 w = 0xdead, h = 0xbeef;

		KUNIT_EXPECT_EQ_MSG(test,
				    xen_drm_front_cfg_parse_resolution(bad_resolutions[i].str, &w, &h),
				    bad_resolutions[i].err, "\"%s\"",
				    bad_resolutions[i].str);
		/* Nothing is stored on error. */
		KUNIT_EXPECT_EQ(test, w, 0xdead);
		KUNIT_EXPECT_EQ(test, h, 0xbeef);
	}
	KUNIT_EXPECT_EQ(test, xen_drm_front_cfg_parse_resolution(NULL, &i, &i),
			-EINVAL);
}

/* Through XenStore every bad resolution is -EINVAL and leaves nothing. */
static void cfg_read_invalid_resolution(struct kunit *test)
{
	struct cfg_ctx *ctx = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_resolutions); i++) {
		/* A valid connector first, with a unique-id to free. */
		set_conn(ctx, 0, "800x600", "first");
		set_conn(ctx, 1, bad_resolutions[i].str, NULL);
		KUNIT_EXPECT_EQ_MSG(test, cfg_read(ctx), -EINVAL, "\"%s\"",
				    bad_resolutions[i].str);
		KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));
	}
}

/* ---- version negotiation ---- */

static void cfg_versions_parse(struct kunit *test)
{
	static const struct {
		const char *str;
		int err;
		unsigned int version;
	} cases[] = {
		{ "1", 0, 1 },
		{ "2", 0, 2 },
		{ "1,2", 0, 2 },
		{ "2,1", 0, 2 },
		{ "1,2,3", 0, 2 },
		{ "3,1", 0, 1 },
		{ "7,2,9", 0, 2 },
		{ "3", -EPROTONOSUPPORT, 0 },
		{ "0", -EPROTONOSUPPORT, 0 },
		{ "3,4,5", -EPROTONOSUPPORT, 0 },
		{ "4294967295", -EPROTONOSUPPORT, 0 },
		{ "", -EINVAL, 0 },
		{ "1,,2", -EINVAL, 0 },
		{ ",1", -EINVAL, 0 },
		{ "1,", -EINVAL, 0 },
		{ ",", -EINVAL, 0 },
		{ "1;2", -EINVAL, 0 },
		{ "1, 2", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+2", -EINVAL, 0 },
		{ "v2", -EINVAL, 0 },
		{ "2\n", -EINVAL, 0 },
		{ "0x2", -EINVAL, 0 },
		{ "4294967296", -EINVAL, 0 },
		{ "99999999999,1", -EINVAL, 0 },
		{ "1,2,x", -EINVAL, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned int v = 0xdead;

		KUNIT_EXPECT_EQ_MSG(test, xen_drm_front_cfg_parse_versions(cases[i].str, &v),
				    cases[i].err, "\"%s\"", cases[i].str);
		KUNIT_EXPECT_EQ_MSG(test, v, cases[i].err ? 0xdead : cases[i].version,
				    "\"%s\"", cases[i].str);
	}
	KUNIT_EXPECT_EQ(test, xen_drm_front_cfg_parse_versions(NULL, &i),
			-EINVAL);
}

static void cfg_read_versions(struct kunit *test)
{
	struct cfg_ctx *ctx = test->priv;

	set_conn(ctx, 0, "800x600", NULL);

	/* libxl and the existing backends write no "versions": v1. */
	KUNIT_ASSERT_EQ(test, cfg_read(ctx), 0);
	KUNIT_EXPECT_EQ(test, ctx->cfg.version, 1);
	xen_drm_front_cfg_free(&ctx->cfg);

	set_node(ctx, true, XENDISPL_FIELD_BE_VERSIONS, "1");
	KUNIT_ASSERT_EQ(test, cfg_read(ctx), 0);
	KUNIT_EXPECT_EQ(test, ctx->cfg.version, 1);
	xen_drm_front_cfg_free(&ctx->cfg);

	set_node(ctx, true, XENDISPL_FIELD_BE_VERSIONS, "1,2");
	KUNIT_ASSERT_EQ(test, cfg_read(ctx), 0);
	KUNIT_EXPECT_EQ(test, ctx->cfg.version, 2);
	xen_drm_front_cfg_free(&ctx->cfg);

	set_node(ctx, true, XENDISPL_FIELD_BE_VERSIONS, "2");
	KUNIT_ASSERT_EQ(test, cfg_read(ctx), 0);
	KUNIT_EXPECT_EQ(test, ctx->cfg.version, 2);
	xen_drm_front_cfg_free(&ctx->cfg);

	set_node(ctx, true, XENDISPL_FIELD_BE_VERSIONS, "3");
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -EPROTONOSUPPORT);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));

	set_node(ctx, true, XENDISPL_FIELD_BE_VERSIONS, "1,,2");
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -EINVAL);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));

	set_node(ctx, true, XENDISPL_FIELD_BE_VERSIONS, "");
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -EINVAL);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));
}

/* ---- whole configurations ---- */

static void cfg_read_one_connector(struct kunit *test)
{
	struct cfg_ctx *ctx = test->priv;

	set_conn(ctx, 0, "1920x1080", NULL);
	KUNIT_ASSERT_EQ(test, cfg_read(ctx), 0);
	KUNIT_EXPECT_EQ(test, ctx->cfg.num_connectors, 1);
	KUNIT_EXPECT_EQ(test, ctx->cfg.connectors[0].width, 1920);
	KUNIT_EXPECT_EQ(test, ctx->cfg.connectors[0].height, 1080);
	KUNIT_EXPECT_NULL(test, ctx->cfg.connectors[0].unique_id);
	KUNIT_EXPECT_FALSE(test, ctx->cfg.be_alloc);
	KUNIT_EXPECT_EQ(test, ctx->cfg.version, 1);

	/* cfg_free leaves it empty; a second free is harmless. */
	xen_drm_front_cfg_free(&ctx->cfg);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));
	xen_drm_front_cfg_free(&ctx->cfg);
}

static void cfg_read_max_connectors(struct kunit *test)
{
	struct cfg_ctx *ctx = test->priv;
	char res[16], uid[16];
	unsigned int i;

	for (i = 0; i < XEN_DRM_FRONT_MAX_CONNECTORS; i++) {
		snprintf(res, sizeof(res), "%ux%u", 640 + i, 480 + i);
		snprintf(uid, sizeof(uid), "conn-%u", i);
		set_conn(ctx, i, res, uid);
	}
	KUNIT_ASSERT_EQ(test, cfg_read(ctx), 0);
	KUNIT_ASSERT_EQ(test, ctx->cfg.num_connectors,
			XEN_DRM_FRONT_MAX_CONNECTORS);
	for (i = 0; i < XEN_DRM_FRONT_MAX_CONNECTORS; i++) {
		snprintf(uid, sizeof(uid), "conn-%u", i);
		KUNIT_EXPECT_EQ(test, ctx->cfg.connectors[i].width, 640 + i);
		KUNIT_EXPECT_EQ(test, ctx->cfg.connectors[i].height, 480 + i);
		KUNIT_ASSERT_NOT_NULL(test, ctx->cfg.connectors[i].unique_id);
		KUNIT_EXPECT_STREQ(test, ctx->cfg.connectors[i].unique_id, uid);
	}
}

/*
 * A ninth connector, valid or not, refuses the device: the backend would
 * wait for its rings. Nothing is left allocated.
 */
static void cfg_read_too_many_connectors(struct kunit *test)
{
	struct cfg_ctx *ctx = test->priv;
	unsigned int i;

	for (i = 0; i <= XEN_DRM_FRONT_MAX_CONNECTORS; i++)
		set_conn(ctx, i, "800x600", "id");
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -E2BIG);
	KUNIT_EXPECT_EQ(test, ctx->cfg.num_connectors, 0);

	set_conn(ctx, XEN_DRM_FRONT_MAX_CONNECTORS, "garbage", NULL);
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -E2BIG);
	KUNIT_EXPECT_EQ(test, ctx->cfg.num_connectors, 0);
}

/* Connectors are contiguous: the first missing one ends the list. */
static void cfg_read_gap_ends_list(struct kunit *test)
{
	struct cfg_ctx *ctx = test->priv;

	set_conn(ctx, 0, "800x600", NULL);
	set_conn(ctx, 1, "1024x768", NULL);
	set_conn(ctx, 3, "garbage", NULL);
	KUNIT_ASSERT_EQ(test, cfg_read(ctx), 0);
	KUNIT_EXPECT_EQ(test, ctx->cfg.num_connectors, 2);
	KUNIT_EXPECT_EQ(test, ctx->cfg.connectors[1].width, 1024);
}

static void cfg_read_no_connector(struct kunit *test)
{
	struct cfg_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -ENODEV);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));

	/* Only a unique-id, no resolution: still no connector. */
	set_conn(ctx, 0, NULL, "lonely");
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -ENODEV);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));
}

static void cfg_read_be_alloc(struct kunit *test)
{
	static const char *const garbage[] = {
		"2", "yes", "true", "", "01", "1\n", " 1", "-1", "0x1", "10",
	};
	struct cfg_ctx *ctx = test->priv;
	unsigned int i;

	set_conn(ctx, 0, "800x600", NULL);

	/* Missing: frontend-allocated buffers. */
	KUNIT_ASSERT_EQ(test, cfg_read(ctx), 0);
	KUNIT_EXPECT_FALSE(test, ctx->cfg.be_alloc);
	xen_drm_front_cfg_free(&ctx->cfg);

	set_node(ctx, false, XENDISPL_FIELD_BE_ALLOC, "1");
	KUNIT_ASSERT_EQ(test, cfg_read(ctx), 0);
	KUNIT_EXPECT_TRUE(test, ctx->cfg.be_alloc);
	xen_drm_front_cfg_free(&ctx->cfg);

	set_node(ctx, false, XENDISPL_FIELD_BE_ALLOC, "0");
	KUNIT_ASSERT_EQ(test, cfg_read(ctx), 0);
	KUNIT_EXPECT_FALSE(test, ctx->cfg.be_alloc);
	xen_drm_front_cfg_free(&ctx->cfg);

	for (i = 0; i < ARRAY_SIZE(garbage); i++) {
		set_node(ctx, false, XENDISPL_FIELD_BE_ALLOC, garbage[i]);
		KUNIT_EXPECT_EQ_MSG(test, cfg_read(ctx), -EINVAL, "\"%s\"",
				    garbage[i]);
		KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));
	}
}

static void cfg_read_unique_id(struct kunit *test)
{
	struct cfg_ctx *ctx = test->priv;
	char uid[80];

	set_conn(ctx, 0, "800x600", "HDMI-A-1");
	KUNIT_ASSERT_EQ(test, cfg_read(ctx), 0);
	KUNIT_ASSERT_NOT_NULL(test, ctx->cfg.connectors[0].unique_id);
	KUNIT_EXPECT_STREQ(test, ctx->cfg.connectors[0].unique_id, "HDMI-A-1");
	xen_drm_front_cfg_free(&ctx->cfg);

	/* 64 characters is the limit. */
	memset(uid, 'a', 64);
	uid[64] = '\0';
	set_conn(ctx, 0, NULL, uid);
	KUNIT_ASSERT_EQ(test, cfg_read(ctx), 0);
	KUNIT_EXPECT_EQ(test, strlen(ctx->cfg.connectors[0].unique_id), 64);
	xen_drm_front_cfg_free(&ctx->cfg);
}

static void cfg_read_unique_id_invalid(struct kunit *test)
{
	struct cfg_ctx *ctx = test->priv;
	char uid[80];

	/* A valid first connector whose unique-id must not leak. */
	set_conn(ctx, 0, "800x600", "ok");

	set_conn(ctx, 1, "800x600", "");
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -EINVAL);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));

	memset(uid, 'a', 65);
	uid[65] = '\0';
	set_conn(ctx, 1, NULL, uid);
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -EINVAL);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));

	set_conn(ctx, 1, NULL, "tab\there");
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -EINVAL);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));

	set_conn(ctx, 1, NULL, "esc\x1b[2J");
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -EINVAL);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));
}

/* A XenStore error other than "no such node" is passed on. */
static void cfg_read_xenstore_errors(struct kunit *test)
{
	struct cfg_ctx *ctx = test->priv;
	char path[96];

	set_conn(ctx, 0, "800x600", "a");
	set_conn(ctx, 1, "800x600", "b");

	snprintf(path, sizeof(path), "%s/%s", ctx->fdev->nodename,
		 XENDISPL_FIELD_BE_ALLOC);
	fake_xs_fail_read(path, -EIO);
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -EIO);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));

	snprintf(path, sizeof(path), "%s/%s", ctx->fdev->otherend,
		 XENDISPL_FIELD_BE_VERSIONS);
	fake_xs_fail_read(path, -EACCES);
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -EACCES);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));

	snprintf(path, sizeof(path), "%s/1/%s", ctx->fdev->nodename,
		 XENDISPL_FIELD_RESOLUTION);
	fake_xs_fail_read(path, -EIO);
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -EIO);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));

	snprintf(path, sizeof(path), "%s/1/%s", ctx->fdev->nodename,
		 XENDISPL_FIELD_UNIQUE_ID);
	fake_xs_fail_read(path, -EIO);
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), -EIO);
	KUNIT_EXPECT_TRUE(test, cfg_is_empty(&ctx->cfg));

	fake_xs_fail_read("", 0);
	KUNIT_EXPECT_EQ(test, cfg_read(ctx), 0);
	KUNIT_EXPECT_EQ(test, ctx->cfg.num_connectors, 2);
}

static struct kunit_case cfg_cases[] = {
	KUNIT_CASE(cfg_resolution_valid),
	KUNIT_CASE(cfg_resolution_invalid),
	KUNIT_CASE(cfg_read_invalid_resolution),
	KUNIT_CASE(cfg_versions_parse),
	KUNIT_CASE(cfg_read_versions),
	KUNIT_CASE(cfg_read_one_connector),
	KUNIT_CASE(cfg_read_max_connectors),
	KUNIT_CASE(cfg_read_too_many_connectors),
	KUNIT_CASE(cfg_read_gap_ends_list),
	KUNIT_CASE(cfg_read_no_connector),
	KUNIT_CASE(cfg_read_be_alloc),
	KUNIT_CASE(cfg_read_unique_id),
	KUNIT_CASE(cfg_read_unique_id_invalid),
	KUNIT_CASE(cfg_read_xenstore_errors),
	{}
};

static struct kunit_suite cfg_suite = {
	.name = "xen_drm_front_cfg",
	.init = cfg_init,
	.exit = cfg_exit,
	.test_cases = cfg_cases,
};
kunit_test_suite(cfg_suite);
