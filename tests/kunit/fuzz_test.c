// SPDX-License-Identifier: GPL-2.0 OR MIT

/*
 * KUnit: a hostile backend, fuzzed.
 *
 * A seeded generator plays the backend over the fake Xen and writes what
 * it likes into everything a backend controls: XenStore (configuration
 * nodes it may influence, "versions", its state in any order), responses
 * (ids, operations, statuses, rsp_prod anywhere), the event page (in_prod,
 * in_cons, event types, cookies that exist, existed or never did), GET_EDID
 * answers (sizes, bytes), be-alloc directories (bogus grant references),
 * and timing (answers at once, late, twice, never, after teardown). The
 * driver meanwhile does its normal work: dumb buffers, framebuffers,
 * modesets, flips, connector probes, and at the end an unbind.
 *
 * Oracles, per iteration: every driver call returns within a bound derived
 * from the request timeout (no hang); after the unbind the fake holds no
 * grant, page, event channel, IRQ or transaction of ours and saw no misuse
 * of its API; then a well-behaved backend gets a working device (buffer,
 * modeset, flip), on the same xenbus device when it is still usable and
 * on a fresh one in any case. WARN, lockdep, KFENCE and other splats fail
 * the run in tests/kunit/run.sh.
 *
 * The iteration with seed S is reproducible (up to the scheduling of the
 * driver's commit workers) with drm_xen_front_kunit.fuzz_seed=S and
 * drm_xen_front_kunit.fuzz_iters=1 on the kernel command line.
 *
 * Copyright (C) 2026 The drm_xen_front authors
 */

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <drm/drm_connector.h>
#include <drm/drm_drv.h>
#include <drm/drm_edid.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>

#include <kunit/test.h>

#include <xen/xenbus.h>
#include <xen/interface/io/displif.h>

#include "../../xen_drm_front.h"
#include "../../xen_drm_front_debugfs.h"
#include "../../xen_drm_front_evtchnl.h"

#include "helpers.h"

static unsigned int fuzz_seed = 1;
module_param(fuzz_seed, uint, 0444);
MODULE_PARM_DESC(fuzz_seed, "KUnit fuzzer: seed of the first iteration");

static unsigned int fuzz_iters = 100;
module_param(fuzz_iters, uint, 0444);
MODULE_PARM_DESC(fuzz_iters, "KUnit fuzzer: iterations (if fuzz_seconds is 0)");

static unsigned int fuzz_seconds;
module_param(fuzz_seconds, uint, 0444);
MODULE_PARM_DESC(fuzz_seconds, "KUnit fuzzer: run for this long instead");

/* Timeouts while fuzzing: short, so that a silent backend costs little. */
#define FZ_REQ_TIMEOUT_MS	30
#define FZ_FRAME_DONE_MS	60
/* Any one driver call must return within this (TCG, lockdep: generous). */
#define FZ_CALL_LIMIT_MS	3000
/* remove() may wait for a backend that does not acknowledge Closing. */
#define FZ_REMOVE_LIMIT_MS	5000
/* One KUnit case is killed after 300 s: a long run is cut in slices. */
#define FZ_SLICE_SECONDS	120

#define FZ_MAX_CONNS		3
#define FZ_MAX_FBS		4
#define FZ_MAX_COOKIES		32
#define FZ_MAX_OUTCOMES		256

struct fz_outcome {
	const char *what;
	int ret;
	unsigned long count;
};

/* Kept over the whole run (all slices): what the fuzzer saw happen. */
static struct fz_outcome fz_outcomes[FZ_MAX_OUTCOMES];
static unsigned int fz_num_outcomes;
static unsigned long fz_total_iters, fz_total_steps, fz_total_actions;
static unsigned long fz_findings;
static DEFINE_SPINLOCK(fz_outcome_lock);

struct fz {
	struct kunit *test;
	u32 seed;
	struct rnd_state rnd;
	spinlock_t lock;	/* rnd, the cookie list, rings_live */
	struct kt_dev kd;
	unsigned int num_conns;
	/*
	 * User space's buffers. Only its file holds the framebuffers (@fb):
	 * a reference of our own would outlive the file when an unplug
	 * releases it, which no user space can do (and DRM warns about).
	 */
	struct kt_fb fbs[FZ_MAX_FBS];
	struct drm_framebuffer *fb[FZ_MAX_FBS];
	/* The scripted backend's rings are mapped: hostile writes allowed. */
	bool rings_live;
	struct delayed_work late_work;
	/* fb cookies seen in FB_ATTACH requests: existing or stale. */
	u64 cookies[FZ_MAX_COOKIES];
	unsigned int num_cookies;
	/* IRQs of an earlier set of rings: raised after their teardown. */
	int old_irqs[2 * FZ_MAX_CONNS];
	/* Garbage for GET_EDID. */
	u8 edid[XENDISPL_EDID_MAX_SIZE];
	/*
	 * A calm iteration: the backend mostly answers and the driver works
	 * more, so that flips, modesets and EDIDs get far; hostile acts
	 * still come, fewer.
	 */
	bool calm;
};

static void fz_note(const char *what, int ret)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&fz_outcome_lock, flags);
	for (i = 0; i < fz_num_outcomes; i++)
		if (fz_outcomes[i].what == what && fz_outcomes[i].ret == ret)
			break;
	if (i == fz_num_outcomes && i < FZ_MAX_OUTCOMES) {
		fz_outcomes[i].what = what;
		fz_outcomes[i].ret = ret;
		fz_num_outcomes++;
	}
	if (i < fz_num_outcomes)
		fz_outcomes[i].count++;
	spin_unlock_irqrestore(&fz_outcome_lock, flags);
}

static u32 fz_rand(struct fz *fz, u32 n)
{
	unsigned long flags;
	u32 v;

	spin_lock_irqsave(&fz->lock, flags);
	v = prandom_u32_state(&fz->rnd);
	spin_unlock_irqrestore(&fz->lock, flags);
	return n ? v % n : v;
}

/* True with a probability of @pct percent. */
static bool fz_chance(struct fz *fz, u32 pct)
{
	return fz_rand(fz, 100) < pct;
}

static u64 fz_rand64(struct fz *fz)
{
	return ((u64)fz_rand(fz, 0) << 32) | fz_rand(fz, 0);
}

static bool fz_live(struct fz *fz)
{
	unsigned long flags;
	bool live;

	spin_lock_irqsave(&fz->lock, flags);
	live = fz->rings_live;
	spin_unlock_irqrestore(&fz->lock, flags);
	return live;
}

/* Stop every hostile write: the rings are about to be torn down. */
static void fz_rings_dead(struct fz *fz)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&fz->lock, flags);
	if (fz->rings_live) {
		for (i = 0; i < fz->kd.be.num_conns && i < FZ_MAX_CONNS; i++) {
			fz->old_irqs[2 * i] = fz->kd.be.conn[i].req_irq;
			fz->old_irqs[2 * i + 1] = fz->kd.be.conn[i].evt_irq;
		}
	}
	fz->rings_live = false;
	spin_unlock_irqrestore(&fz->lock, flags);
	cancel_delayed_work_sync(&fz->late_work);
}

