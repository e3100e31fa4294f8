/* SPDX-License-Identifier: MIT */
/*
 * XenStore side: discovering vdispl devices under our backend directory,
 * the XenBus state machine (normal, recovery and restart flows), and the
 * connection of the per-connector rings and event channels.
 *
 * Backend states we write: InitWait when ready for (re)connection,
 * Connected once the rings are mapped, Closing -> Closed to make a stale or
 * faulted frontend disconnect. libxl's `xl create` waits (~20 s) for
 * InitWait, so a new device gets it at once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <xenstore.h>
#include <xenevtchn.h>

#include "vdispl-be.h"

extern xenevtchn_handle *g_xce;

struct device *g_devs;
static struct xs_handle *xsh;
static char be_root[96];

#define RESET_STEP_NS    (200 * 1000000ll)   /* Closing -> Closed -> InitWait */
#define RESTART_DELAY_NS (1000 * 1000000ll)  /* close:N + --restart */

static const char *state_name(int s)
{
	static const char *const n[] = { "Unknown", "Initialising", "InitWait",
		"Initialised", "Connected", "Closing", "Closed", "Reconfiguring",
		"Reconfigured" };
	return s >= 0 && s < (int)ARRAY_SIZE(n) ? n[s] : "missing";
}

static char *rd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *rd(const char *fmt, ...)
{
	char path[512];
	unsigned int len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return xs_read(xsh, XBT_NULL, path, &len);
}

