// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * A fake Xen for the frontend's KUnit tests: see fake_xen.h.
 *
 * With CONFIG_XEN=n the Xen functions the driver calls are declared but
 * defined nowhere; this file defines them over in-memory state. It mirrors
 * the real 6.1 implementations where the driver depends on their
 * semantics (xenbus_switch_state() ignores a switch to the current state,
 * xenbus_dev_fatal() switches to Closing, unbinding an IRQ closes its event
 * channel, gnttab_end_foreign_access() puts the page it is given) and
 * reports misuse (a reference ended twice, a port freed while bound...) as
 * a failure of the running test.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <kunit/test.h>
#include <kunit/test-bug.h>

#include <xen/balloon.h>
#include <xen/events.h>
#include <xen/features.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xen/interface/io/displif.h>

#include "fake_xen.h"

static unsigned int fake_errors;

/*
 * Misuse fails the running test; where that cannot be done (it allocates),
 * the count makes the suite's exit fail it.
 */
#define fake_misuse(fmt, ...) do {					\
	fake_errors++;							\
	pr_err("fake_xen: " fmt "\n", ##__VA_ARGS__);			\
	if (preemptible())						\
		kunit_fail_current_test("fake_xen: " fmt, ##__VA_ARGS__); \
} while (0)

unsigned int fake_xen_errors(void)
{
	return fake_errors;
}

/* What gnttab_set_map_op() and pfn_to_gfn() look at. */
u8 xen_features[XENFEAT_NR_SUBMAPS * 32] __read_mostly;

/* ================================================================ */
/* XenStore                                                          */
/* ================================================================ */

struct fake_xs_node {
	struct list_head list;
	u32 tx;		/* 0: committed, else the transaction that wrote it */
	char *path;
	char *val;
};

static DEFINE_MUTEX(xs_lock);
static LIST_HEAD(xs_nodes);
static u32 xs_tx_seq;
static unsigned int xs_tx_started, xs_tx_open, xs_eagain;
static char xs_fail_path[128];
static int xs_fail_err;

static struct fake_xs_node *xs_find(const char *path, u32 tx)
{
	struct fake_xs_node *n;

	list_for_each_entry(n, &xs_nodes, list)
		if (n->tx == tx && !strcmp(n->path, path))
			return n;
	return NULL;
}

static void xs_free_node(struct fake_xs_node *n)
{
	list_del(&n->list);
	kfree(n->path);
	kfree(n->val);
	kfree(n);
}

static int xs_set(const char *path, const char *val, u32 tx)
{
	struct fake_xs_node *n = xs_find(path, tx);
	char *v = kstrdup(val, GFP_KERNEL);

	if (!v)
		return -ENOMEM;
	if (n) {
		kfree(n->val);
		n->val = v;
		return 0;
	}
	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (n)
		n->path = kstrdup(path, GFP_KERNEL);
	if (!n || !n->path) {
		kfree(n);
		kfree(v);
		return -ENOMEM;
	}
	n->tx = tx;
	n->val = v;
	list_add_tail(&n->list, &xs_nodes);
	return 0;
}

static void xs_clear(void)
{
	struct fake_xs_node *n, *tmp;

	mutex_lock(&xs_lock);
	list_for_each_entry_safe(n, tmp, &xs_nodes, list)
		xs_free_node(n);
	xs_tx_open = 0;
	xs_tx_started = 0;
	xs_eagain = 0;
	xs_fail_path[0] = '\0';
	xs_fail_err = 0;
	mutex_unlock(&xs_lock);
}

static char *xs_join(const char *dir, const char *node)
{
	if (!node || !*node)
		return kstrdup(dir, GFP_KERNEL);
	return kasprintf(GFP_KERNEL, "%s/%s", dir, node);
}

int fake_xs_write(const char *path, const char *val)
{
	int ret;

	mutex_lock(&xs_lock);
	ret = xs_set(path, val, 0);
	mutex_unlock(&xs_lock);
	return ret;
}

int fake_xs_writef(const char *path, const char *fmt, ...)
{
	va_list ap;
	char *val;
	int ret;

	va_start(ap, fmt);
	val = kvasprintf(GFP_KERNEL, fmt, ap);
	va_end(ap);
	if (!val)
		return -ENOMEM;
	ret = fake_xs_write(path, val);
	kfree(val);
	return ret;
}

bool fake_xs_read(const char *path, char *buf, size_t len)
{
	struct fake_xs_node *n;
	bool found = false;

	mutex_lock(&xs_lock);
	n = xs_find(path, 0);
	if (n) {
		strscpy(buf, n->val, len);
		found = true;
	}
	mutex_unlock(&xs_lock);
	return found;
}

bool fake_xs_exists(const char *path)
{
	bool found;

	mutex_lock(&xs_lock);
	found = xs_find(path, 0);
	mutex_unlock(&xs_lock);
	return found;
}

void fake_xs_rm(const char *path)
{
	struct fake_xs_node *n;

	mutex_lock(&xs_lock);
	n = xs_find(path, 0);
	if (n)
		xs_free_node(n);
	mutex_unlock(&xs_lock);
}

unsigned int fake_xs_count(const char *prefix)
{
	struct fake_xs_node *n;
	unsigned int count = 0;

	mutex_lock(&xs_lock);
	list_for_each_entry(n, &xs_nodes, list)
		if (!n->tx && !strncmp(n->path, prefix, strlen(prefix)))
			count++;
	mutex_unlock(&xs_lock);
	return count;
}

void fake_xs_set_eagain(unsigned int n)
{
	mutex_lock(&xs_lock);
	xs_eagain = n;
	mutex_unlock(&xs_lock);
}

unsigned int fake_xs_transactions_started(void)
{
	return xs_tx_started;
}

unsigned int fake_xs_transactions_open(void)
{
	return xs_tx_open;
}

void fake_xs_fail_read(const char *path, int err)
{
	mutex_lock(&xs_lock);
	strscpy(xs_fail_path, path, sizeof(xs_fail_path));
	xs_fail_err = err;
	mutex_unlock(&xs_lock);
}

void *xenbus_read(struct xenbus_transaction t, const char *dir,
		  const char *node, unsigned int *len)
{
	struct fake_xs_node *n = NULL;
	char *path, *val;

	might_sleep();
	path = xs_join(dir, node);
	if (!path)
		return ERR_PTR(-ENOMEM);
	mutex_lock(&xs_lock);
	if (xs_fail_err && !strcmp(path, xs_fail_path)) {
		mutex_unlock(&xs_lock);
		kfree(path);
		return ERR_PTR(xs_fail_err);
	}
	if (t.id)
		n = xs_find(path, t.id);
	if (!n)
		n = xs_find(path, 0);
	val = n ? kstrdup(n->val, GFP_KERNEL) : ERR_PTR(-ENOENT);
	mutex_unlock(&xs_lock);
	kfree(path);
	if (!val)
		return ERR_PTR(-ENOMEM);
	if (!IS_ERR(val) && len)
		*len = strlen(val);
	return val;
}

int xenbus_write(struct xenbus_transaction t, const char *dir,
		 const char *node, const char *string)
{
	char *path;
	int ret;

	might_sleep();
	path = xs_join(dir, node);
	if (!path)
		return -ENOMEM;
	mutex_lock(&xs_lock);
	if (t.id && (t.id > xs_tx_seq || !xs_tx_open))
		fake_misuse("write to %s in unknown transaction %u", path, t.id);
	ret = xs_set(path, string, t.id);
	mutex_unlock(&xs_lock);
	kfree(path);
	return ret;
}

int xenbus_printf(struct xenbus_transaction t, const char *dir,
		  const char *node, const char *fmt, ...)
{
	va_list ap;
	char *buf;
	int ret;

	va_start(ap, fmt);
	buf = kvasprintf(GFP_KERNEL, fmt, ap);
	va_end(ap);
	if (!buf)
		return -ENOMEM;
	ret = xenbus_write(t, dir, node, buf);
	kfree(buf);
	return ret;
}

int xenbus_scanf(struct xenbus_transaction t, const char *dir,
		 const char *node, const char *fmt, ...)
{
	va_list ap;
	char *val;
	int ret;

	val = xenbus_read(t, dir, node, NULL);
	if (IS_ERR(val))
		return PTR_ERR(val);
	va_start(ap, fmt);
	ret = vsscanf(val, fmt, ap);
	va_end(ap);
	kfree(val);
	/* Distinctive errno, as in the real one. */
	if (ret == 0)
		return -ERANGE;
	return ret;
}

unsigned int xenbus_read_unsigned(const char *dir, const char *node,
				  unsigned int default_val)
{
	unsigned int val;
	int ret;

	ret = xenbus_scanf(XBT_NIL, dir, node, "%u", &val);
	if (ret <= 0)
		val = default_val;
	return val;
}

int xenbus_transaction_start(struct xenbus_transaction *t)
{
	might_sleep();
	mutex_lock(&xs_lock);
	t->id = ++xs_tx_seq;
	xs_tx_started++;
	xs_tx_open++;
	mutex_unlock(&xs_lock);
	return 0;
}

int xenbus_transaction_end(struct xenbus_transaction t, int abort)
{
	struct fake_xs_node *n, *tmp;
	int ret = 0;

	might_sleep();
	mutex_lock(&xs_lock);
	if (!xs_tx_open || !t.id || t.id > xs_tx_seq) {
		fake_misuse("ending unknown transaction %u", t.id);
		mutex_unlock(&xs_lock);
		return -EINVAL;
	}
	xs_tx_open--;
	if (!abort && xs_eagain) {
		xs_eagain--;
		abort = 1;
		ret = -EAGAIN;
	}
	list_for_each_entry_safe(n, tmp, &xs_nodes, list) {
		struct fake_xs_node *old;

		if (n->tx != t.id)
			continue;
		if (abort) {
			xs_free_node(n);
			continue;
		}
		old = xs_find(n->path, 0);
		if (old)
			xs_free_node(old);
		n->tx = 0;
	}
	mutex_unlock(&xs_lock);
	return ret;
}

/* ================================================================ */
/* xenbus devices                                                    */
/* ================================================================ */

static const char *const xb_state_names[] = {
	[XenbusStateUnknown] = "Unknown",
	[XenbusStateInitialising] = "Initialising",
	[XenbusStateInitWait] = "InitWait",
	[XenbusStateInitialised] = "Initialised",
	[XenbusStateConnected] = "Connected",
	[XenbusStateClosing] = "Closing",
	[XenbusStateClosed] = "Closed",
	[XenbusStateReconfiguring] = "Reconfiguring",
	[XenbusStateReconfigured] = "Reconfigured",
};

const char *xenbus_strstate(enum xenbus_state state)
{
	return state < ARRAY_SIZE(xb_state_names) ? xb_state_names[state] :
		"INVALID";
}

int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state)
{
	struct fake_xb_dev *fdev = to_fake_xb_dev(dev);
	char path[80];

	/* As the real one: switching to the current state does nothing. */
	if (state == dev->state)
		return 0;
	if (fdev->num_states < FAKE_MAX_STATES)
		fdev->states[fdev->num_states++] = state;
	else
		fake_misuse("too many state switches on %s", dev->nodename);
	snprintf(path, sizeof(path), "%s/state", dev->nodename);
	fake_xs_writef(path, "%d", state);
	dev->state = state;
	if (fdev->on_switch)
		fdev->on_switch(fdev, state);
	return 0;
}