/* ---- the hostile backend ---- */

/* Xen's errno values are Linux's for these; 38 is Xen's ENOSYS. */
static const s32 fz_statuses[] = {
	0, 0, 0, 0, -EINVAL, -ENOMEM, -EIO, -38, -EBUSY, -ENOSPC,
	1, 12345, -4095, -99999, S32_MIN, S32_MAX,
};

static const u8 fz_ops[] = {
	XENDISPL_OP_DBUF_CREATE, XENDISPL_OP_DBUF_DESTROY,
	XENDISPL_OP_FB_ATTACH, XENDISPL_OP_FB_DETACH, XENDISPL_OP_SET_CONFIG,
	XENDISPL_OP_PG_FLIP, XENDISPL_OP_GET_EDID,
};

static u8 fz_pick_op(struct fz *fz)
{
	if (fz_chance(fz, 10))
		return fz_rand(fz, 256);
	return fz_ops[fz_rand(fz, ARRAY_SIZE(fz_ops))];
}

/* A cookie that exists, existed, or never did. */
static u64 fz_pick_cookie(struct fz *fz)
{
	unsigned long flags;
	u64 cookie = 0;
	u32 r = fz_rand(fz, 10);

	if (r < 6) {
		spin_lock_irqsave(&fz->lock, flags);
		if (fz->num_cookies)
			cookie = fz->cookies[prandom_u32_state(&fz->rnd) %
					     fz->num_cookies];
		spin_unlock_irqrestore(&fz->lock, flags);
		if (cookie)
			return cookie;
	}
	if (r < 8)
		return fz_rand(fz, 64);
	return fz_rand64(fz);
}

static void fz_learn_cookies(struct fz *fz)
{
	struct fake_be *be = &fz->kd.be;
	unsigned long flags;
	unsigned int i, j;

	/* The log is written by requests of the driver's commit workers. */
	spin_lock_irqsave(&be->lock, flags);
	spin_lock(&fz->lock);
	for (i = 0; i < be->num_log && i < FAKE_BE_LOG; i++) {
		u64 c;

		if (be->log[i].req.operation != XENDISPL_OP_FB_ATTACH)
			continue;
		c = be->log[i].req.op.fb_attach.fb_cookie;
		for (j = 0; j < fz->num_cookies; j++)
			if (fz->cookies[j] == c)
				break;
		if (j == fz->num_cookies && j < FZ_MAX_COOKIES)
			fz->cookies[fz->num_cookies++] = c;
	}
	spin_unlock(&fz->lock);
	spin_unlock_irqrestore(&be->lock, flags);
}

/*
 * A structurally valid EDID: the header, version 1, the checksum of every
 * block right, so that drm_edid_is_valid() lets it through and DRM parses
 * what is in it: detailed timings mostly plausible (some absurd), display
 * descriptors of any tag, CTA-861 extensions with random data blocks.
 * Returns its size.
 */
static unsigned int fz_make_edid(struct fz *fz)
{
	static const u8 hdr[] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	unsigned int blocks = fz_chance(fz, 50) ? 1 : 1 + fz_rand(fz, 4);
	unsigned int b, i, d;
	u8 *e = fz->edid;

	for (i = 0; i < blocks * EDID_LENGTH; i++)
		e[i] = fz_rand(fz, 256);
	memcpy(e, hdr, sizeof(hdr));
	e[18] = 1;
	e[19] = fz_rand(fz, 5);
	for (d = 0; d < 4; d++) {
		u8 *t = e + 54 + 18 * d;
		u32 clk, ha, hb, va, vb, hso, hsw, vso, vsw;

		if (fz_chance(fz, 20))
			continue;	/* random bytes */
		if (fz_chance(fz, 25)) {
			/* A display descriptor: name, range limits, ... */
			t[0] = 0;
			t[1] = 0;
			t[2] = 0;
			t[3] = 0xf7 + fz_rand(fz, 9);
			t[4] = 0;
			continue;
		}
		clk = fz_chance(fz, 80) ? 2500 + fz_rand(fz, 30000) :
			1 + fz_rand(fz, 0xffff);
		ha = fz_chance(fz, 80) ? 64 + fz_rand(fz, 1920) : fz_rand(fz, 4096);
		hb = fz_chance(fz, 80) ? 16 + fz_rand(fz, 400) : fz_rand(fz, 4096);
		va = fz_chance(fz, 80) ? 48 + fz_rand(fz, 1200) : fz_rand(fz, 4096);
		vb = fz_chance(fz, 80) ? 3 + fz_rand(fz, 60) : fz_rand(fz, 4096);
		hso = fz_rand(fz, min(hb, 1023u) + 1);
		hsw = fz_rand(fz, min(hb - hso, 1023u) + 1);
		vso = fz_rand(fz, min(vb, 63u) + 1);
		vsw = fz_rand(fz, min(vb - vso, 63u) + 1);
		t[0] = clk & 0xff;
		t[1] = clk >> 8;
		t[2] = ha & 0xff;
		t[3] = hb & 0xff;
		t[4] = ((ha >> 8) << 4) | (hb >> 8);
		t[5] = va & 0xff;
		t[6] = vb & 0xff;
		t[7] = ((va >> 8) << 4) | (vb >> 8);
		t[8] = hso & 0xff;
		t[9] = hsw & 0xff;
		t[10] = ((vso & 0xf) << 4) | (vsw & 0xf);
		t[11] = ((hso >> 8) << 6) | ((hsw >> 8) << 4) |
			((vso >> 4) << 2) | (vsw >> 4);
		if (fz_chance(fz, 80)) {
			t[15] = 0;	/* no borders */
			t[16] = 0;
			t[17] = 0x18 | (fz_rand(fz, 4) << 1);
		}
	}
	e[126] = blocks - 1;
	for (b = 1; b < blocks; b++) {
		u8 *x = e + b * EDID_LENGTH;

		/* CTA-861: tag, revision, DTD offset, then data blocks. */
		if (fz_chance(fz, 80))
			x[0] = 0x02;
		x[1] = 1 + fz_rand(fz, 3);
		x[2] = fz_chance(fz, 80) ? 4 + fz_rand(fz, EDID_LENGTH - 5) :
			fz_rand(fz, 256);
	}
	for (b = 0; b < blocks; b++) {
		u8 sum = 0;

		for (i = 0; i < EDID_LENGTH - 1; i++)
			sum += e[b * EDID_LENGTH + i];
		e[b * EDID_LENGTH + EDID_LENGTH - 1] = -sum;
	}
	return blocks * EDID_LENGTH;
}

/* The next GET_EDID gets a valid EDID, with its size (mostly). */
static void fz_valid_edid(struct fz *fz)
{
	struct fake_be *be = &fz->kd.be;
	unsigned int len = fz_make_edid(fz);

	be->edid = fz->edid;
	be->edid_len = len;
	be->edid_sz = fz_chance(fz, 85) ? len : EDID_LENGTH * (1 + fz_rand(fz, 4));
}

