#!/bin/bash
# make fuzz: the KUnit fuzzer (tests/kunit/fuzz_test.c, suite
# xen_drm_front_fuzz) alone, for a time budget, then its figures.
#
#   FUZZ_SECONDS  how long to fuzz (default 1200)
#   FUZZ_SEED     seed of the first iteration (default 1000; make check's
#                 short pass runs seeds 1..100); iteration i uses seed+i
#   KASAN=1       in a KASAN kernel (tests/kunit/kasan, built in
#                 build/kunit-kasan, so the normal build cache stays valid)
#
# A failed iteration names its seed; rerun it alone with
#   tests/kunit/run.sh --kernel_args=drm_xen_front_kunit.fuzz_seed=S \
#       --kernel_args=drm_xen_front_kunit.fuzz_iters=1 'xen_drm_front_fuzz*'
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-1200}
seed=${FUZZ_SEED:-1000}
if [ "${KASAN:-0}" = 1 ]; then
	export KUNIT_BUILD_DIR=${KUNIT_BUILD_DIR:-$PWD/build/kunit-kasan}
	export KUNIT_CONFIG=drivers/gpu/drm/xen/tests/kunit/kasan
fi
out=${KUNIT_BUILD_DIR:-$PWD/build/kunit}

echo "fuzz: $secs s from seed $seed${KASAN:+ (KASAN=$KASAN)}"
tests/kunit/run.sh \
	--kernel_args=drm_xen_front_kunit.fuzz_seconds="$secs" \
	--kernel_args=drm_xen_front_kunit.fuzz_seed="$seed" \
	--timeout=$((secs + 900)) \
	'xen_drm_front_fuzz*'
rc=$?
grep -h 'fuzz: ' "$out/test.log" | sed 's/^[[:space:]]*# [a-z_]*: //'
exit $rc