static void fake_dev_error(struct xenbus_device *dev, int err,
			   const char *fmt, va_list ap)
{
	struct fake_xb_dev *fdev = to_fake_xb_dev(dev);

	fdev->fatal_err = err;
	vsnprintf(fdev->fatal_msg, sizeof(fdev->fatal_msg), fmt, ap);
	dev_info(&dev->dev, "xenbus error %d: %s\n", err, fdev->fatal_msg);
}

void xenbus_dev_error(struct xenbus_device *dev, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fake_dev_error(dev, err, fmt, ap);
	va_end(ap);
	to_fake_xb_dev(dev)->error_count++;
}

void xenbus_dev_fatal(struct xenbus_device *dev, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fake_dev_error(dev, err, fmt, ap);
	va_end(ap);
	to_fake_xb_dev(dev)->fatal_count++;
	/* As the real one: a fatal error closes the device. */
	xenbus_switch_state(dev, XenbusStateClosing);
}

int xenbus_frontend_closed(struct xenbus_device *dev)
{
	to_fake_xb_dev(dev)->frontend_closed++;
	xenbus_switch_state(dev, XenbusStateClosed);
	complete(&dev->down);
	return 0;
}

enum xenbus_state xenbus_read_driver_state(const char *path)
{
	int state, ret;

	ret = xenbus_scanf(XBT_NIL, path, "state", "%d", &state);
	if (ret != 1)
		state = XenbusStateUnknown;
	return state;
}

int __xenbus_register_frontend(struct xenbus_driver *drv, struct module *owner,
			       const char *mod_name)
{
	/* There is no xenbus here: the tests call the driver directly. */
	return -ENODEV;
}

void xenbus_unregister_driver(struct xenbus_driver *drv)
{
}

static struct device *fake_root;
static DEFINE_MUTEX(fake_root_lock);
static unsigned int fake_dev_seq;

static void fake_xb_dev_release(struct device *dev)
{
	kfree(container_of(dev, struct fake_xb_dev, xb.dev));
}

struct fake_xb_dev *fake_xb_dev_create(struct kunit *test, unsigned int index)
{
	struct fake_xb_dev *fdev;
	int ret;

	mutex_lock(&fake_root_lock);
	if (!fake_root) {
		fake_root = root_device_register("fake_xen");
		if (IS_ERR(fake_root)) {
			ret = PTR_ERR(fake_root);
			fake_root = NULL;
			mutex_unlock(&fake_root_lock);
			KUNIT_FAIL(test, "root_device_register: %d", ret);
			return NULL;
		}
	}
	mutex_unlock(&fake_root_lock);

