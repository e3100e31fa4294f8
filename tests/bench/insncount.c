// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * insncount: a QEMU TCG plugin for `make bench` (tests/bench/run.sh, icount mode).
 *
 * Counts the instructions each emulated CPU executes and, whenever a guest executes
 * one of xbench's marker instructions, writes every CPU's count so far to out=FILE:
 *
 *   mark <code> <id> <vcpu> <count of cpu 0> <count of cpu 1> ...
 *
 * With the bench's domU pinned to one physical CPU of Xen and dom0 to the other, the
 * difference between two marks on the domU's CPU is what that guest (and Xen working
 * for it) executed in between: a cost no host load or host I/O timing can move, unlike
 * run time taken from any clock (in icount mode the clock also advances while the
 * other CPU runs, and host-delayed I/O shifts that interleaving).
 *
 * A marker is the 7-byte no-op "nopl disp32(%rax)" (0f 1f 80) whose displacement is
 * INSN_MARK_MAGIC | code (code in the low byte); codes: 0 begin, 1 end, 2 and 3 a 0 or
 * 1 bit of the id that the next begin or end carries (least significant bit first),
 * so that marks can be told apart without reading guest registers, which this plugin
 * API version (QEMU 7.2's, version 1) cannot do.
 *
 * With prof=1 it also profiles each marked stretch: at its end mark it writes, for every
 * translated block the marking CPU executed since the begin mark, the instructions
 * executed there and the times it ran ("prof <id> <vaddr> <instructions> <runs>",
 * blocks at the same address merged; a function's first block runs once per call);
 * tests/bench/report.py maps the addresses to the guest's functions. The profile
 * assumes one thread runs all CPUs, as in icount mode (the only one that loads it).
 *
 * Build: cc -shared -fPIC -O2 -o insncount.so insncount.c (no QEMU headers needed:
 * the few entry points of the stable plugin API used are declared below).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
#define INSN_MARK_MAGIC 0x49534e00u
#define MAX_CPUS 64

/* QEMU's plugin API, version 1 (QEMU 7.2), as documented in its qemu-plugin.h */
typedef uint64_t qemu_plugin_id_t;
typedef struct {
	const char *target_name;
	struct { int min, cur; } version;
	bool system_emulation;
	union { struct { int smp_vcpus, max_vcpus; } system; };
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *udata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *udata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags, void *udata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags, void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *udata);
void qemu_plugin_outs(const char *string);

EXPORT int qemu_plugin_version = 1;

/*
 * Per CPU; each CPU's slot is written by the thread running that CPU only (icount
 * mode runs them all in one thread anyway).
 */
static uint64_t count[MAX_CPUS];
static uint32_t id_bits[MAX_CPUS], id_len[MAX_CPUS];
static unsigned int ncpus = 1;
static FILE *out;

/*
 * The profile: one record per translated block (never freed: QEMU may run a block
 * after a flush of its cache has begun, and a record is small). A block executed in
 * a profiled stretch goes on the "touched" list once, so that the end mark writes and
 * resets only those.
 */
struct tb_rec {
	uint64_t vaddr;
	uint64_t insns;		/* executed in the current stretch, on prof_cpu */
	uint64_t execs;		/* times the block ran in it */
	unsigned int n;
	struct tb_rec *next_touched;
};

static bool prof;
static int prof_cpu = -1;
static struct tb_rec *touched;
static struct tb_rec end_of_list;

static void on_tb(unsigned int cpu, void *udata)
{
	struct tb_rec *r = udata;

	if (cpu >= MAX_CPUS)
		return;
	count[cpu] += r->n;
	if ((int)cpu != prof_cpu)
		return;
	if (!r->next_touched) {
		r->next_touched = touched;
		touched = r;
	}
	r->insns += r->n;
	r->execs++;
}

static int cmp_vaddr(const void *a, const void *b)
{
	const struct tb_rec *x = *(struct tb_rec * const *)a, *y = *(struct tb_rec * const *)b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* write (if asked) the stretch's profile, blocks at one address merged; reset it */
static void prof_dump(uint32_t id, bool write)
{
	struct tb_rec *r, **v;
	size_t n = 0, i;
	uint64_t sum, execs;

	for (r = touched; r != &end_of_list; r = r->next_touched)
		n++;
	v = write ? malloc((n ? n : 1) * sizeof(*v)) : NULL;
	for (i = 0, r = touched; r != &end_of_list; r = r->next_touched)
		if (v)
			v[i++] = r;
	if (v) {
		qsort(v, n, sizeof(*v), cmp_vaddr);
		for (i = 0; i < n; i++) {
			sum = v[i]->insns;
			execs = v[i]->execs;
			while (i + 1 < n && v[i + 1]->vaddr == v[i]->vaddr) {
				sum += v[++i]->insns;
				execs += v[i]->execs;
			}
			fprintf(out, "prof %u %llx %llu %llu\n", id,
				(unsigned long long)v[i]->vaddr, (unsigned long long)sum,
				(unsigned long long)execs);
		}
		free(v);
	}
	while (touched != &end_of_list) {
		r = touched;
		touched = r->next_touched;
		r->next_touched = NULL;
		r->insns = 0;
		r->execs = 0;
	}
}

static void on_mark(unsigned int cpu, void *udata)
{
	unsigned int code = (uintptr_t)udata, i;

	if (cpu >= MAX_CPUS || !out)
		return;
	if (code == 2 || code == 3) {
		if (id_len[cpu] < 32)
			id_bits[cpu] |= (uint32_t)(code - 2) << id_len[cpu];
		id_len[cpu]++;
		return;
	}
	fprintf(out, "mark %u %u %u", code, id_bits[cpu], cpu);
	for (i = 0; i < ncpus; i++)
		fprintf(out, " %llu", (unsigned long long)count[i]);
	fputc('\n', out);
	if (prof && code == 0) {
		/* what a stretch begun and never ended counted is dropped */
		prof_dump(id_bits[cpu], false);
		prof_cpu = cpu;
	} else if (prof && code == 1 && (int)cpu == prof_cpu) {
		prof_dump(id_bits[cpu], true);
		prof_cpu = -1;
	}
	fflush(out);
	id_bits[cpu] = 0;
	id_len[cpu] = 0;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	static const unsigned char prefix[3] = { 0x0f, 0x1f, 0x80 };
	size_t n = qemu_plugin_tb_n_insns(tb), i;

	struct tb_rec *r = calloc(1, sizeof(*r));

	(void)id;
	if (!r)
		abort();	/* counts missing a block would be wrong, not approximate */
	r->vaddr = qemu_plugin_tb_vaddr(tb);
	r->n = n;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb, QEMU_PLUGIN_CB_NO_REGS, r);
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const unsigned char *b = qemu_plugin_insn_data(insn);
		uint32_t disp;

		if (qemu_plugin_insn_size(insn) != 7 || memcmp(b, prefix, 3))
			continue;
		disp = b[3] | b[4] << 8 | b[5] << 16 | (uint32_t)b[6] << 24;
		if ((disp & ~0xffu) != INSN_MARK_MAGIC || (disp & 0xff) > 3)
			continue;
		qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS,
						       (void *)(uintptr_t)(disp & 0xff));
	}
}

static void on_qemu_exit(qemu_plugin_id_t id, void *udata)
{
	unsigned int i;

	(void)id;
	(void)udata;
	if (!out)
		return;
	fprintf(out, "total");
	for (i = 0; i < ncpus; i++)
		fprintf(out, " %llu", (unsigned long long)count[i]);
	fputc('\n', out);
	fclose(out);
	out = NULL;
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
			       char **argv)
{
	const char *path = NULL;
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else if (!strcmp(argv[i], "prof=1"))
			prof = true;
	if (!path || !info->system_emulation) {
		qemu_plugin_outs("insncount: needs out=FILE and system emulation\n");
		return 1;
	}
	out = fopen(path, "w");
	if (!out)
		return 1;
	ncpus = info->system.smp_vcpus;
	if (ncpus < 1 || ncpus > MAX_CPUS)
		ncpus = MAX_CPUS;
	touched = &end_of_list;
	fprintf(out, "insncount cpus %u prof %d\n", ncpus, prof);
	fflush(out);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