/* Strict decimal parse of a whole string; false on junk. */
static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static int rd_int(int def, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rd_int(int def, const char *fmt, ...)
{
	char path[512], *s;
	unsigned int len;
	uint32_t v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	s = xs_read(xsh, XBT_NULL, path, &len);
	if (!s)
		return def;
	if (!parse_u32(s, &v) || v > INT32_MAX)
		v = (uint32_t)def;
	free(s);
	return (int)v;
}

/*
 * Writes a backend node, but only while the device still exists: writing
 * after the toolstack removed the directory would resurrect it.
 */
static bool be_write(struct device *d, const char *node, const char *val)
{
	char path[256], fe_node[256];

	snprintf(path, sizeof(path), "%s/%s", d->be_path, node);
	snprintf(fe_node, sizeof(fe_node), "%s/frontend", d->be_path);
	for (int tries = 0; tries < 5; tries++) {
		xs_transaction_t t = xs_transaction_start(xsh);
		unsigned int len;
		bool ok;
		char *fe;

		if (t == XBT_NULL)
			return false;
		fe = xs_read(xsh, t, fe_node, &len);
		if (!fe) {
			xs_transaction_end(xsh, t, true);   /* device gone */
			return false;
		}
		free(fe);
		if (!strcmp(node, "state")) {
			/*
			 * Never overwrite a Closing/Closed that someone else
			 * (libxl removing the device: online=0, state=5) wrote
			 * since our last write: libxl then waits 10 s for a
			 * Closed that never comes.
			 */
			char *cur = xs_read(xsh, t, path, &len);
			int s = cur ? atoi(cur) : -1;
			bool offline;

			free(cur);
			snprintf(fe_node, sizeof(fe_node), "%s/online", d->be_path);
			cur = xs_read(xsh, t, fe_node, &len);
			offline = cur && !strcmp(cur, "0");
			free(cur);
			snprintf(fe_node, sizeof(fe_node), "%s/frontend", d->be_path);
			if ((s != d->be_state && (s == XB_CLOSING || s == XB_CLOSED)) ||
			    (offline && strcmp(val, "6"))) {
				if (s != XB_CLOSED)
					s = XB_CLOSING;
				xs_transaction_end(xsh, t, true);
				d->foreign_state = s;
				return false;
			}
		}
		if (val)
			ok = xs_write(xsh, t, path, val, strlen(val));
		else
			ok = xs_rm(xsh, t, path) || errno == ENOENT;
		if (!ok) {
			xs_transaction_end(xsh, t, true);
			return false;
		}
		if (xs_transaction_end(xsh, t, false))
			return true;
		if (errno != EAGAIN)
			return false;
	}
	return false;
}

static void toolstack_close(struct device *d, int s);

static void be_set_state(struct device *d, int state, const char *why)
{
	char v[8];

	snprintf(v, sizeof(v), "%d", state);
	d->foreign_state = -1;
	if (!be_write(d, "state", v)) {
		if (d->foreign_state >= 0) {
			toolstack_close(d, d->foreign_state);
			return;
		}
		info("%u/%u: cannot write state %d: %s", d->fe_domid, d->devid, state,
		     strerror(errno));
		return;
	}
	d->be_state = state;
	trace("%.3f %u/%u STATE be=%d %s (%s)", t_rel(), d->fe_domid, d->devid, state,
	      state_name(state), why);
	info("%u/%u: backend -> %s (%s)", d->fe_domid, d->devid, state_name(state), why);
	status_dirty();
}

static void enter_initwait(struct device *d, const char *why)
{
	if (opt.versions)
		be_write(d, "versions", opt.versions);
	else
		be_write(d, "versions", NULL);
	d->mode = DM_WAIT;
	d->timer_ns = 0;
	be_set_state(d, XB_INITWAIT, why);
}

static void start_reset(struct device *d, const char *why)
{
	if (++d->resets > 3) {
		note(d, -1, "frontend still Connected after 3 resets: waiting in InitWait");
		enter_initwait(d, "giving up resets");
		return;
	}
	d->mode = DM_RESET;
	d->reset_step = 1;
	d->timer_ns = now_ns() + RESET_STEP_NS;
	be_set_state(d, XB_CLOSING, why);
}

/* ------------------------------------------------------------------ */
/* Connection                                                          */

static void conn_unbind(struct connector *c)
{
	if (c->req_port >= 0)
		xenevtchn_unbind(g_xce, (evtchn_port_t)c->req_port);
	if (c->evt_port >= 0 && c->evt_port != c->req_port)
		xenevtchn_unbind(g_xce, (evtchn_port_t)c->evt_port);
	c->req_port = c->evt_port = -1;
	if (c->sring)
		xops->unmap(c->sring, 1);
	if (c->evt_page)
		xops->unmap(c->evt_page, 1);
	conn_detach(c);
}

/* Tear the connection down; @why != NULL dumps the frames first. */
static void dev_disconnect(struct device *d, const char *why)
{
	if (d->mode != DM_CONNECTED)
		return;
	if (why)
		dev_dump(d, why);
	for (unsigned int i = 0; i < d->nconns; i++)
		conn_unbind(&d->conns[i]);
	dev_free_buffers(d);   /* keeps a copy of what was displayed */
	d->mode = DM_WAIT;
	d->close_pending = false;
	status_dirty();
}

static bool versions_has(const char *list, const char *v)
{
	size_t n = strlen(v);
	const char *p = list;

	while (p && *p) {
		if (!strncmp(p, v, n) && (p[n] == ',' || p[n] == 0))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static bool parse_resolution(const char *s, struct mode *m)
{
	char w[16], h[16];
	const char *x = s ? strchr(s, 'x') : NULL;

	if (!x || x - s >= (long)sizeof(w) || strlen(x + 1) >= sizeof(h))
		return false;
	memcpy(w, s, (size_t)(x - s));
	w[x - s] = 0;
	strcpy(h, x + 1);
	return parse_u32(w, &m->w) && parse_u32(h, &m->h) && m->w && m->h &&
	       m->w <= 16384 && m->h <= 16384;
}

static int conn_read_config(struct device *d, unsigned int i)
{
	struct connector *c = &d->conns[i];
	static const char *const nodes[] = { "req-ring-ref", "req-event-channel",
		"evt-ring-ref", "evt-event-channel" };
	uint32_t *vals[] = { &c->req_ref, &c->req_remote_port, &c->evt_ref, &c->evt_remote_port };
	char *s;

	for (size_t k = 0; k < ARRAY_SIZE(nodes); k++) {
		s = rd("%s/%u/%s", d->fe_path, i, nodes[k]);
		if (!parse_u32(s, vals[k]) || (k % 2 == 0 && *vals[k] == 0)) {
			violation(d, (int)i, "frontend node %u/%s is %s%s%s", i, nodes[k],
				  s ? "\"" : "missing", s ? s : "", s ? "\"" : "");
			free(s);
			return -1;
		}
		free(s);
	}
	s = rd("%s/%u/unique-id", d->fe_path, i);
	snprintf(c->unique_id, sizeof(c->unique_id), "%s", s ? s : "");
	if (!s)
		note(d, (int)i, "connector %u has no unique-id", i);
	free(s);
	return 0;
}

static int conn_connect(struct device *d, unsigned int i)
{
	struct connector *c = &d->conns[i];
	void *ring, *evt;
	int port;

	ring = xops->map(d->fe_domid, 1, &c->req_ref, true);
	if (!ring) {
		violation(d, (int)i, "cannot map req-ring-ref %u: %s", c->req_ref, strerror(errno));
		return -1;
	}
	evt = xops->map(d->fe_domid, 1, &c->evt_ref, true);
	if (!evt) {
		violation(d, (int)i, "cannot map evt-ring-ref %u: %s", c->evt_ref, strerror(errno));
		xops->unmap(ring, 1);
		return -1;
	}
	if (conn_attach(c, ring, evt) != 0) {
		xops->unmap(ring, 1);
		xops->unmap(evt, 1);
		return -1;
	}
	port = xenevtchn_bind_interdomain(g_xce, d->fe_domid, c->req_remote_port);
	if (port < 0) {
		violation(d, (int)i, "cannot bind req-event-channel %u: %s", c->req_remote_port,
			  strerror(errno));
		conn_unbind(c);
		return -1;
	}
	c->req_port = port;
	port = xenevtchn_bind_interdomain(g_xce, d->fe_domid, c->evt_remote_port);
	if (port < 0) {
		violation(d, (int)i, "cannot bind evt-event-channel %u: %s", c->evt_remote_port,
			  strerror(errno));
		conn_unbind(c);
		return -1;
	}
	c->evt_port = port;
	return 0;
}

static void dev_connect(struct device *d)
{
	char *s;
	unsigned int i, n = 0;

	s = rd("%s/be-alloc", d->fe_path);
	d->be_alloc = s && !strcmp(s, "1");
	free(s);

	d->version = 0;
	s = rd("%s/version", d->fe_path);
	if (s) {
		uint32_t v;
		const char *ours = opt.versions ? opt.versions : "1";
		if (!parse_u32(s, &v) || !versions_has(ours, s))
			violation(d, -1, "frontend version \"%s\" is not one of the backend's \"%s\"%s",
				  s, opt.versions ? opt.versions : "",
				  opt.versions ? "" : " (none published: 1 implied)");
		else
			d->version = (int)v;
		info("%u/%u: protocol version %s", d->fe_domid, d->devid, s);
		free(s);
	} else {
		info("%u/%u: frontend wrote no version: protocol version unspecified",
		     d->fe_domid, d->devid);
		if (opt.versions)
			note(d, -1, "frontend wrote no \"version\" although versions=\"%s\"",
			     opt.versions);
	}

	for (i = 0; i < MAX_CONNECTORS; i++) {
		struct connector *c = &d->conns[i];
		struct mode m;

		s = rd("%s/%u/resolution", d->fe_path, i);
		if (!s)
			break;
		if (!parse_resolution(s, &m)) {
			violation(d, (int)i, "connector %u resolution \"%s\" is invalid", i, s);
			free(s);
			goto fail;
		}
		free(s);
		c->dev = d;
		c->idx = i;
		c->res = m;
		c->req_port = c->evt_port = -1;
		n++;
	}
	if (i == MAX_CONNECTORS && (s = rd("%s/%u/resolution", d->fe_path, i))) {
		note(d, -1, "more than %d connectors: ignoring the rest", MAX_CONNECTORS);
		free(s);
	}
	if (!n) {
		violation(d, -1, "no connectors (%s/0/resolution missing)", d->fe_path);
		goto fail;
	}
	for (i = n; i < d->nconns; i++)
		conn_reset_display(&d->conns[i]);
	d->nconns = n;
	for (i = 0; i < n; i++) {
		/* a new connection starts with a blank display */
		conn_reset_display(&d->conns[i]);
		if (conn_read_config(d, i) != 0)
			goto fail;
	}
	for (i = 0; i < n; i++) {
		if (conn_connect(d, i) != 0) {
			while (i--)
				conn_unbind(&d->conns[i]);
			goto fail;
		}
	}
	d->mode = DM_CONNECTED;
	d->flips = 0;
	d->resets = 0;
	for (i = 0; i < n; i++)
		info("%u/%u: connector %u: %ux%u unique-id \"%s\" ring %u/port %d evt %u/port %d",
		     d->fe_domid, d->devid, i, d->conns[i].res.w, d->conns[i].res.h,
		     d->conns[i].unique_id, d->conns[i].req_ref, d->conns[i].req_port,
		     d->conns[i].evt_ref, d->conns[i].evt_port);
	be_set_state(d, XB_CONNECTED, d->be_alloc ? "rings mapped, be-alloc" : "rings mapped");
	for (i = 0; i < n && d->mode == DM_CONNECTED; i++)
		conn_process_ring(&d->conns[i]);
	return;
fail:
	/* fatal for this connection: tell the frontend, accept a new attempt later */
	d->mode = DM_CLOSED;
	d->restart_allowed = true;
	be_set_state(d, XB_CLOSING, "connect failed");
	if (d->restart_allowed)   /* else the toolstack is closing it: done */
		be_set_state(d, XB_CLOSED, "connect failed");
}

/* ------------------------------------------------------------------ */
/* Frontend state machine                                              */

static void fe_changed(struct device *d, bool force)
{
	int fe = rd_int(-1, "%s/state", d->fe_path);
	int old = d->fe_state;

	if (!force && fe == old)
		return;   /* watches fire on every write, act on transitions */
	d->fe_state = fe;
	if (fe != old) {
		trace("%.3f %u/%u STATE fe=%d %s", t_rel(), d->fe_domid, d->devid, fe,
		      state_name(fe));
		info("%u/%u: frontend -> %s", d->fe_domid, d->devid, state_name(fe));
		status_dirty();
	}

	switch (d->mode) {
	case DM_NEW:
		break;
	case DM_RESET:
		if (fe < 0) {
			/* frontend gone: no InitWait for a dying device */
			d->mode = DM_WAIT;
			d->timer_ns = 0;
		}
		break;   /* otherwise timers drive it */
	case DM_WAIT:
		if (fe == XB_INITIALISED)
			dev_connect(d);
		else if (fe == XB_INITIALISING && old != XB_INITIALISING)
			/* (re)initialising frontend: make it see InitWait again */
			enter_initwait(d, "frontend initialising");
		else if (fe == XB_CONNECTED)
			start_reset(d, "frontend connected to a previous backend");
		break;
	case DM_CONNECTED:
		if (fe == XB_INITIALISED && old == XB_CONNECTED) {
			/*
			 * Re-published rings without waiting for our InitWait
			 * (or we read Initialising too late): start over.
			 */
			note(d, -1, "frontend went Connected -> Initialised: reconnecting");
			dev_disconnect(d, "frontend re-initialised");
			dev_connect(d);
			break;
		}
		if (fe == XB_CONNECTED || fe == XB_INITIALISED)
			break;
		if (fe == XB_CLOSING) {
			/*
			 * xenbus' shutdown path waits (5 s) for backend Closing,
			 * drm_xen_front's remove polls (1 s) for InitWait: give
			 * both, Closing at once (before the slow frame dump; our
			 * grant mappings keep the frames alive) and InitWait
			 * shortly after.
			 */
			be_set_state(d, XB_CLOSING, "frontend closing");
			if (d->mode != DM_CONNECTED)
				break;   /* the toolstack closed it meanwhile */
			dev_disconnect(d, "frontend disconnect");
			d->mode = DM_RESET;
			d->reset_step = 2;
			d->timer_ns = now_ns() + RESET_STEP_NS;
			break;
		}
		dev_disconnect(d, "frontend disconnect");
		if (fe < 0)
			break;   /* frontend gone: the toolstack removes the device */
		/* ready for a reconnection */
		enter_initwait(d, "frontend left Connected");
		break;
	case DM_CLOSED:
		if (fe < 0)
			d->timer_ns = 0;   /* no restart for a vanished frontend */
		else if (fe == XB_INITIALISING && old != XB_INITIALISING && d->restart_allowed)
			enter_initwait(d, "frontend initialising after close");
		break;
	}
}

static struct device *dev_find(unsigned int dom, unsigned int devid)
{
	for (struct device *d = g_devs; d; d = d->next)
		if (d->fe_domid == dom && d->devid == devid)
			return d;
	return NULL;
}

static struct device *dev_new(unsigned int dom, unsigned int devid)
{
	struct device *d;
	char *fe;
	int fe_state, fe_id;

	fe = rd("%s/%u/%u/frontend", be_root, dom, devid);
	if (!fe)
		return NULL;   /* toolstack not done yet: a later watch retries */
	d = calloc(1, sizeof(*d));
	if (!d) {
		free(fe);
		return NULL;
	}
	d->fe_domid = dom;
	d->devid = devid;
	snprintf(d->be_path, sizeof(d->be_path), "%s/%u/%u", be_root, dom, devid);
	snprintf(d->fe_path, sizeof(d->fe_path), "%s", fe);
	free(fe);
	snprintf(d->fe_watch_token, sizeof(d->fe_watch_token), "fe/%u/%u", dom, devid);
	for (unsigned int i = 0; i < MAX_CONNECTORS; i++) {
		d->conns[i].dev = d;
		d->conns[i].idx = i;
		d->conns[i].req_port = d->conns[i].evt_port = -1;
	}
	fe_id = rd_int(-1, "%s/frontend-id", d->be_path);
	if (fe_id != (int)dom)
		note(d, -1, "backend frontend-id is %d, directory says %u", fe_id, dom);
	d->be_state = rd_int(-1, "%s/state", d->be_path);
	fe_state = rd_int(-1, "%s/state", d->fe_path);
	d->fe_state = -2;   /* first watch event counts as a transition */
	d->mode = DM_NEW;
	d->next = g_devs;
	g_devs = d;
	info("%u/%u: new device, frontend %s (state %d), backend state %d",
	     dom, devid, d->fe_path, fe_state, d->be_state);
	trace("%.3f %u/%u DEVICE new fe=%s fe_state=%d be_state=%d", t_rel(), dom, devid,
	      d->fe_path, fe_state, d->be_state);

	{
		char path[300];
		snprintf(path, sizeof(path), "%s/state", d->fe_path);
		if (!xs_watch(xsh, path, d->fe_watch_token))
			info("cannot watch %s: %s", path, strerror(errno));
	}

	if (fe_state == XB_CONNECTED ||
	    (fe_state == XB_INITIALISED && d->be_state != XB_INITWAIT)) {
		/* a previous backend instance connected it: make it start over */
		start_reset(d, "stale connection at startup");
	} else {
		/* fe Initialised + be InitWait: rings are unused, the watch connects */
		enter_initwait(d, "new device");
	}
	status_dirty();
	return d;
}

static void dev_gone(struct device *d)
{
	char path[300];
	struct device **pp;

	info("%u/%u: device removed", d->fe_domid, d->devid);
	trace("%.3f %u/%u DEVICE removed", t_rel(), d->fe_domid, d->devid);
	dev_disconnect(d, "device removed");
	snprintf(path, sizeof(path), "%s/state", d->fe_path);
	xs_unwatch(xsh, path, d->fe_watch_token);
	for (pp = &g_devs; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	for (unsigned int i = 0; i < MAX_CONNECTORS; i++)
		conn_reset_display(&d->conns[i]);
	free(d);
	status_dirty();
}

/* Someone else (the toolstack) wrote our state Closing/Closed: honour it. */
static void toolstack_close(struct device *d, int s)
{
	info("%u/%u: toolstack set backend state %d", d->fe_domid, d->devid, s);
	d->be_state = s;   /* accept it, so that our Closed may follow */
	dev_disconnect(d, "toolstack close");
	d->mode = DM_CLOSED;
	d->restart_allowed = false;
	d->timer_ns = 0;
	be_set_state(d, XB_CLOSED, "toolstack close");
}

static void check_be_state(struct device *d)
{
	int s = rd_int(-1, "%s/state", d->be_path);
	int online = rd_int(-1, "%s/online", d->be_path);

	if (s >= 0 && s != d->be_state && (s == XB_CLOSING || s == XB_CLOSED))
		toolstack_close(d, s);
	else if (online == 0 && d->be_state != XB_CLOSED)
		/* libxl's remove: online=0 + state=5 (maybe equal to ours) */
		toolstack_close(d, s == XB_CLOSED ? XB_CLOSED : XB_CLOSING);
}

static void rescan(void)
{
	unsigned int ndom = 0, ndev;
	char **doms, **devs;
	struct device *d, *nx;

	doms = xs_directory(xsh, XBT_NULL, be_root, &ndom);
	for (unsigned int i = 0; doms && i < ndom && i < 4096; i++) {
		uint32_t dom, devid;
		char path[200];

		if (!parse_u32(doms[i], &dom))
			continue;
		snprintf(path, sizeof(path), "%s/%u", be_root, dom);
		devs = xs_directory(xsh, XBT_NULL, path, &ndev);
		for (unsigned int j = 0; devs && j < ndev && j < 256; j++) {
			if (!parse_u32(devs[j], &devid))
				continue;
			d = dev_find(dom, devid);
			if (!d)
				dev_new(dom, devid);
		}
		free(devs);
	}
	free(doms);
	/* devices whose backend directory went away are gone */
	for (d = g_devs; d; d = nx) {
		char *fe;
		nx = d->next;
		fe = rd("%s/frontend", d->be_path);
		if (!fe)
			dev_gone(d);
		else
			check_be_state(d);
		free(fe);
	}
}

int xs_setup(void)
{
	xsh = xs_open(0);
	if (!xsh) {
		info("xs_open: %s", strerror(errno));
		return -1;
	}
	snprintf(be_root, sizeof(be_root), "/local/domain/%u/backend/vdispl", opt.domid);
	/* xenstored fires a watch once at registration: that does the first scan */
	if (!xs_watch(xsh, be_root, "be")) {
		info("xs_watch %s: %s", be_root, strerror(errno));
		return -1;
	}
	info("watching %s", be_root);
	return xs_fileno(xsh);
}

void xs_handle_watches(void)
{
	bool scan = false;

	for (int i = 0; i < 1000; i++) {
		char **w = xs_check_watch(xsh);
		const char *tok;

		if (!w)
			break;
		tok = w[XS_WATCH_TOKEN];
		if (!strcmp(tok, "be")) {
			scan = true;
		} else if (!strncmp(tok, "fe/", 3)) {
			for (struct device *d = g_devs; d; d = d->next)
				if (!strcmp(d->fe_watch_token, tok)) {
					fe_changed(d, false);
					break;
				}
		}
		free(w);
	}
	if (scan)
		rescan();
}

void xs_run_timers(int64_t now, int64_t *next_due)
{
	for (struct device *d = g_devs, *nx; d; d = nx) {
		nx = d->next;
		if (d->close_pending) {
			d->close_pending = false;
			dev_request_close(d);
		}
		if (d->mode == DM_CONNECTED)
			for (unsigned int i = 0; i < d->nconns; i++)
				conn_run_timers(&d->conns[i], now, next_due);
		if (!d->timer_ns)
			continue;
		if (d->timer_ns > now) {
			if (!*next_due || d->timer_ns < *next_due)
				*next_due = d->timer_ns;
			continue;
		}
		d->timer_ns = 0;
		if (d->mode == DM_RESET && d->reset_step == 1) {
			be_set_state(d, XB_CLOSED, "reset");
			d->reset_step = 2;
			d->timer_ns = now + RESET_STEP_NS;
			if (!*next_due || d->timer_ns < *next_due)
				*next_due = d->timer_ns;
		} else if (d->mode == DM_RESET || (d->mode == DM_CLOSED && d->restart_allowed)) {
			enter_initwait(d, d->mode == DM_RESET ? "reset done" : "restart after close");
			fe_changed(d, true);
		}
	}
}

void xs_port_event(int port)
{
	for (struct device *d = g_devs; d; d = d->next) {
		if (d->mode != DM_CONNECTED)
			continue;
		for (unsigned int i = 0; i < d->nconns; i++) {
			struct connector *c = &d->conns[i];
			if (c->req_port == port) {
				conn_process_ring(c);
				return;
			}
			if (c->evt_port == port) {
				/* the frontend made room: retry queued events now */
				conn_run_timers(c, now_ns(), NULL);
				return;
			}
		}
	}
}

/* close:N fault (or --fault-random): Closing, unmap everything, Closed;
 * --restart (always with --fault-random): InitWait later */
void dev_request_close(struct device *d)
{
	if (d->mode != DM_CONNECTED)
		return;
	info("%u/%u: close fault after %llu requests", d->fe_domid, d->devid,
	     (unsigned long long)g_requests);
	trace("%.3f %u/%u FAULT close", t_rel(), d->fe_domid, d->devid);
	be_set_state(d, XB_CLOSING, "close fault");
	if (d->mode != DM_CONNECTED)
		return;   /* the toolstack closed it meanwhile */
	dev_disconnect(d, "close fault");
	be_set_state(d, XB_CLOSED, "close fault");
	d->mode = DM_CLOSED;
	/* --fault-random closes after breaking a ring: the run goes on */
	d->restart_allowed = opt.restart || opt.fault == FAULT_RANDOM;
	d->timer_ns = d->restart_allowed ? now_ns() + RESTART_DELAY_NS : 0;
}

void dump_all(const char *why)
{
	for (struct device *d = g_devs; d; d = d->next)
		if (d->nconns)
			dev_dump(d, why);
}