	fdev = kzalloc(sizeof(*fdev), GFP_KERNEL);
	if (!fdev)
		return NULL;
	snprintf(fdev->nodename, sizeof(fdev->nodename), "device/vdispl/%u",
		 index);
	snprintf(fdev->otherend, sizeof(fdev->otherend),
		 "backend/vdispl/%d/%u", FAKE_BACKEND_DOMID, index);
	fdev->xb.devicetype = "vdispl";
	fdev->xb.nodename = fdev->nodename;
	fdev->xb.otherend = fdev->otherend;
	fdev->xb.otherend_id = FAKE_BACKEND_DOMID;
	fdev->xb.state = XenbusStateInitialising;
	init_completion(&fdev->xb.down);

	device_initialize(&fdev->xb.dev);
	fdev->xb.dev.parent = fake_root;
	fdev->xb.dev.release = fake_xb_dev_release;
	/* Unique: a failed test may leave its device behind. */
	ret = dev_set_name(&fdev->xb.dev, "vdispl-%u.%u", index, ++fake_dev_seq);
	if (!ret)
		ret = device_add(&fdev->xb.dev);
	if (ret) {
		KUNIT_FAIL(test, "adding the xenbus device: %d", ret);
		put_device(&fdev->xb.dev);
		return NULL;
	}
	fake_xb_set_backend_state(fdev, XenbusStateInitialising);
	return fdev;
}

void fake_xb_dev_destroy(struct fake_xb_dev *fdev)
{
	if (fdev)
		device_unregister(&fdev->xb.dev);
}

void fake_xb_set_backend_state(struct fake_xb_dev *fdev, enum xenbus_state s)
{
	char path[80];

	snprintf(path, sizeof(path), "%s/state", fdev->otherend);
	fake_xs_writef(path, "%d", s);
}

void fake_xb_write_conn(struct fake_xb_dev *fdev, unsigned int i,
			const char *node, const char *val)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%u/%s", fdev->nodename, i, node);
	fake_xs_write(path, val);
}

/* ================================================================ */
/* Grant table                                                       */
/* ================================================================ */

/* As drivers/xen/grant-table.c: the end of a private list. */
#define GNTTAB_LIST_END 0xffffffff

static DEFINE_SPINLOCK(gnt_lock);
static struct fake_grant gnt[FAKE_GNT_MAX];
static grant_ref_t gnt_next[FAKE_GNT_MAX];
static unsigned int gnt_capacity = FAKE_GNT_MAX - FAKE_GNT_FIRST;
static unsigned int gnt_in_use;
static unsigned int gnt_claim_empty;
static unsigned int gnt_cursor = FAKE_GNT_FIRST;

struct fake_be_grant {
	struct page *page;
	struct page *mapped_at;
};

static struct fake_be_grant be_gnt[FAKE_BE_GNT_MAX];
static unsigned int be_gnt_count;
static unsigned int gnt_fail_map_op;

static bool gnt_valid(grant_ref_t ref)
{
	return ref >= FAKE_GNT_FIRST && ref < FAKE_GNT_MAX;
}

void fake_gnttab_set_capacity(unsigned int n)
{
	unsigned long flags;

	spin_lock_irqsave(&gnt_lock, flags);
	gnt_capacity = n ?: FAKE_GNT_MAX - FAKE_GNT_FIRST;
	spin_unlock_irqrestore(&gnt_lock, flags);
}

unsigned int fake_gnttab_claim_empty(void)
{
	return gnt_claim_empty;
}

unsigned int fake_gnttab_in_use(void)
{
	return gnt_in_use;
}

unsigned int fake_gnttab_granted(void)
{
	unsigned long flags;
	unsigned int i, n = 0;

	spin_lock_irqsave(&gnt_lock, flags);
	for (i = FAKE_GNT_FIRST; i < FAKE_GNT_MAX; i++)
		n += gnt[i].state == FAKE_GNT_GRANTED;
	spin_unlock_irqrestore(&gnt_lock, flags);
	return n;
}

bool fake_gnttab_get(grant_ref_t ref, struct fake_grant *out)
{
	unsigned long flags;

	if (!gnt_valid(ref))
		return false;
	spin_lock_irqsave(&gnt_lock, flags);
	*out = gnt[ref];
	spin_unlock_irqrestore(&gnt_lock, flags);
	return true;
}

struct page *fake_gnttab_page(grant_ref_t ref)
{
	struct fake_grant g;

	if (!fake_gnttab_get(ref, &g) || g.state != FAKE_GNT_GRANTED)
		return NULL;
	return pfn_to_page(g.frame);
}

int gnttab_alloc_grant_references(u16 count, grant_ref_t *head)
{
	grant_ref_t first = GNTTAB_LIST_END, prev = GNTTAB_LIST_END;
	unsigned long flags;
	unsigned int i, found = 0;

	spin_lock_irqsave(&gnt_lock, flags);
	if (gnt_in_use + count > gnt_capacity) {
		spin_unlock_irqrestore(&gnt_lock, flags);
		return -ENOSPC;
	}
	/* Round robin, so a stale reference is not reused at once. */
	for (i = 0; found < count && i < FAKE_GNT_MAX - FAKE_GNT_FIRST; i++) {
		grant_ref_t ref = gnt_cursor;

		gnt_cursor = gnt_cursor + 1 < FAKE_GNT_MAX ? gnt_cursor + 1 :
			FAKE_GNT_FIRST;
		if (gnt[ref].state != FAKE_GNT_FREE)
			continue;
		memset(&gnt[ref], 0, sizeof(gnt[ref]));
		gnt[ref].state = FAKE_GNT_RESERVED;
		gnt_next[ref] = GNTTAB_LIST_END;
		if (prev == GNTTAB_LIST_END)
			first = ref;
		else
			gnt_next[prev] = ref;
		prev = ref;
		found++;
	}
	gnt_in_use += found;
	spin_unlock_irqrestore(&gnt_lock, flags);
	if (found < count) {
		gnttab_free_grant_references(first);
		return -ENOSPC;
	}
	*head = first;
	return 0;
}

int gnttab_claim_grant_reference(grant_ref_t *head)
{
	grant_ref_t ref = *head;
	unsigned long flags;

	if (ref == GNTTAB_LIST_END) {
		/* Claiming more than was reserved: the caller miscounted. */
		gnt_claim_empty++;
		return -ENOSPC;
	}
	spin_lock_irqsave(&gnt_lock, flags);
	if (!gnt_valid(ref) || gnt[ref].state != FAKE_GNT_RESERVED) {
		spin_unlock_irqrestore(&gnt_lock, flags);
		fake_misuse("claiming reference %u that is not reserved", ref);
		return -ENOSPC;
	}
	gnt[ref].state = FAKE_GNT_CLAIMED;
	*head = gnt_next[ref];
	spin_unlock_irqrestore(&gnt_lock, flags);
	return ref;
}