/* Change how the scripted backend answers from now on. */
static void fz_mutate_backend(struct fz *fz)
{
	struct fake_be *be = &fz->kd.be;
	u8 op = fz_ops[fz_rand(fz, ARRAY_SIZE(fz_ops))];
	unsigned int i;

	switch (fz_rand(fz, 8)) {
	case 0:
		be->status[op] = fz_statuses[fz_rand(fz, ARRAY_SIZE(fz_statuses))];
		break;
	case 1:
		be->drop[op] = fz_chance(fz, 50);
		break;
	case 2:
		be->id_delta = fz_chance(fz, 70) ? 0 : (int)fz_rand(fz, 5) - 2;
		break;
	case 3:
		be->op_override = fz_chance(fz, 70) ? 0 : fz_pick_op(fz);
		break;
	case 4:
		be->auto_flip_evt = fz_chance(fz, 80);
		break;
	case 5:
		/* GET_EDID: half the time a valid EDID of random contents, */
		if (fz_chance(fz, 50)) {
			fz_valid_edid(fz);
			break;
		}
		/* else sizes 0, odd, huge; bytes valid-looking or not. */
		for (i = 0; i < sizeof(fz->edid); i++)
			fz->edid[i] = fz_rand(fz, 256);
		if (fz_chance(fz, 50)) {
			static const u8 hdr[] = {
				0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0
			};

			memcpy(fz->edid, hdr, sizeof(hdr));
			fz->edid[126] = fz_chance(fz, 50) ? 0 : fz_rand(fz, 4);
			/* A right checksum, sometimes: then more gets parsed. */
			if (fz_chance(fz, 50)) {
				u8 sum = 0;

				for (i = 0; i < EDID_LENGTH - 1; i++)
					sum += fz->edid[i];
				fz->edid[EDID_LENGTH - 1] = -sum;
			}
		}
		be->edid = fz->edid;
		be->edid_len = fz_rand(fz, sizeof(fz->edid) + 1);
		switch (fz_rand(fz, 5)) {
		case 0:
			be->edid_sz = 0;
			break;
		case 1:
			be->edid_sz = EDID_LENGTH * (1 + fz_rand(fz, 4));
			break;
		case 2:
			be->edid_sz = fz_rand(fz, 2 * XENDISPL_EDID_MAX_SIZE);
			break;
		case 3:
			be->edid_sz = fz_rand(fz, 0);
			break;
		default:
			be->edid_sz = be->edid_len;
			break;
		}
		break;
	case 6:
		be->be_alloc_bad_gref = fz_chance(fz, 50) ? 0 :
			fz_chance(fz, 50) ? fz_rand(fz, 0) :
			FAKE_BE_GNT_FIRST + fz_rand(fz, 16);
		be->be_alloc_zero_gref = fz_chance(fz, 10);
		break;
	default:
		/* Back to good manners. */
		memset(be->status, 0, sizeof(be->status));
		memset(be->drop, 0, sizeof(be->drop));
		be->id_delta = 0;
		be->op_override = 0;
		be->auto_flip_evt = true;
		be->edid = NULL;
		be->be_alloc_bad_gref = 0;
		be->be_alloc_zero_gref = false;
		break;
	}
}

/* One hostile act on connector @conn's rings. Rings must be live. */
static void fz_hostile(struct fz *fz, unsigned int conn)
{
	struct fake_be *be = &fz->kd.be;
	struct fake_be_conn *c = &be->conn[conn];
	const struct fake_be_req *last;
	unsigned long flags;
	u32 v;

	static const u8 calm_acts[] = { 2, 3, 5, 6, 7, 8, 9 };
	u32 act = fz_rand(fz, 12);

	/* Calm: nothing that breaks the ring (events, IRQs, answers, manners). */
	if (fz->calm)
		act = calm_acts[act % ARRAY_SIZE(calm_acts)];
	fz_total_actions++;
	switch (act) {
	case 0:
		/* A response of our making: any id, operation, status. */
		last = fz_chance(fz, 50) ? fake_be_last(be, fz_pick_op(fz)) : NULL;
		fake_be_respond_raw(be, conn,
				    last ? last->req.id : fz_rand(fz, 0x10000),
				    last ? last->req.operation : fz_pick_op(fz),
				    fz_statuses[fz_rand(fz, ARRAY_SIZE(fz_statuses))],
				    fz_chance(fz, 80));
		break;
	case 1:
		/*
		 * rsp_prod anywhere: far ahead, behind, a little ahead. The
		 * driver gives the ring up: not too often, or nothing else
		 * gets fuzzed.
		 */
		if (fz_chance(fz, 60)) {
			fake_be_process(be, conn);
			break;
		}
		spin_lock_irqsave(&be->lock, flags);
		v = c->ring.sring->rsp_prod;
		switch (fz_rand(fz, 4)) {
		case 0:
			v += 1 + fz_rand(fz, 4);
			break;
		case 1:
			v -= 1 + fz_rand(fz, 4);
			break;
		case 2:
			v += 0x80000000u;
			break;
		default:
			v = fz_rand(fz, 0);
			break;
		}
		WRITE_ONCE(c->ring.sring->rsp_prod, v);
		spin_unlock_irqrestore(&be->lock, flags);
		fake_irq_raise(c->req_irq);
		break;
	case 2:
	case 3:
		/* An event: flip of an existing, stale or unknown fb. */
		fake_be_send_event(be, conn,
				   fz_chance(fz, 80) ? XENDISPL_EVT_PG_FLIP :
				   fz_rand(fz, 256),
				   fz_pick_cookie(fz), fz_chance(fz, 90));
		break;
	case 4:
		/* The event page's indexes. */
		spin_lock_irqsave(&be->lock, flags);
		if (fz_chance(fz, 50)) {
			v = fz_chance(fz, 50) ? c->evt_prod + fz_rand(fz, 80) :
				fz_rand(fz, 0);
			c->evt_prod = v;
			WRITE_ONCE(c->evt_page->in_prod, v);
		} else {
			WRITE_ONCE(c->evt_page->in_cons,
				   c->evt_page->in_cons + fz_rand(fz, 80) - 40);
		}
		spin_unlock_irqrestore(&be->lock, flags);
		fake_irq_raise(c->evt_irq);
		break;
	case 5:
		/* Spurious interrupts. */
		fake_irq_raise(fz_chance(fz, 50) ? c->req_irq : c->evt_irq);
		break;
	case 6:
	case 7:
		/* A late answer to whatever waits. */
		fake_be_process(be, conn);
		break;
	default:
		fz_mutate_backend(fz);
		break;
	}
}

static void fz_late_work(struct work_struct *work)
{
	struct fz *fz = container_of(to_delayed_work(work), struct fz,
				     late_work);
	unsigned int i;

	if (!fz_live(fz))
		return;
	for (i = 0; i < fz->kd.be.num_conns; i++)
		fake_be_process(&fz->kd.be, i);
}

