/* SPDX-License-Identifier: MIT */
/*
 * Real grant-table, grant-sharing and event-channel operations.
 * (--selftest swaps in a fake implementation backed by a memfd.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <xengnttab.h>
#include <xenevtchn.h>

#include "vdispl-be.h"

extern xenevtchn_handle *g_xce;
static xengnttab_handle *xgt;
static xengntshr_handle *xgs;

const struct xen_ops *xops = &real_xen_ops;

/*
 * Every grant is mapped for reading and writing, whatever the caller needs: that is
 * what libxenbe (xen-troops displ_be, the backend deployments run) does, and Xen
 * refuses a writable mapping of a read-only grant. Mapping read-only where we only
 * read would hide a frontend that grants read-only what displ_be cannot map.
 */
static void *r_map(uint32_t domid, uint32_t count, const uint32_t *refs, bool writable)
{
	(void)writable;
	return xengnttab_map_domain_grant_refs(xgt, count, domid, (uint32_t *)refs,
					       PROT_READ | PROT_WRITE);
}

static int r_unmap(void *addr, uint32_t count)
{
	return xengnttab_unmap(xgt, addr, count);
}

static void *r_share(uint32_t domid, uint32_t count, uint32_t *refs)
{
	if (!xgs) {
		errno = ENODEV;
		return NULL;
	}
	return xengntshr_share_pages(xgs, domid, (int)count, refs, 1);
}

static int r_unshare(void *addr, uint32_t count)
{
	return xgs ? xengntshr_unshare(xgs, addr, count) : -1;
}

static int r_notify(uint32_t port)
{
	return xenevtchn_notify(g_xce, port);
}

const struct xen_ops real_xen_ops = {
	.map = r_map, .unmap = r_unmap, .share = r_share, .unshare = r_unshare,
	.notify = r_notify,
};

/*
 * gntalloc allows only 1024 shared pages by default (4 MiB: less than two
 * 1024x768 XRGB buffers), gntdev 65536 pages per mapping. Raise both so
 * be-alloc and big buffers work; best effort.
 */
static void raise_limit(const char *path, unsigned long want)
{
	FILE *f = fopen(path, "r");
	unsigned long cur = 0;

	if (!f)
		return;
	if (fscanf(f, "%lu", &cur) != 1)
		cur = 0;
	fclose(f);
	if (cur >= want)
		return;
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%lu\n", want);
		if (fclose(f) == 0) {
			info("raised %s from %lu to %lu", path, cur, want);
			return;
		}
	}
	info("cannot raise %s (%lu): %s", path, cur, strerror(errno));
}

int xen_real_open(void)
{
	raise_limit("/sys/module/xen_gntalloc/parameters/limit", 262144);
	raise_limit("/sys/module/xen_gntdev/parameters/limit", 262144);
	xgt = xengnttab_open(NULL, 0);
	if (!xgt) {
		info("xengnttab_open: %s (is xen-gntdev loaded?)", strerror(errno));
		return -1;
	}
	xgs = xengntshr_open(NULL, 0);
	if (!xgs)
		info("xengntshr_open: %s (xen-gntalloc missing? be-alloc will fail)",
		     strerror(errno));
	return 0;
}