void gnttab_free_grant_references(grant_ref_t head)
{
	unsigned long flags;

	spin_lock_irqsave(&gnt_lock, flags);
	while (head != GNTTAB_LIST_END) {
		if (!gnt_valid(head) || gnt[head].state != FAKE_GNT_RESERVED) {
			fake_misuse("freeing reference %u that is not reserved",
				    head);
			break;
		}
		gnt[head].state = FAKE_GNT_FREE;
		gnt_in_use--;
		head = gnt_next[head];
	}
	spin_unlock_irqrestore(&gnt_lock, flags);
}

void gnttab_free_grant_reference(grant_ref_t ref)
{
	unsigned long flags;

	spin_lock_irqsave(&gnt_lock, flags);
	if (!gnt_valid(ref) || gnt[ref].state == FAKE_GNT_FREE) {
		fake_misuse("freeing free reference %u", ref);
	} else {
		gnt[ref].state = FAKE_GNT_FREE;
		gnt_in_use--;
	}
	spin_unlock_irqrestore(&gnt_lock, flags);
}

void gnttab_grant_foreign_access_ref(grant_ref_t ref, domid_t domid,
				     unsigned long frame, int readonly)
{
	unsigned long flags;

	spin_lock_irqsave(&gnt_lock, flags);
	if (!gnt_valid(ref) || gnt[ref].state != FAKE_GNT_CLAIMED) {
		spin_unlock_irqrestore(&gnt_lock, flags);
		fake_misuse("granting reference %u that is not claimed", ref);
		return;
	}
	gnt[ref].state = FAKE_GNT_GRANTED;
	gnt[ref].domid = domid;
	gnt[ref].frame = frame;
	gnt[ref].readonly = readonly;
	gnt[ref].times_granted++;
	spin_unlock_irqrestore(&gnt_lock, flags);
}

void gnttab_end_foreign_access(grant_ref_t ref, struct page *page)
{
	unsigned long flags;

	spin_lock_irqsave(&gnt_lock, flags);
	if (!gnt_valid(ref) || (gnt[ref].state != FAKE_GNT_GRANTED &&
				gnt[ref].state != FAKE_GNT_CLAIMED)) {
		spin_unlock_irqrestore(&gnt_lock, flags);
		fake_misuse("ending access through reference %u that is not in use",
			    ref);
		return;
	}
	gnt[ref].state = FAKE_GNT_FREE;
	gnt_in_use--;
	spin_unlock_irqrestore(&gnt_lock, flags);
	/* The backend never keeps a mapping here: free the page now. */
	if (page)
		put_page(page);
}

grant_ref_t fake_gnttab_backend_grant(struct page *page)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&gnt_lock, flags);
	for (i = 0; i < FAKE_BE_GNT_MAX; i++) {
		if (be_gnt[i].page)
			continue;
		be_gnt[i].page = page;
		be_gnt[i].mapped_at = NULL;
		be_gnt_count++;
		spin_unlock_irqrestore(&gnt_lock, flags);
		return FAKE_BE_GNT_FIRST + i;
	}
	spin_unlock_irqrestore(&gnt_lock, flags);
	return 0;
}

void fake_gnttab_backend_revoke_all(void)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&gnt_lock, flags);
	for (i = 0; i < FAKE_BE_GNT_MAX; i++) {
		if (!be_gnt[i].page || be_gnt[i].mapped_at)
			continue;
		__free_page(be_gnt[i].page);
		be_gnt[i].page = NULL;
		be_gnt_count--;
	}
	spin_unlock_irqrestore(&gnt_lock, flags);
}

unsigned int fake_gnttab_backend_granted(void)
{
	return be_gnt_count;
}

unsigned int fake_gnttab_backend_mapped(void)
{
	unsigned long flags;
	unsigned int i, n = 0;

	spin_lock_irqsave(&gnt_lock, flags);
	for (i = 0; i < FAKE_BE_GNT_MAX; i++)
		n += be_gnt[i].mapped_at != NULL;
	spin_unlock_irqrestore(&gnt_lock, flags);
	return n;
}

struct page *fake_gnttab_backend_mapped_at(grant_ref_t ref)
{
	unsigned long flags;
	struct page *page = NULL;

	if (ref < FAKE_BE_GNT_FIRST || ref >= FAKE_BE_GNT_FIRST + FAKE_BE_GNT_MAX)
		return NULL;
	spin_lock_irqsave(&gnt_lock, flags);
	page = be_gnt[ref - FAKE_BE_GNT_FIRST].mapped_at;
	spin_unlock_irqrestore(&gnt_lock, flags);
	return page;
}

void fake_gnttab_fail_map_op(unsigned int n)
{
	gnt_fail_map_op = n;
}

int gnttab_map_refs(struct gnttab_map_grant_ref *map_ops,
		    struct gnttab_map_grant_ref *kmap_ops,
		    struct page **pages, unsigned int count)
{
	unsigned long flags;
	unsigned int i, fail = gnt_fail_map_op;

	gnt_fail_map_op = 0;
	spin_lock_irqsave(&gnt_lock, flags);
	for (i = 0; i < count; i++) {
		struct gnttab_map_grant_ref *op = &map_ops[i];
		unsigned int idx = op->ref - FAKE_BE_GNT_FIRST;

		op->status = GNTST_bad_gntref;
		if (op->ref < FAKE_BE_GNT_FIRST || idx >= FAKE_BE_GNT_MAX ||
		    !be_gnt[idx].page)
			continue;
		if (op->dom != FAKE_BACKEND_DOMID) {
			op->status = GNTST_bad_domain;
			continue;
		}
		if (op->host_addr != page_to_phys(pages[i]) ||
		    !(op->flags & GNTMAP_host_map)) {
			spin_unlock_irqrestore(&gnt_lock, flags);
			fake_misuse("map op %u: host_addr %#llx flags %#x for page at %#llx",
				    i, (u64)op->host_addr, op->flags,
				    (u64)page_to_phys(pages[i]));
			spin_lock_irqsave(&gnt_lock, flags);
			op->status = GNTST_general_error;
			continue;
		}
		if (be_gnt[idx].mapped_at) {
			op->status = GNTST_general_error;
			continue;
		}
		if (fail == i + 1) {
			op->status = GNTST_general_error;
			continue;
		}
		be_gnt[idx].mapped_at = pages[i];
		op->handle = idx + 1;
		op->status = GNTST_okay;
	}
	spin_unlock_irqrestore(&gnt_lock, flags);
	return 0;
}