/* The same response again (the last request logged). */
static void fz_answer_twice(struct fz *fz, unsigned int conn)
{
	struct fake_be *be = &fz->kd.be;
	struct xendispl_req req;
	unsigned long flags;
	bool any;

	spin_lock_irqsave(&be->lock, flags);
	any = be->num_log;
	if (any)
		req = be->log[be->num_log - 1].req;
	spin_unlock_irqrestore(&be->lock, flags);
	if (any)
		fake_be_respond_raw(be, conn, req.id, req.operation, 0, true);
}

/* The driver sent a request: answer it, or not, or worse. */
static void fz_notify(int irq, void *data)
{
	struct fz *fz = data;
	struct fake_be *be = &fz->kd.be;
	unsigned long flags;
	unsigned int conn;
	u32 r;

	for (conn = 0; conn < be->num_conns; conn++)
		if (be->conn[conn].req_irq == irq)
			break;
	if (conn == be->num_conns)
		return;
	r = fz_rand(fz, 100);
	if (fz->calm && r >= 97) {
		/* Calm: a late answer, within the timeout. */
		spin_lock_irqsave(&fz->lock, flags);
		if (fz->rings_live)
			schedule_delayed_work(&fz->late_work,
					      msecs_to_jiffies(FZ_REQ_TIMEOUT_MS / 3));
		spin_unlock_irqrestore(&fz->lock, flags);
	} else if (r < 60 || fz->calm) {
		fake_be_process(be, conn);
	} else if (r < 68) {
		/* Never (or later, from the test's own steps). */
	} else if (r < 76) {
		/* Late: within the timeout or after it. */
		spin_lock_irqsave(&fz->lock, flags);
		if (fz->rings_live)
			schedule_delayed_work(&fz->late_work,
					      msecs_to_jiffies(prandom_u32_state(&fz->rnd) %
							       (2 * FZ_REQ_TIMEOUT_MS)));
		spin_unlock_irqrestore(&fz->lock, flags);
	} else if (r < 82) {
		fake_be_process(be, conn);
		fz_answer_twice(fz, conn);
	} else if (r < 86) {
		/* Garbage first, then the answer. */
		fz_hostile(fz, conn);
		fake_be_process(be, conn);
	} else {
		fz_hostile(fz, conn);
		if (fz_chance(fz, 50))
			fake_be_process(be, conn);
	}
}

/* ---- the driver's normal work, and the oracles ---- */

/* A driver call returned @ret after starting at @start: note and judge. */
static void fz_done(struct fz *fz, const char *what, int ret, ktime_t start,
		    s64 limit_ms)
{
	s64 ms = ktime_ms_delta(ktime_get(), start);

	fz_note(what, ret);
	if (ms <= limit_ms)
		return;
	fz_findings++;
	KUNIT_FAIL(fz->test, "seed %u: %s returned %d after %lld ms (limit %lld)",
		   fz->seed, what, ret, ms, limit_ms);
}

/* The DRM device was unplugged under our client: let go of the rest. */
static void fz_user_gone(struct fz *fz)
{
	if (!fz->kd.drm || fz->kd.client_open)
		return;
	/* Released with the client's file. */
	memset(fz->fbs, 0, sizeof(fz->fbs));
	memset(fz->fb, 0, sizeof(fz->fb));
	fz->kd.drm = NULL;
}

/* User space closes the card. */
static void fz_drop_user(struct fz *fz)
{
	unsigned int i;

	fz_user_gone(fz);
	if (!fz->kd.drm)
		return;
	for (i = 0; i < FZ_MAX_FBS; i++)
		if (fz->fb[i])
			kt_fb_destroy(&fz->kd, &fz->fbs[i]);
	memset(fz->fbs, 0, sizeof(fz->fbs));
	memset(fz->fb, 0, sizeof(fz->fb));
	kt_client_close(&fz->kd);
	fz->kd.drm = NULL;
}

static void fz_attach(struct fz *fz, bool hostile)
{
	unsigned long flags;
	int ret;

	ret = kt_be_attach(&fz->kd);
	if (ret) {
		fz_findings++;
		KUNIT_FAIL(fz->test, "seed %u: cannot attach the backend: %d",
			   fz->seed, ret);
		return;
	}
	if (hostile)
		fake_irq_set_notify_hook(fz_notify, fz);
	spin_lock_irqsave(&fz->lock, flags);
	fz->rings_live = true;
	spin_unlock_irqrestore(&fz->lock, flags);
}

/* A new DRM device: did the backend's EDID make it? */
static void fz_note_edid(struct fz *fz)
{
	struct xen_drm_front_drm_info *drm_info = fz->kd.front_info->drm_info;
	unsigned int i;

	if (fz->kd.front_info->cfg.version < 2)
		return;
	for (i = 0; i < drm_info->num_pipelines; i++) {
		if (drm_info->pipeline[i].drm_edid)
			fz_note("driver: backend's EDID used", 0);
		else
			fz_note("driver: backend's EDID refused", -EBADMSG);
	}
}

/* After a backend state change: follow what the driver did. */
static void fz_follow(struct fz *fz, bool hostile)
{
	struct kt_dev *kd = &fz->kd;
	enum xenbus_state st;

	fz_user_gone(fz);
	flush_work(&kd->front_info->reconnect_work);
	st = kd->fdev->xb.state;
	if (!fz_live(fz) && kd->front_info->evt_pairs &&
	    (st == XenbusStateInitialised || st == XenbusStateConnected))
		fz_attach(fz, hostile);
	if (st == XenbusStateConnected && kd->front_info->drm_info &&
	    !kd->drm && kd->front_info->drm_info->drm_dev->registered) {
		kd->drm = kd->front_info->drm_info->drm_dev;
		if (kt_client_open(kd))
			kd->drm = NULL;
		else
			fz_note_edid(fz);
	}
}

static const char *const fz_good_res[] = {
	"640x480", "800x600", "64x64", "1024x768",
};

static const char *const fz_bad_res[] = {
	"", "0x0", "x", "640x", "-640x480", "640x480x3", "99999x99999",
	"4294967296x1", "640 x 480", "640x480\n", "abc", "8193x64", "+64x64",
	"0640x0480", "64x64 ",
};

static const char *const fz_versions[] = {
	"1", "2", "1,2", "2,1", "3", "0", ",", "1,,2", "99999999999", "abc",
	"1,2,3,4,5,6,7,8,9", " 2", "-2",
};

static const char *const fz_be_alloc[] = {
	"2", "yes", "", "-1", "01", "1 ",
};

static const char *const fz_good_versions[] = {
	"1", "2", "1,2", "2,1", "1,2,3",
};

/*
 * XenStore: what the toolstack wrote, and what the backend writes. Mostly
 * good values (a device that comes up is where the rest of the fuzzing
 * happens); one field in eight configurations is garbage.
 */
