# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Kbuild part: this directory drops into drivers/gpu/drm/xen/ unchanged.
# Run directly, the rest of this file builds and checks the module out of
# tree (see README.md).

ifneq ($(KERNELRELEASE),)

drm_xen_front-objs := xen_drm_front.o \
		      xen_drm_front_kms.o \
		      xen_drm_front_conn.o \
		      xen_drm_front_evtchnl.o \
		      xen_drm_front_pgdir.o \
		      xen_drm_front_cfg.o \
		      xen_drm_front_gem.o \
		      xen_drm_front_debugfs.o

obj-$(CONFIG_DRM_XEN_FRONTEND) += drm_xen_front.o

# KUnit (tests/kunit/run.sh): the driver's objects built in with the test
# suites, over a fake Xen that defines the Xen calls (needs CONFIG_XEN=n).
drm_xen_front_kunit-y := $(drm_xen_front-objs) \
			 tests/kunit/fake_xen.o \
			 tests/kunit/helpers.o \
			 tests/kunit/cfg_test.o \
			 tests/kunit/evtchnl_test.o \
			 tests/kunit/pgdir_test.o \
			 tests/kunit/kms_test.o \
			 tests/kunit/front_test.o \
			 tests/kunit/debugfs_test.o \
			 tests/kunit/fuzz_test.o
CFLAGS_tests/kunit/helpers.o := -I$(srctree)/drivers/gpu/drm
CFLAGS_tests/kunit/kms_test.o := -I$(srctree)/drivers/gpu/drm
CFLAGS_tests/kunit/debugfs_test.o := -I$(srctree)/drivers/gpu/drm
CFLAGS_tests/kunit/fuzz_test.o := -I$(srctree)/drivers/gpu/drm
obj-$(CONFIG_DRM_XEN_FRONTEND_KUNIT_TEST) += drm_xen_front_kunit.o

else

.PHONY: all modules clean lint checkpatch sparse w1 kunit fuzz rig run check check-arm64 bench \
	setup dkms dkms-arm64 dkms-src dkms-install

all: modules

# Installs the build dependencies first (a no-op once they are there).
modules:
	tests/setup.sh build
	$(MAKE) -C "$$(tests/kdir.sh)" M=$(CURDIR) CONFIG_DRM_XEN_FRONTEND=m modules

clean:
	$(MAKE) -C "$$(tests/kdir.sh)" M=$(CURDIR) clean
	$(MAKE) -C tests/backend clean
	$(MAKE) -C tests/client clean

setup:
	tests/setup.sh all

# Lint: W=1 and sparse (C=2) builds that print no warning, checkpatch --strict.
lint:
	tests/setup.sh lint
	tests/lint.sh

kunit:
	tests/kunit/run.sh

# The KUnit fuzzer alone for FUZZ_SECONDS (default 1200) from seed
# FUZZ_SEED (default 1000); KASAN=1 in a KASAN kernel (build/kunit-kasan).
fuzz:
	tests/kunit/fuzz.sh

# Every rig scenario, with our module.
rig: modules
	$(MAKE) -C tests/backend
	$(MAKE) -C tests/client
	tests/rig/run.sh --module ours all

# The main job: boot the rig with our module and displ_be, draw a test
# picture, and leave QEMU's screendump of dom0's display in
# build/rig/screen.png. Installs what it needs.
run: modules
	tests/rig/demo.sh

# Everything: lint, DKMS, KUnit, rig scenarios (ours, and Debian's reference
# where it differs), PVH subsets, the Arm subset and the cross DKMS build for
# arm64 (tests/check.sh; CHECK_ARM64=0 leaves Arm out).
check:
	tests/check.sh

# The Arm rig (Xen 4.17 for Arm in qemu-system-aarch64): every arm64
# scenario with our module and with the upstream frontend as the reference.
check-arm64:
	tests/check.sh arm64

bench: modules
	tests/bench/run.sh

# DKMS (dkms.conf). The version is the driver's MODULE_VERSION.
VERSION := $(shell sed -n 's/^MODULE_VERSION("\([^"]*\)");.*/\1/p' xen_drm_front*.c | head -n1)
# What a DKMS source tree needs: no tests/, no build/.
DKMS_FILES := dkms.conf Makefile Kconfig $(wildcard xen_drm_front*.[ch])
DKMS_SRC ?= /usr/src/drm_xen_front-$(VERSION)

# Test: dkms add/build/install for the 6.1 kernel, then remove (no QEMU).
dkms:
	tests/dkms.sh

# Test: dkms add/build for Debian's arm64 6.1 kernel, cross (no QEMU).
dkms-arm64:
	tests/dkms-arm64.sh

# Copy the sources DKMS builds from to $(DKMS_SRC).
dkms-src:
	@test -n "$(VERSION)" || { echo "no MODULE_VERSION in xen_drm_front*.c" >&2; exit 1; }
	rm -rf "$(DKMS_SRC)"
	mkdir -p "$(DKMS_SRC)"
	cp $(DKMS_FILES) "$(DKMS_SRC)/"

# (Re)register with DKMS and install for every kernel that has headers;
# DKMS builds it for kernels installed later. Undo:
# dkms remove drm_xen_front/<version> --all; rm -r /usr/src/drm_xen_front-<version>
dkms-install:
	tests/setup.sh dkms
	dkms remove drm_xen_front/$(VERSION) --all >/dev/null 2>&1 || true
	$(MAKE) -s dkms-src
	dkms add drm_xen_front/$(VERSION)
	for k in $$(ls /lib/modules); do \
		[ ! -d "/lib/modules/$$k/build" ] || dkms install drm_xen_front/$(VERSION) -k "$$k" || exit 1; \
	done

endif