int gnttab_unmap_refs(struct gnttab_unmap_grant_ref *unmap_ops,
		      struct gnttab_unmap_grant_ref *kunmap_ops,
		      struct page **pages, unsigned int count)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&gnt_lock, flags);
	for (i = 0; i < count; i++) {
		struct gnttab_unmap_grant_ref *op = &unmap_ops[i];
		unsigned int idx = op->handle - 1;

		if (op->handle < 1 || idx >= FAKE_BE_GNT_MAX ||
		    !be_gnt[idx].mapped_at ||
		    be_gnt[idx].mapped_at != pages[i] ||
		    op->host_addr != page_to_phys(pages[i])) {
			op->status = GNTST_bad_handle;
			spin_unlock_irqrestore(&gnt_lock, flags);
			fake_misuse("unmap op %u: bad handle %u", i, op->handle);
			spin_lock_irqsave(&gnt_lock, flags);
			continue;
		}
		be_gnt[idx].mapped_at = NULL;
		op->status = GNTST_okay;
	}
	spin_unlock_irqrestore(&gnt_lock, flags);
	return 0;
}

/* ================================================================ */
/* Ring pages, event channels, IRQs                                  */
/* ================================================================ */

static unsigned int ring_pages, ring_fail;

int xenbus_setup_ring(struct xenbus_device *dev, gfp_t gfp, void **vaddr,
		      unsigned int nr_pages, grant_ref_t *grefs)
{
	unsigned long ring_size = nr_pages * XEN_PAGE_SIZE;
	grant_ref_t gref_head;
	unsigned int i;
	void *addr;
	int ret;

	if (ring_fail && !--ring_fail) {
		ret = -ENOMEM;
		*vaddr = NULL;
		goto err;
	}
	addr = alloc_pages_exact(ring_size, gfp | __GFP_ZERO);
	*vaddr = addr;
	if (!addr) {
		ret = -ENOMEM;
		goto err;
	}
	ret = gnttab_alloc_grant_references(nr_pages, &gref_head);
	if (ret) {
		xenbus_dev_fatal(dev, ret, "granting access to %u ring pages",
				 nr_pages);
		goto err;
	}
	for (i = 0; i < nr_pages; i++) {
		grefs[i] = gnttab_claim_grant_reference(&gref_head);
		gnttab_grant_foreign_access_ref(grefs[i], dev->otherend_id,
						virt_to_gfn(addr), 0);
		addr += XEN_PAGE_SIZE;
	}
	ring_pages += nr_pages;
	return 0;

err:
	if (*vaddr)
		free_pages_exact(*vaddr, ring_size);
	for (i = 0; i < nr_pages; i++)
		grefs[i] = INVALID_GRANT_REF;
	*vaddr = NULL;
	return ret;
}

void xenbus_teardown_ring(void **vaddr, unsigned int nr_pages,
			  grant_ref_t *grefs)
{
	unsigned int i;

	for (i = 0; i < nr_pages; i++) {
		if (grefs[i] != INVALID_GRANT_REF) {
			gnttab_end_foreign_access(grefs[i], NULL);
			grefs[i] = INVALID_GRANT_REF;
		}
	}
	if (*vaddr) {
		free_pages_exact(*vaddr, nr_pages * XEN_PAGE_SIZE);
		ring_pages -= nr_pages;
	}
	*vaddr = NULL;
}

void fake_ring_fail_setup(unsigned int n)
{
	ring_fail = n;
}

struct fake_irq {
	bool port_allocated;
	bool bound;
	irq_handler_t handler;
	void *dev_id;
	unsigned int notifies;
	unsigned int eois;
	unsigned int last_eoi_flags;
	struct irq_work work;
};

static DEFINE_SPINLOCK(irq_lock);
static struct fake_irq irqs[FAKE_MAX_IRQS];
static unsigned int evtchn_fail;
static void (*notify_hook)(int irq, void *data);
static void *notify_hook_data;

static struct fake_irq *irq_slot(int irq)
{
	if (irq < FAKE_IRQ_BASE || irq >= FAKE_IRQ_BASE + FAKE_MAX_IRQS)
		return NULL;
	return &irqs[irq - FAKE_IRQ_BASE];
}

void fake_evtchn_fail_alloc(unsigned int n)
{
	evtchn_fail = n;
}

int xenbus_alloc_evtchn(struct xenbus_device *dev, evtchn_port_t *port)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&irq_lock, flags);
	if (evtchn_fail && !--evtchn_fail) {
		spin_unlock_irqrestore(&irq_lock, flags);
		xenbus_dev_error(dev, -ENOSPC, "allocating event channel");
		return -ENOSPC;
	}
	for (i = 0; i < FAKE_MAX_IRQS; i++) {
		if (irqs[i].port_allocated)
			continue;
		irqs[i].port_allocated = true;
		*port = FAKE_PORT_BASE + i;
		spin_unlock_irqrestore(&irq_lock, flags);
		return 0;
	}
	spin_unlock_irqrestore(&irq_lock, flags);
	return -ENOSPC;
}

int xenbus_free_evtchn(struct xenbus_device *dev, evtchn_port_t port)
{
	unsigned long flags;
	unsigned int i = port - FAKE_PORT_BASE;

	spin_lock_irqsave(&irq_lock, flags);
	if (port < FAKE_PORT_BASE || i >= FAKE_MAX_IRQS ||
	    !irqs[i].port_allocated || irqs[i].bound) {
		spin_unlock_irqrestore(&irq_lock, flags);
		fake_misuse("freeing event channel %u (not allocated or bound)",
			    port);
		return -EINVAL;
	}
	irqs[i].port_allocated = false;
	spin_unlock_irqrestore(&irq_lock, flags);
	return 0;
}

static void fake_irq_work(struct irq_work *work)
{
	unsigned long flags;
	struct fake_irq *fi = container_of(work, struct fake_irq, work);
	int irq = FAKE_IRQ_BASE + (fi - irqs);
	irq_handler_t handler;
	void *dev_id;

	spin_lock_irqsave(&irq_lock, flags);
	handler = fi->bound ? fi->handler : NULL;
	dev_id = fi->dev_id;
	spin_unlock_irqrestore(&irq_lock, flags);
	if (handler)
		handler(irq, dev_id);
}

int bind_evtchn_to_irqhandler_lateeoi(evtchn_port_t evtchn,
				      irq_handler_t handler,
				      unsigned long irqflags,
				      const char *devname, void *dev_id)
{
	unsigned long flags;
	unsigned int i = evtchn - FAKE_PORT_BASE;

	spin_lock_irqsave(&irq_lock, flags);
	if (evtchn < FAKE_PORT_BASE || i >= FAKE_MAX_IRQS ||
	    !irqs[i].port_allocated || irqs[i].bound) {
		spin_unlock_irqrestore(&irq_lock, flags);
		fake_misuse("binding event channel %u (not allocated or bound)",
			    evtchn);
		return -EINVAL;
	}
	irqs[i].bound = true;
	irqs[i].handler = handler;
	irqs[i].dev_id = dev_id;
	irqs[i].notifies = 0;
	irqs[i].eois = 0;
	irqs[i].last_eoi_flags = 0;
	irqs[i].work = IRQ_WORK_INIT_HARD(fake_irq_work);
	spin_unlock_irqrestore(&irq_lock, flags);
	return FAKE_IRQ_BASE + i;
}