static void fz_garble_config(struct fz *fz)
{
	struct fake_xb_dev *fdev = fz->kd.fdev;
	unsigned int i, n = fz->num_conns + (fz_chance(fz, 5) ? 1 : 0);
	int bad = fz_chance(fz, 12) ? fz_rand(fz, 4) : -1;
	char path[96], uid[80];
	u32 r;

	for (i = 0; i < n && i < FZ_MAX_CONNS + 1; i++) {
		if (bad == 0 && fz_chance(fz, 50))
			fake_xb_write_conn(fdev, i, XENDISPL_FIELD_RESOLUTION,
					   fz_bad_res[fz_rand(fz, ARRAY_SIZE(fz_bad_res))]);
		else
			fake_xb_write_conn(fdev, i, XENDISPL_FIELD_RESOLUTION,
					   fz_good_res[fz_rand(fz, ARRAY_SIZE(fz_good_res))]);
		r = fz_rand(fz, 10);
		if (bad != 1 && r < 5) {
			snprintf(path, sizeof(path), "%s/%u/%s", fdev->nodename,
				 i, XENDISPL_FIELD_UNIQUE_ID);
			fake_xs_rm(path);
			continue;
		}
		if (bad != 1)
			snprintf(uid, sizeof(uid), "uid-%u", fz_rand(fz, 100));
		else if (r < 4)
			snprintf(uid, sizeof(uid), "%070u", r);
		else if (r < 7)
			snprintf(uid, sizeof(uid), "a b\tc");
		else
			uid[0] = 0;
		fake_xb_write_conn(fdev, i, XENDISPL_FIELD_UNIQUE_ID, uid);
	}
	snprintf(path, sizeof(path), "%s/%s", fdev->nodename,
		 XENDISPL_FIELD_BE_ALLOC);
	fake_xs_write(path, bad == 2 ?
		      fz_be_alloc[fz_rand(fz, ARRAY_SIZE(fz_be_alloc))] :
		      fz_chance(fz, 30) ? "1" : "0");
	snprintf(path, sizeof(path), "%s/%s", fdev->otherend,
		 XENDISPL_FIELD_BE_VERSIONS);
	if (bad == 3)
		fake_xs_write(path, fz_versions[fz_rand(fz, ARRAY_SIZE(fz_versions))]);
	else if (fz_chance(fz, 30))
		fake_xs_rm(path);
	else
		fake_xs_write(path, fz_good_versions[fz_rand(fz, ARRAY_SIZE(fz_good_versions))]);
}

static const enum xenbus_state fz_states[] = {
	XenbusStateUnknown, XenbusStateInitialising, XenbusStateInitWait,
	XenbusStateInitialised, XenbusStateConnected, XenbusStateClosing,
	XenbusStateClosed, XenbusStateReconfiguring, XenbusStateReconfigured,
};

static const char *const fz_state_what[] = {
	"backend Unknown", "backend Initialising", "backend InitWait",
	"backend Initialised", "backend Connected", "backend Closing",
	"backend Closed", "backend Reconfiguring", "backend Reconfigured",
};

static void fz_backend_state(struct fz *fz)
{
	struct kt_dev *kd = &fz->kd;
	enum xenbus_state fe = kd->fdev->xb.state, be;
	unsigned int i, fatals = kd->fdev->fatal_count;
	ktime_t start;

	if (fe == XenbusStateInitialising && fz_chance(fz, 60))
		i = 2;
	else if (fe == XenbusStateInitialised && fz_chance(fz, 60))
		i = 4;
	else
		i = fz_rand(fz, ARRAY_SIZE(fz_states));
	be = fz_states[i];
	if (be == XenbusStateInitWait && fz_chance(fz, 30))
		fz_garble_config(fz);
	/* The DRM device reads the EDID as it comes up. */
	if (be == XenbusStateConnected && fz_live(fz) && fz_chance(fz, 40))
		fz_valid_edid(fz);
	/* These tear our rings down: no more hostile writes into them. */
	if ((be == XenbusStateClosing || be == XenbusStateUnknown ||
	     be == XenbusStateClosed || be == XenbusStateInitialising) &&
	    (fe == XenbusStateInitialised || fe == XenbusStateConnected))
		fz_rings_dead(fz);
	start = ktime_get();
	kt_backend_state(kd, be);
	fz_done(fz, fz_state_what[i], kd->fdev->fatal_count != fatals ?
		kd->fdev->fatal_err : 0, start, FZ_CALL_LIMIT_MS);
	fz_follow(fz, true);
}

/*
 * xl save/restore: the backend forgets us and a new one comes up, xenbus
 * calls resume() with the frontend back in Initialising; the DRM device
 * goes on and is re-created on whatever backend comes next.
 */
static void fz_restore(struct fz *fz)
{
	struct kt_dev *kd = &fz->kd;
	ktime_t start;
	int ret;

	if (kd->fdev->xb.state != XenbusStateConnected)
		return;
	fz_rings_dead(fz);
	fake_xb_set_backend_state(kd->fdev, fz_chance(fz, 50) ?
				  XenbusStateInitialising :
				  XenbusStateInitWait);
	kd->fdev->xb.state = XenbusStateInitialising;
	start = ktime_get();
	ret = xen_drm_front_xenbus_driver.resume(&kd->fdev->xb);
	fz_done(fz, "restore", ret, start, FZ_CALL_LIMIT_MS);
	fz_follow(fz, true);
}

/* A framebuffer of ours, or -1. */
static int fz_pick_fb(struct fz *fz)
{
	unsigned int i = fz_rand(fz, FZ_MAX_FBS);

	return fz->fb[i] ? i : -1;
}

/* A new framebuffer in a free slot, the pipe's size mostly. */
static int fz_new_fb(struct fz *fz, struct xen_drm_front_drm_pipeline *pipeline,
		     bool odd_size)
{
	struct kt_dev *kd = &fz->kd;
	struct kt_fb *kfb;
	ktime_t start = ktime_get();
	u32 w = pipeline->width, h = pipeline->height;
	int ret, i;

	for (i = 0; i < FZ_MAX_FBS; i++)
		if (!fz->fb[i])
			break;
	if (i == FZ_MAX_FBS)
		return -ENOSPC;
	kfb = &fz->fbs[i];
	if (odd_size) {
		w = 1 + fz_rand(fz, 2048);
		h = 1 + fz_rand(fz, 2048);
	}
	ret = kt_fb_create(kd, kfb, w, h, DRM_FORMAT_XRGB8888, 32);
	fz_done(fz, "fb create", ret, start, FZ_CALL_LIMIT_MS);
	if (ret) {
		kt_fb_destroy(kd, kfb);
		return ret;
	}
	/* From here only the file holds it. */
	fz->fb[i] = kfb->fb;
	drm_framebuffer_put(kfb->fb);
	kfb->fb = NULL;
	return 0;
}

/*
 * What a client does: two framebuffers, a modeset, flips between them
 * (each waited for a little), sometimes a modeset off and on in between.
 */
static void fz_flip_burst(struct fz *fz, unsigned int pipe,
			  struct xen_drm_front_drm_pipeline *pipeline)
{
	struct kt_dev *kd = &fz->kd;
	unsigned int n = 2 + fz_rand(fz, 6), k;
	int a = -1, b = -1, i, ret;
	ktime_t start;

