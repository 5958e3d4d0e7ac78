#!/bin/bash
# Route mode with the real programs: pqbranch-agent and pqbranch-edge-stub rotate ESP keys
# every second (TLS 1.3, X25519MLKEM768, ML-DSA-65 certificates) while a 1100/s UDP stream
# crosses for >= 50 rotations (1-2 min on a busy 2-core host): zero lost or duplicated,
# only ESP and the key service's TLS on the underlay, one consistent SA set at the end
# (tests/vm/guest/tunnel_happy_path.sh). Two CPUs: the outbound switch must hold with packets
# in flight on another CPU (kOutboundDrain), and the sender keeps its rate.
# vm-timeout: 600
# vm-programs: packaged
# vm-smp: 2
# Two emulated CPUs but one host core claimed: the rotations wait for their 1 s interval, so
# the VM uses about one core on average (measured: 181 s of CPU in 173 s), and a one-CPU VM
# runs beside it.
# vm-cores: 1
# 50 rotations, not tunnel_policy's 100: the switch itself is the same code in both modes
# (route mode differs in the xfrm interface and its if_id on SAs and policies, which every
# rotation exercises), and each rotation costs about 2.5 s of the gate's VM time.
TUN_MODE=route TUN_ROTATIONS=50
source "$PQB_SOURCE_DIR/tests/vm/guest/tunnel_happy_path.sh"