void unbind_from_irqhandler(unsigned int irq, void *dev_id)
{
	unsigned long flags;
	struct fake_irq *fi = irq_slot(irq);

	if (!fi) {
		fake_misuse("unbinding unknown IRQ %u", irq);
		return;
	}
	/* As free_irq(): wait for a running handler. */
	irq_work_sync(&fi->work);
	spin_lock_irqsave(&irq_lock, flags);
	if (!fi->bound || fi->dev_id != dev_id) {
		spin_unlock_irqrestore(&irq_lock, flags);
		fake_misuse("unbinding IRQ %u: not bound to this dev_id", irq);
		return;
	}
	fi->bound = false;
	/* Unbinding closes the event channel. */
	fi->port_allocated = false;
	spin_unlock_irqrestore(&irq_lock, flags);
}

void notify_remote_via_irq(int irq)
{
	unsigned long flags;
	struct fake_irq *fi = irq_slot(irq);
	void (*hook)(int irq, void *data);
	void *data;

	spin_lock_irqsave(&irq_lock, flags);
	if (!fi || !fi->bound) {
		spin_unlock_irqrestore(&irq_lock, flags);
		fake_misuse("notify via unbound IRQ %d", irq);
		return;
	}
	fi->notifies++;
	hook = notify_hook;
	data = notify_hook_data;
	spin_unlock_irqrestore(&irq_lock, flags);
	if (hook)
		hook(irq, data);
}

void xen_irq_lateeoi(unsigned int irq, unsigned int eoi_flags)
{
	struct fake_irq *fi = irq_slot(irq);
	unsigned long flags;

	spin_lock_irqsave(&irq_lock, flags);
	if (fi && fi->bound) {
		fi->eois++;
		fi->last_eoi_flags = eoi_flags;
	}
	spin_unlock_irqrestore(&irq_lock, flags);
	if (!fi || !fi->bound)
		fake_misuse("late EOI for unbound IRQ %u", irq);
}

int fake_irq_of_port(evtchn_port_t port)
{
	unsigned long flags;
	unsigned int i = port - FAKE_PORT_BASE;
	int irq = 0;

	spin_lock_irqsave(&irq_lock, flags);
	if (port >= FAKE_PORT_BASE && i < FAKE_MAX_IRQS && irqs[i].bound)
		irq = FAKE_IRQ_BASE + i;
	spin_unlock_irqrestore(&irq_lock, flags);
	return irq;
}

void fake_irq_raise(int irq)
{
	struct fake_irq *fi = irq_slot(irq);

	if (!fi || !fi->bound)
		return;
	if (irqs_disabled() || in_interrupt() || !preemptible()) {
		fake_irq_work(&fi->work);
		return;
	}
	/* irq_work runs the handler in hard IRQ context, as Xen does. */
	irq_work_queue(&fi->work);
	irq_work_sync(&fi->work);
}

unsigned int fake_irq_notify_count(int irq)
{
	struct fake_irq *fi = irq_slot(irq);

	return fi ? fi->notifies : 0;
}

unsigned int fake_irq_eoi_count(int irq)
{
	struct fake_irq *fi = irq_slot(irq);

	return fi ? fi->eois : 0;
}

unsigned int fake_irq_last_eoi_flags(int irq)
{
	struct fake_irq *fi = irq_slot(irq);

	return fi ? fi->last_eoi_flags : 0;
}

bool fake_irq_bound(int irq)
{
	struct fake_irq *fi = irq_slot(irq);

	return fi && fi->bound;
}

void fake_irq_set_notify_hook(void (*hook)(int irq, void *data), void *data)
{
	unsigned long flags;

	spin_lock_irqsave(&irq_lock, flags);
	notify_hook = hook;
	notify_hook_data = data;
	spin_unlock_irqrestore(&irq_lock, flags);
}

/* ================================================================ */
/* Ballooned pages                                                   */
/* ================================================================ */

static unsigned int balloon_pages, balloon_fail;

int xen_alloc_ballooned_pages(unsigned int nr_pages, struct page **pages)
{
	unsigned int i;

	if (balloon_fail && !--balloon_fail)
		return -ENOMEM;
	for (i = 0; i < nr_pages; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i]) {
			while (i--)
				__free_page(pages[i]);
			return -ENOMEM;
		}
	}
	balloon_pages += nr_pages;
	return 0;
}

void xen_free_ballooned_pages(unsigned int nr_pages, struct page **pages)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&gnt_lock, flags);
	for (i = 0; i < FAKE_BE_GNT_MAX; i++) {
		unsigned int j;

		if (!be_gnt[i].mapped_at)
			continue;
		for (j = 0; j < nr_pages; j++)
			if (be_gnt[i].mapped_at == pages[j])
				break;
		if (j < nr_pages) {
			spin_unlock_irqrestore(&gnt_lock, flags);
			fake_misuse("freeing ballooned page %u still mapping backend grant %u",
				    j, FAKE_BE_GNT_FIRST + i);
			spin_lock_irqsave(&gnt_lock, flags);
		}
	}
	spin_unlock_irqrestore(&gnt_lock, flags);
	for (i = 0; i < nr_pages; i++)
		__free_page(pages[i]);
	balloon_pages -= nr_pages;
}

unsigned int fake_balloon_pages(void)
{
	return balloon_pages;
}

void fake_balloon_fail(unsigned int n)
{
	balloon_fail = n;
}

/* ================================================================ */
/* Reset and leak accounting                                         */
/* ================================================================ */

void fake_xen_reset(void)
{
	unsigned long flags;
	unsigned int i;

	xs_clear();
	fake_gnttab_backend_revoke_all();
	spin_lock_irqsave(&gnt_lock, flags);
	/* Whatever a failed test left behind is forgotten, not freed. */
	for (i = 0; i < FAKE_GNT_MAX; i++)
		gnt[i].state = FAKE_GNT_FREE;
	for (i = 0; i < FAKE_BE_GNT_MAX; i++)
		memset(&be_gnt[i], 0, sizeof(be_gnt[i]));
	be_gnt_count = 0;
	gnt_in_use = 0;
	gnt_claim_empty = 0;
	gnt_capacity = FAKE_GNT_MAX - FAKE_GNT_FIRST;
	gnt_fail_map_op = 0;
	spin_unlock_irqrestore(&gnt_lock, flags);

	spin_lock_irqsave(&irq_lock, flags);
	for (i = 0; i < FAKE_MAX_IRQS; i++)
		if (!irqs[i].bound)
			irqs[i].port_allocated = false;
	evtchn_fail = 0;
	notify_hook = NULL;
	notify_hook_data = NULL;
	spin_unlock_irqrestore(&irq_lock, flags);

	ring_fail = 0;
	balloon_fail = 0;
	fake_errors = 0;
	xen_features[XENFEAT_auto_translated_physmap] = 1;
}