	for (i = 0; i < FZ_MAX_FBS && (a < 0 || b < 0); i++) {
		if (!fz->fb[i])
			continue;
		if (a < 0)
			a = i;
		else
			b = i;
	}
	while (a < 0 || b < 0) {
		if (fz_new_fb(fz, pipeline, false))
			return;
		for (i = 0; i < FZ_MAX_FBS; i++)
			if (fz->fb[i] && i != a && i != b)
				break;
		if (i == FZ_MAX_FBS)
			return;
		if (a < 0)
			a = i;
		else
			b = i;
	}
	start = ktime_get();
	ret = kt_commit_enable(kd, pipe, fz->fb[a]);
	fz_done(fz, "modeset", ret, start, FZ_CALL_LIMIT_MS);
	if (ret)
		return;
	for (k = 0; k < n; k++) {
		if (!kd->drm || !kd->client_open)
			return;
		if (fz_chance(fz, 10)) {
			start = ktime_get();
			ret = kt_commit_enable(kd, pipe, fz_chance(fz, 50) ?
					       NULL : fz->fb[k & 1 ? a : b]);
			fz_done(fz, "modeset", ret, start, FZ_CALL_LIMIT_MS);
			continue;
		}
		start = ktime_get();
		ret = kt_commit_flip(kd, pipe, fz->fb[k & 1 ? a : b]);
		fz_done(fz, "flip", ret, start, FZ_CALL_LIMIT_MS);
		if (ret)
			return;
		start = ktime_get();
		fz_done(fz, kt_wait_flip_done(kd, pipe, 2 * FZ_FRAME_DONE_MS) ?
			"flip done" : "flip not done in time", 0, start,
			FZ_CALL_LIMIT_MS);
	}
}

static void fz_driver_work(struct fz *fz)
{
	struct kt_dev *kd = &fz->kd;
	unsigned int pipe, n = kd->front_info->drm_info->num_pipelines;
	struct xen_drm_front_drm_pipeline *pipeline;
	struct kt_fb *kfb;
	ktime_t start;
	u32 w, h;
	int ret, i;

	pipe = fz_rand(fz, n);
	pipeline = kt_pipeline(kd, pipe);
	start = ktime_get();
	switch (fz_rand(fz, 9)) {
	case 0:
	case 1:
		i = fz_rand(fz, FZ_MAX_FBS);
		if (fz->fb[i])
			break;
		kfb = &fz->fbs[i];
		w = pipeline->width;
		h = pipeline->height;
		if (fz_chance(fz, 10)) {
			w = 1 + fz_rand(fz, 2048);
			h = 1 + fz_rand(fz, 2048);
		}
		ret = kt_fb_create(kd, kfb, w, h, DRM_FORMAT_XRGB8888, 32);
		fz_done(fz, "fb create", ret, start, FZ_CALL_LIMIT_MS);
		if (ret) {
			kt_fb_destroy(kd, kfb);
			break;
		}
		/* From here only the file holds it. */
		fz->fb[i] = kfb->fb;
		drm_framebuffer_put(kfb->fb);
		kfb->fb = NULL;
		break;
	case 2:
		i = fz_pick_fb(fz);
		if (i < 0)
			break;
		kt_fb_destroy(kd, &fz->fbs[i]);
		fz->fb[i] = NULL;
		fz_done(fz, "fb destroy", 0, start, FZ_CALL_LIMIT_MS);
		break;
	case 3:
		i = fz_pick_fb(fz);
		ret = kt_commit_enable(kd, pipe, i >= 0 && fz_chance(fz, 85) ?
				       fz->fb[i] : NULL);
		fz_done(fz, "modeset", ret, start, FZ_CALL_LIMIT_MS);
		break;
	case 4:
	case 5:
		i = fz_pick_fb(fz);
		/* No framebuffer to flip to: make one, as a client would. */
		if (i < 0 && fz_new_fb(fz, pipeline, false) == 0)
			i = fz_pick_fb(fz);
		if (i < 0)
			break;
		/* Mostly onto a lit display: else it is no flip. */
		if (!pipeline->pipe.crtc.state->active && fz_chance(fz, 80)) {
			ret = kt_commit_enable(kd, pipe, fz->fb[i]);
			fz_done(fz, "modeset", ret, start, FZ_CALL_LIMIT_MS);
			i = fz_pick_fb(fz);
			if (ret || i < 0)
				break;
			start = ktime_get();
		}
		ret = kt_commit_flip(kd, pipe, fz->fb[i]);
		fz_done(fz, "flip", ret, start, FZ_CALL_LIMIT_MS);
		break;
	case 6:
		fz_flip_burst(fz, pipe, pipeline);
		break;
	case 7:
		mutex_lock(&kd->drm->mode_config.mutex);
		ret = pipeline->conn.funcs->fill_modes(&pipeline->conn, 8192,
						       8192);
		mutex_unlock(&kd->drm->mode_config.mutex);
		fz_done(fz, "probe modes", ret > 0 ? 0 : ret ? ret : -ENOENT,
			start, FZ_CALL_LIMIT_MS);
		break;
	default:
		kt_commits_idle(kd);
		fz_done(fz, "commits idle", 0, start, FZ_CALL_LIMIT_MS);
		break;
	}
}

/* Raise the IRQs of rings that are gone (or now belong to new rings). */
static void fz_after_teardown(struct fz *fz)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fz->old_irqs); i++)
		if (fz->old_irqs[i] && fz_chance(fz, 50))
			fake_irq_raise(fz->old_irqs[i]);
}

/* What the driver did about it: rings it gave up on, hotplugs. */
static void fz_observe(struct fz *fz)
{
	struct xen_drm_front_info *front_info = fz->kd.front_info;
	unsigned int i;

	/* The reconnect worker may be re-creating them. */
	down_read(&front_info->pairs_sem);
	for (i = 0; i < front_info->num_evt_pairs; i++) {
		if (READ_ONCE(front_info->evt_pairs[i].req.state) ==
		    EVTCHNL_STATE_BROKEN)
			fz_note("driver: request ring given up", -EPROTO);
		if (READ_ONCE(front_info->evt_pairs[i].evt.state) ==
		    EVTCHNL_STATE_BROKEN)
			fz_note("driver: event page given up", -EPROTO);
	}
	up_read(&front_info->pairs_sem);
	if (atomic_xchg(&fz->kd.hotplugs, 0))
		fz_note("driver: hotplug (link bad)", -EIO);
}

/* The driver's own request statistics of the device, before unbind. */
static void fz_note_stats(struct fz *fz)
{
	struct xen_drm_front_info *front_info = fz->kd.front_info;
	unsigned int i;

	for (i = 0; i < XEN_DRM_FRONT_STATS_SLOTS; i++) {
		const struct xen_drm_front_op_stats *st = &front_info->stats.op[i];
		int op = XEN_DRM_FRONT_STATS_OP_FIRST + i;

		if (st->timeouts)
			fz_note("driver: requests timed out, op", op);
		if (st->errors)
			fz_note("driver: requests failed, op", op);
		if (st->not_sent)
			fz_note("driver: requests not sent, op", op);
	}
}

