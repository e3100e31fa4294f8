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
		      xen_drm_front_gem.o

obj-$(CONFIG_DRM_XEN_FRONTEND) += drm_xen_front.o

# KUnit: the driver's objects built in, over a fake Xen (tests/kunit/).
obj-$(CONFIG_DRM_XEN_FRONTEND_KUNIT_TEST) += tests/kunit/

else

KVER ?= $(shell ls /lib/modules 2>/dev/null | grep -- '-amd64$$' | sort -V | tail -n1)
KDIR ?= /lib/modules/$(KVER)/build
SRCS := $(wildcard xen_drm_front*.c xen_drm_front*.h)
# The kernel tree (linux-source-6.1) unpacked for checkpatch and KUnit.
KSRC ?= $(CURDIR)/build/linux

.PHONY: all modules clean lint checkpatch sparse w1 kunit rig run check bench setup

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_DRM_XEN_FRONTEND=m modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

setup:
	tests/setup.sh

# Lint: W=1 and sparse builds that must print no warning, and checkpatch.
lint: w1 sparse checkpatch

w1:
	tests/lint.sh w1

sparse:
	tests/lint.sh sparse

checkpatch:
	tests/lint.sh checkpatch

kunit:
	tests/kunit/run.sh

rig: modules
	tests/rig/run.sh --module ours --all

run: modules
	tests/rig/demo.sh

check:
	tests/check.sh

bench: modules
	tests/bench/run.sh

endif