unsigned int fake_xen_leaks(struct kunit *test)
{
	unsigned long flags;
	unsigned int i, ports = 0, bound = 0, mapped;
	unsigned int leaks = 0;

	spin_lock_irqsave(&irq_lock, flags);
	for (i = 0; i < FAKE_MAX_IRQS; i++) {
		ports += irqs[i].port_allocated;
		bound += irqs[i].bound;
	}
	spin_unlock_irqrestore(&irq_lock, flags);
	mapped = fake_gnttab_backend_mapped();

	if (gnt_in_use)
		kunit_err(test, "%u grant references still in use\n", gnt_in_use);
	if (ports)
		kunit_err(test, "%u event channels still open\n", ports);
	if (bound)
		kunit_err(test, "%u IRQs still bound\n", bound);
	if (ring_pages)
		kunit_err(test, "%u ring pages not torn down\n", ring_pages);
	if (balloon_pages)
		kunit_err(test, "%u ballooned pages not freed\n", balloon_pages);
	if (mapped)
		kunit_err(test, "%u backend grants still mapped\n", mapped);
	if (xs_tx_open)
		kunit_err(test, "%u XenStore transactions open\n", xs_tx_open);
	leaks = gnt_in_use + ports + bound + ring_pages + balloon_pages +
		mapped + xs_tx_open;
	return leaks;
}

/* ================================================================ */
/* The scripted backend                                              */
/* ================================================================ */

static int be_read_uint(struct fake_be *be, unsigned int conn,
			const char *node, unsigned int *val)
{
	char path[96], buf[32];

	snprintf(path, sizeof(path), "%s/%u/%s", be->fdev->nodename, conn,
		 node);
	if (!fake_xs_read(path, buf, sizeof(buf)))
		return -ENOENT;
	return kstrtouint(buf, 10, val);
}

static void *be_map_ring(struct fake_be *be, grant_ref_t gref)
{
	struct fake_grant g;

	if (!fake_gnttab_get(gref, &g) || g.state != FAKE_GNT_GRANTED) {
		kunit_err(be->test, "ring grant %u is not granted\n", gref);
		return NULL;
	}
	if (g.domid != FAKE_BACKEND_DOMID || g.readonly) {
		kunit_err(be->test, "ring grant %u: domain %u, read-only %d\n",
			  gref, g.domid, g.readonly);
		return NULL;
	}
	return page_address(pfn_to_page(g.frame));
}

static void be_notify(int irq, void *data)
{
	struct fake_be *be = data;
	unsigned int i;

	for (i = 0; i < be->num_conns; i++) {
		if (be->conn[i].req_irq != irq)
			continue;
		if (be->sync)
			fake_be_process(be, i);
		complete(&be->got_request);
		return;
	}
}

int fake_be_attach(struct kunit *test, struct fake_be *be,
		   struct fake_xb_dev *fdev, unsigned int num_conns)
{
	unsigned int i, gref, port;
	int ret;

	be->test = test;
	be->fdev = fdev;
	be->num_conns = num_conns;
	spin_lock_init(&be->lock);
	init_completion(&be->got_request);
	for (i = 0; i < num_conns; i++) {
		struct fake_be_conn *c = &be->conn[i];
		struct xen_displif_sring *sring;

		ret = be_read_uint(be, i, XENDISPL_FIELD_REQ_RING_REF, &gref);
		if (ret)
			return ret;
		sring = be_map_ring(be, gref);
		if (!sring)
			return -EINVAL;
		BACK_RING_ATTACH(&c->ring, sring, sring->rsp_prod,
				 XEN_PAGE_SIZE);
		ret = be_read_uint(be, i, XENDISPL_FIELD_REQ_CHANNEL, &port);
		if (ret)
			return ret;
		c->req_irq = fake_irq_of_port(port);
		ret = be_read_uint(be, i, XENDISPL_FIELD_EVT_RING_REF, &gref);
		if (ret)
			return ret;
		c->evt_page = be_map_ring(be, gref);
		if (!c->evt_page)
			return -EINVAL;
		c->evt_prod = c->evt_page->in_prod;
		ret = be_read_uint(be, i, XENDISPL_FIELD_EVT_CHANNEL, &port);
		if (ret)
			return ret;
		c->evt_irq = fake_irq_of_port(port);
		if (!c->req_irq || !c->evt_irq)
			return -ENOENT;
	}
	fake_irq_set_notify_hook(be_notify, be);
	return 0;
}

void fake_be_detach(struct fake_be *be)
{
	fake_irq_set_notify_hook(NULL, NULL);
	be->num_conns = 0;
}

/*
 * libxenbe (xen-troops displ_be's library) maps every grant it is given
 * for reading and writing, page directories included, and Xen refuses a
 * writable mapping of a read-only grant: displ_be then answers -EINVAL.
 * Do the same with the first directory page of DBUF_CREATE and GET_EDID.
 */
static bool be_dir_mappable(struct fake_be *be, const struct xendispl_req *req)
{
	struct fake_grant g;
	grant_ref_t ref;

	if (req->operation == XENDISPL_OP_DBUF_CREATE)
		ref = req->op.dbuf_create.gref_directory;
	else if (req->operation == XENDISPL_OP_GET_EDID)
		ref = req->op.get_edid.gref_directory;
	else
		return true;
	if (!fake_gnttab_get(ref, &g) || g.state != FAKE_GNT_GRANTED ||
	    g.domid != FAKE_BACKEND_DOMID || g.readonly) {
		kunit_info(be->test, "%s: directory grant %u cannot be mapped read-write\n",
			   req->operation == XENDISPL_OP_GET_EDID ? "GET_EDID" : "DBUF_CREATE",
			   ref);
		return false;
	}
	return true;
}

/* DBUF_CREATE with REQ_ALLOC: fill the directory with grants of our pages. */
static void be_alloc_buffer(struct fake_be *be, const struct xendispl_req *req)
{
	unsigned int per_page = (XEN_PAGE_SIZE -
		offsetof(struct xendispl_page_directory, gref)) / sizeof(grant_ref_t);
	unsigned int num = DIV_ROUND_UP(req->op.dbuf_create.buffer_sz,
					XEN_PAGE_SIZE);
	grant_ref_t dir_ref = req->op.dbuf_create.gref_directory;
	struct xendispl_page_directory *dir = NULL;
	unsigned int i;

	be->be_alloc_dir_writable = true;
	for (i = 0; i < num; i++) {
		struct fake_grant g;
		struct page *page;

		if (i % per_page == 0) {
			if (i)
				dir_ref = dir->gref_dir_next_page;
			if (!fake_gnttab_get(dir_ref, &g) ||
			    g.state != FAKE_GNT_GRANTED ||
			    g.domid != FAKE_BACKEND_DOMID) {
				kunit_err(be->test, "be-alloc directory page %u: bad grant %u\n",
					  i / per_page, dir_ref);
				be->be_alloc_dir_writable = false;
				return;
			}
			if (g.readonly) {
				/* We could not write it: leave it empty. */
				be->be_alloc_dir_writable = false;
				return;
			}
			dir = page_address(pfn_to_page(g.frame));
		}
		/* A lying backend names a reference that is not a grant. */
		if (be->be_alloc_bad_gref && i == num - 1) {
			dir->gref[i % per_page] = be->be_alloc_bad_gref;
			continue;
		}
		/* A lying backend leaves the last reference empty. */
		if (be->be_alloc_zero_gref && i == num - 1)
			page = NULL;
		else
			page = alloc_page(GFP_ATOMIC | __GFP_ZERO);
		dir->gref[i % per_page] = page ? fake_gnttab_backend_grant(page) : 0;
	}
}