static void fz_step(struct fz *fz)
{
	struct kt_dev *kd = &fz->kd;
	struct fake_be *be = &kd->be;
	unsigned long flags;
	u32 r = fz_rand(fz, 100);

	fz_total_steps++;
	/* Calm: state changes and hostile acts in 5 and 10 steps of 100. */
	if (fz->calm && r >= 5 && r < 20)
		r = 30;
	else if (fz->calm && r >= 65 && r < 92)
		r = fz_chance(fz, 60) ? 30 : r;
	if (r < 20) {
		fz_backend_state(fz);
	} else if (r < 22) {
		fz_restore(fz);
	} else if (r < 55 && kd->drm && kd->client_open &&
		   kd->front_info->drm_info) {
		fz_driver_work(fz);
	} else if (r < 92 && fz_live(fz)) {
		fz_hostile(fz, fz_rand(fz, be->num_conns));
	} else if (r < 96) {
		fz_garble_config(fz);
	} else {
		fz_after_teardown(fz);
	}
	fz_observe(fz);
	if (fz_live(fz)) {
		fz_learn_cookies(fz);
		spin_lock_irqsave(&be->lock, flags);
		if (be->num_log > FAKE_BE_LOG / 2)
			be->num_log = 0;
		spin_unlock_irqrestore(&be->lock, flags);
	}
	/* The fake keeps the first FAKE_MAX_STATES switches only. */
	if (kd->fdev->num_states > FAKE_MAX_STATES / 2) {
		flush_work(&kd->front_info->reconnect_work);
		kd->fdev->num_states = 0;
	}
}

/* The good configuration of the recovery: one 640x480 connector, v2. */
static void fz_good_config(struct fz *fz)
{
	struct fake_xb_dev *fdev = fz->kd.fdev;
	char path[96];
	unsigned int i;

	for (i = 0; i < FZ_MAX_CONNS + 1; i++) {
		snprintf(path, sizeof(path), "%s/%u/%s", fdev->nodename, i,
			 XENDISPL_FIELD_RESOLUTION);
		fake_xs_rm(path);
		snprintf(path, sizeof(path), "%s/%u/%s", fdev->nodename, i,
			 XENDISPL_FIELD_UNIQUE_ID);
		fake_xs_rm(path);
	}
	kt_write_config(fdev, 1, "640x480", false);
	snprintf(path, sizeof(path), "%s/%s", fdev->otherend,
		 XENDISPL_FIELD_BE_VERSIONS);
	fake_xs_write(path, "1,2");
}

/* A well-behaved backend: buffers, a modeset and a flip must work. */
static void fz_expect_working(struct fz *fz, const char *where)
{
	struct kunit *test = fz->test;
	struct kt_dev *kd = &fz->kd;
	struct kt_fb a = {}, b = {};
	int ret;

	ret = kt_fb_create(kd, &a, 640, 480, DRM_FORMAT_XRGB8888, 32);
	if (!ret)
		ret = kt_fb_create(kd, &b, 640, 480, DRM_FORMAT_XRGB8888, 32);
	if (!ret)
		ret = kt_commit_enable(kd, 0, a.fb);
	if (!ret)
		ret = kt_commit_flip_sync(kd, 0, b.fb);
	if (!ret && !kt_wait_flip_done(kd, 0, 2000))
		ret = -ETIMEDOUT;
	if (ret) {
		fz_findings++;
		KUNIT_FAIL(test, "seed %u: %s: the device does not work with a good backend: %d",
			   fz->seed, where, ret);
	}
	kt_commits_idle(kd);
	kt_fb_destroy(kd, &a);
	kt_fb_destroy(kd, &b);
}

/* Then the backend behaves: the same xenbus device must work again. */
static void fz_recover_same(struct fz *fz)
{
	struct kunit *test = fz->test;
	struct kt_dev *kd = &fz->kd;
	enum xenbus_state st = kd->fdev->xb.state;

	/* Refused (xenbus_dev_fatal): dead until unbound, by design. */
	if (st == XenbusStateClosing || st == XenbusStateClosed) {
		fz_note("recovery: device closed (fatal)", kd->fdev->fatal_err);
		return;
	}
	fz_rings_dead(fz);
	fz_good_config(fz);
	if (st == XenbusStateInitialised || st == XenbusStateConnected)
		kt_backend_state(kd, XenbusStateClosed);
	fz_drop_user(fz);
	flush_work(&kd->front_info->reconnect_work);
	if (kd->fdev->xb.state != XenbusStateInitialising) {
		fz_findings++;
		KUNIT_FAIL(test, "seed %u: frontend %s after the backend closed, not Initialising",
			   fz->seed, xenbus_strstate(kd->fdev->xb.state));
		return;
	}
	kd->fdev->num_states = 0;
	kt_backend_state(kd, XenbusStateInitWait);
	fz_follow(fz, false);
	kt_backend_state(kd, XenbusStateConnected);
	fz_follow(fz, false);
	if (!kd->drm) {
		fz_findings++;
		KUNIT_FAIL(test, "seed %u: no DRM device with a good backend (frontend %s, fatal %d)",
			   fz->seed, xenbus_strstate(kd->fdev->xb.state),
			   kd->fdev->fatal_err);
		return;
	}
	fz_note("recovery: same device", 0);
	fz_expect_working(fz, "same device");
}

/* Unbind: remove() must return in time and leave nothing behind. */
static void fz_unbind(struct fz *fz)
{
	struct kunit *test = fz->test;
	struct kt_dev *kd = &fz->kd;
	bool keep = fz_chance(fz, 30);
	unsigned int leaks, errors;
	ktime_t start;

	fz_rings_dead(fz);
	fz_note_stats(fz);
	/* Sometimes user space still holds buffers across the unbind. */
	if (!keep)
		fz_drop_user(fz);
	start = ktime_get();
	xen_drm_front_xenbus_driver.remove(&kd->fdev->xb);
	kd->removed = true;
	fz_done(fz, "unbind", 0, start, FZ_REMOVE_LIMIT_MS);
	fz_drop_user(fz);
	kt_dev_down(kd);
	leaks = fake_xen_leaks(test);
	errors = fake_xen_errors();
	if (leaks || errors) {
		fz_findings++;
		KUNIT_FAIL(test, "seed %u: after unbind: %u leaked, %u misuses of the fake",
			   fz->seed, leaks, errors);
	}
}

/* A fresh device on a good backend: bound, working, unbound cleanly. */
static void fz_fresh_device(struct fz *fz)
{
	struct kunit *test = fz->test;
	struct kt_dev *kd = &fz->kd;
	int ret;

	memset(kd, 0, sizeof(*kd));
	memset(fz->fbs, 0, sizeof(fz->fbs));
	fake_xen_reset();
	ret = kt_dev_up(test, kd, 1, "640x480", false);
	if (ret) {
		fz_findings++;
		KUNIT_FAIL(test, "seed %u: a fresh device does not come up: %d",
			   fz->seed, ret);
	} else {
		fz_expect_working(fz, "fresh device");
	}
	kt_dev_down(kd);
	if (fake_xen_leaks(test) || fake_xen_errors()) {
		fz_findings++;
		KUNIT_FAIL(test, "seed %u: fresh device leaked", fz->seed);
	}
}

