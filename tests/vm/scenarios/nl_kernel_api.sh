#!/bin/bash
# NetlinkKernel's kernel-facing semantics on a kernel with ESP, GCM and xfrm interfaces
# (tests/vm/kernel_tests, GoogleTest): real SAs in both directions, larval SAs completed
# and expired, already_exists, install_pair's rollback, mapping updates, ownership.
source "$PQB_SOURCE_DIR/tests/vm/guest/scenario_lib.sh"
vm_modules
"$PQB_BUILD_DIR/tests/vm/pqb_vm_kernel_tests" --gtest_brief=1