static bool be_refuses_format(struct fake_be *be, u32 format)
{
	unsigned int i;

	for (i = 0; i < be->num_refuse_formats; i++)
		if (be->refuse_formats[i] == format)
			return true;
	return false;
}

/* GET_EDID: write what we were told to into the frontend's buffer. */
static void be_write_edid(struct fake_be *be, const struct xendispl_req *req)
{
	unsigned int per_page = (XEN_PAGE_SIZE -
		offsetof(struct xendispl_page_directory, gref)) / sizeof(grant_ref_t);
	unsigned int len = min(be->edid_len, req->op.get_edid.buffer_sz);
	const struct xendispl_page_directory *dir;
	struct fake_grant g;
	unsigned int i, n;

	if (!be->edid || !len)
		return;
	if (!fake_gnttab_get(req->op.get_edid.gref_directory, &g) ||
	    g.state != FAKE_GNT_GRANTED)
		return;
	dir = page_address(pfn_to_page(g.frame));
	for (i = 0; i * XEN_PAGE_SIZE < len && i < per_page; i++) {
		if (!fake_gnttab_get(dir->gref[i], &g) ||
		    g.state != FAKE_GNT_GRANTED || g.readonly) {
			kunit_err(be->test, "GET_EDID: data grant %u cannot be written\n",
				  dir->gref[i]);
			return;
		}
		n = min_t(unsigned int, XEN_PAGE_SIZE, len - i * XEN_PAGE_SIZE);
		memcpy(page_address(pfn_to_page(g.frame)),
		       be->edid + i * XEN_PAGE_SIZE, n);
	}
}

void fake_be_process(struct fake_be *be, unsigned int conn)
{
	struct fake_be_conn *c = &be->conn[conn];
	struct xen_displif_back_ring *ring = &c->ring;
	unsigned long flags;
	bool answered = false;
	u64 shown = 0;
	RING_IDX rp;
	int notify;

	spin_lock_irqsave(&be->lock, flags);
	rp = READ_ONCE(ring->sring->req_prod);
	/* Read the requests only after their producer index. */
	virt_rmb();
	while (ring->req_cons != rp) {
		struct xendispl_resp *resp;
		struct xendispl_req req;

		RING_COPY_REQUEST(ring, ring->req_cons, &req);
		ring->req_cons++;
		if (be->num_log < FAKE_BE_LOG) {
			be->log[be->num_log].conn = conn;
			be->log[be->num_log].req = req;
			be->num_log++;
		}
		if (req.operation == XENDISPL_OP_DBUF_CREATE &&
		    (req.op.dbuf_create.flags & XENDISPL_DBUF_FLG_REQ_ALLOC) &&
		    !be->status[req.operation])
			be_alloc_buffer(be, &req);
		if (req.operation == XENDISPL_OP_DBUF_DESTROY)
			be->mapped_at_destroy = fake_gnttab_backend_mapped();
		if (be->drop[req.operation])
			continue;
		resp = RING_GET_RESPONSE(ring, ring->rsp_prod_pvt);
		memset(resp, 0, sizeof(*resp));
		resp->id = req.id + be->id_delta;
		resp->operation = be->op_override ?: req.operation;
		resp->status = be->status[req.operation];
		if (!resp->status && !be_dir_mappable(be, &req))
			resp->status = -EINVAL;
		if (!resp->status && req.operation == XENDISPL_OP_FB_ATTACH &&
		    be_refuses_format(be, req.op.fb_attach.pixel_format))
			resp->status = -EINVAL;
		if (req.operation == XENDISPL_OP_GET_EDID && !resp->status) {
			be_write_edid(be, &req);
			resp->op.get_edid.edid_sz = be->edid_sz;
		}
		if (req.operation == XENDISPL_OP_PG_FLIP && !resp->status)
			shown = req.op.pg_flip.fb_cookie;
		ring->rsp_prod_pvt++;
		be->num_resp++;
		answered = true;
	}
	/* As displ_be (libxenbe) and the rig's backend: rsp_event decides. */
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(ring, notify);
	spin_unlock_irqrestore(&be->lock, flags);
	if (answered && notify)
		fake_irq_raise(c->req_irq);
	if (shown && be->auto_flip_evt)
		fake_be_send_event(be, conn, XENDISPL_EVT_PG_FLIP, shown, true);
}

void fake_be_send_event(struct fake_be *be, unsigned int conn, u8 type,
			u64 fb_cookie, bool raise)
{
	struct fake_be_conn *c = &be->conn[conn];
	struct xendispl_evt *evt;
	unsigned long flags;

	spin_lock_irqsave(&be->lock, flags);
	evt = &XENDISPL_IN_RING_REF(c->evt_page, c->evt_prod);
	memset(evt, 0, sizeof(*evt));
	evt->id = c->evt_id++;
	evt->type = type;
	evt->op.pg_flip.fb_cookie = fb_cookie;
	/* The event is written before the producer index says so. */
	virt_wmb();
	c->evt_prod++;
	WRITE_ONCE(c->evt_page->in_prod, c->evt_prod);
	spin_unlock_irqrestore(&be->lock, flags);
	if (raise)
		fake_irq_raise(c->evt_irq);
}

void fake_be_respond_raw(struct fake_be *be, unsigned int conn, u16 id, u8 op,
			 s32 status, bool raise)
{
	struct fake_be_conn *c = &be->conn[conn];
	struct xendispl_resp *resp;
	unsigned long flags;

	spin_lock_irqsave(&be->lock, flags);
	resp = RING_GET_RESPONSE(&c->ring, c->ring.rsp_prod_pvt);
	memset(resp, 0, sizeof(*resp));
	resp->id = id;
	resp->operation = op;
	resp->status = status;
	c->ring.rsp_prod_pvt++;
	RING_PUSH_RESPONSES(&c->ring);
	spin_unlock_irqrestore(&be->lock, flags);
	if (raise)
		fake_irq_raise(c->req_irq);
}

unsigned int fake_be_count(struct fake_be *be, u8 op)
{
	unsigned int i, n = 0;

	for (i = 0; i < be->num_log; i++)
		n += be->log[i].req.operation == op;
	return n;
}

void fake_be_forget(struct fake_be *be)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&be->lock, flags);
	for (i = 0; i < be->num_log; i++)
		be->forgotten[be->log[i].req.operation]++;
	be->num_log = 0;
	spin_unlock_irqrestore(&be->lock, flags);
}

const struct fake_be_req *fake_be_last(struct fake_be *be, u8 op)
{
	unsigned int i;

	for (i = be->num_log; i--; )
		if (be->log[i].req.operation == op)
			return &be->log[i];
	return NULL;
}