/*
 * A calm iteration starts with the device up: InitWait, Connected (an EDID
 * of random contents, valid, half the time), the DRM device opened.
 */
static void fz_come_up(struct fz *fz)
{
	struct kt_dev *kd = &fz->kd;
	unsigned int fatals = kd->fdev->fatal_count;
	ktime_t start = ktime_get();

	kt_backend_state(kd, XenbusStateInitWait);
	fz_follow(fz, true);
	if (fz_live(fz) && fz_chance(fz, 50))
		fz_valid_edid(fz);
	kt_backend_state(kd, XenbusStateConnected);
	fz_done(fz, "calm start: backend Connected",
		kd->fdev->fatal_count != fatals ? kd->fdev->fatal_err : 0,
		start, FZ_CALL_LIMIT_MS);
	fz_follow(fz, true);
}

/* One iteration: a device, a hostile backend for a while, the oracles. */
static void fz_iteration(struct fz *fz, u32 seed)
{
	struct kunit *test = fz->test;
	struct kt_dev *kd = &fz->kd;
	unsigned int steps, i;
	int ret;

	fz->seed = seed;
	prandom_seed_state(&fz->rnd, seed);
	memset(kd, 0, sizeof(*kd));
	memset(fz->fbs, 0, sizeof(fz->fbs));
	memset(fz->fb, 0, sizeof(fz->fb));
	memset(fz->old_irqs, 0, sizeof(fz->old_irqs));
	fz->num_cookies = 0;
	fz->rings_live = false;
	fake_xen_reset();

	fz->num_conns = 1 + fz_rand(fz, FZ_MAX_CONNS);
	fz->calm = fz_chance(fz, 35);
	ret = kt_dev_probe(test, kd, fz->num_conns, "640x480", false);
	if (ret) {
		KUNIT_FAIL(test, "seed %u: probe: %d", seed, ret);
		kt_dev_down(kd);
		return;
	}
	fz_garble_config(fz);
	if (fz->calm)
		fz_come_up(fz);
	steps = 8 + fz_rand(fz, 48);
	for (i = 0; i < steps; i++)
		fz_step(fz);
	fz_recover_same(fz);
	fz_unbind(fz);
	fz_fresh_device(fz);
	fz_total_iters++;
}

static int fz_init(struct kunit *test)
{
	struct fz *fz;

	fz = kunit_kzalloc(test, sizeof(*fz), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fz);
	fz->test = test;
	spin_lock_init(&fz->lock);
	INIT_DELAYED_WORK(&fz->late_work, fz_late_work);
	test->priv = fz;
	xen_drm_front_req_timeout_ms = FZ_REQ_TIMEOUT_MS;
	xen_drm_front_frame_done_timeout_ms = FZ_FRAME_DONE_MS;
	return 0;
}

static void fz_exit(struct kunit *test)
{
	struct fz *fz = test->priv;

	cancel_delayed_work_sync(&fz->late_work);
	fake_irq_set_notify_hook(NULL, NULL);
	xen_drm_front_req_timeout_ms = XEN_DRM_FRONT_REQ_TIMEOUT_MS;
	xen_drm_front_frame_done_timeout_ms = XEN_DRM_FRONT_FRAME_DONE_TIMEOUT_MS;
}

/* ---- the run: slices of iterations, then the figures ---- */

#define FZ_SLICE_ITERS		100
#define FZ_MAX_SLICES		64

static unsigned int fz_slice_ids[FZ_MAX_SLICES];
static u32 fz_next_seed;
static ktime_t fz_run_start;

static unsigned int fz_num_slices(void)
{
	unsigned int n;

	if (fuzz_seconds)
		n = DIV_ROUND_UP(fuzz_seconds, FZ_SLICE_SECONDS);
	else
		n = DIV_ROUND_UP(fuzz_iters, FZ_SLICE_ITERS);
	return clamp(n, 1u, (unsigned int)FZ_MAX_SLICES);
}

static const void *fz_gen_slices(const void *prev, char *desc)
{
	const unsigned int *id = prev ? (const unsigned int *)prev + 1 :
		fz_slice_ids;
	unsigned int i;

	if (!prev)
		for (i = 0; i < FZ_MAX_SLICES; i++)
			fz_slice_ids[i] = i;
	if (id - fz_slice_ids >= fz_num_slices())
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "slice %u", *id);
	return id;
}

static void fz_run(struct kunit *test)
{
	struct fz *fz = test->priv;
	unsigned int slice = *(const unsigned int *)test->param_value;
	unsigned long iters = 0;
	ktime_t end;

	if (!slice) {
		fz_run_start = ktime_get();
		fz_next_seed = fuzz_seed;
	}
	end = ktime_add_ms(fz_run_start,
			   min_t(u64, (u64)(slice + 1) * FZ_SLICE_SECONDS,
				 fuzz_seconds) * MSEC_PER_SEC);
	for (;;) {
		if (fuzz_seconds && ktime_after(ktime_get(), end))
			break;
		if (!fuzz_seconds && (iters >= FZ_SLICE_ITERS ||
				      fz_next_seed - fuzz_seed >= fuzz_iters))
			break;
		fz_iteration(fz, fz_next_seed++);
		iters++;
		cond_resched();
	}
	kunit_info(test, "fuzz: slice %u: %lu iterations, seeds up to %u\n",
		   slice, iters, fz_next_seed - 1);
}

/* The figures of the run; fails if the fuzzer reached too little. */
static void fz_report(struct kunit *test)
{
	unsigned int i, errors = 0;

	for (i = 0; i < fz_num_outcomes; i++) {
		errors += fz_outcomes[i].ret != 0;
		kunit_info(test, "fuzz: outcome %-28s %6d x%lu\n",
			   fz_outcomes[i].what, fz_outcomes[i].ret,
			   fz_outcomes[i].count);
	}
	kunit_info(test, "fuzz: seeds %u..%u: %lu iterations, %lu steps, %lu hostile acts, %u distinct outcomes, %u of them errors, %lu findings\n",
		   fuzz_seed, fz_next_seed - 1, fz_total_iters, fz_total_steps,
		   fz_total_actions, fz_num_outcomes, errors, fz_findings);
	KUNIT_EXPECT_GT(test, fz_total_iters, 0);
	KUNIT_EXPECT_EQ(test, fz_findings, 0);
	/* A fuzzer that reaches no error path is broken, not a good result. */
	KUNIT_EXPECT_GE(test, errors, 8);
}

static struct kunit_case fz_cases[] = {
	KUNIT_CASE_PARAM(fz_run, fz_gen_slices),
	KUNIT_CASE(fz_report),
	{}
};

static struct kunit_suite fz_suite = {
	.name = "xen_drm_front_fuzz",
	.init = fz_init,
	.exit = fz_exit,
	.test_cases = fz_cases,
};
kunit_test_suite(fz_suite);
