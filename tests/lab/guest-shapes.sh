#!/bin/bash
# guest-shapes.sh OUTDIR [SHAPES]  -- runs INSIDE the SoftRoCE VM (../shared/lab/rxe-vm), as root.
#
# Makes the fixture Tests/Fixtures/rxe-shapes/: real rdma_rxe traffic of the shapes no other
# real capture holds, one capture each (tcpdump on vethB, in the guest's tmpfs), with rxe's hw
# counters before and after each run and the tools' reports:
#   ipv6          ibv_rc_pingpong -n 20 -s 2048 over rxeA's and rxeB's IPv6 GIDs
#   vlan          the same over the GIDs of VLAN 100 (vethA.100, vethB.100: tagged frames)
#   cmp_swap      ib_atomic_bw -A CMP_AND_SWAP -n 50
#   uc_write      ib_write_bw -c UC -n 50 -s 4096 (UC RDMA WRITE: no ACKs)
#   uc_send       ib_send_bw -c UC -n 50 -s 4096
#   ud_pingpong   ibv_ud_pingpong -n 50 -s 512 (UD SEND_ONLY with a DETH, no ACKs)
#   ud_send       ib_send_bw -c UD -n 50 -s 512
#   rstream_4k    rstream -S 4096 -C 20 -I 5 (rsockets: each transfer an RDMA WRITE with
#                 immediate data, FIRST/MIDDLE/LAST_WITH_IMMEDIATE at MTU 1024; credits and
#                 the shutdown as zero-length WRITE_ONLY_WITH_IMMEDIATE; the connection made
#                 by rdma_cm's MADs, UD SEND_ONLY to QP 1)
#   rstream_small rstream -S 100 -C 50 -I 2 (WRITE_ONLY_WITH_IMMEDIATE)
#   send_imm      tests/lab/send-imm.c, built in the guest (libibverbs-dev, librdmacm-dev
#                 on the host): 30 RC SENDs with immediate data over rdma_cm, of 5000, 64
#                 and 0 bytes in turn (SEND_FIRST/MIDDLE/LAST_WITH_IMMEDIATE at MTU 1024,
#                 SEND_ONLY_WITH_IMMEDIATE); NAME.log holds the server's receive
#                 completions, each with its length and immediate data
#   nvmeof        NVMe over Fabrics: nvmet-rdma on rxeB exporting a null_blk device,
#                 nvme-rdma on rxeA; captured after the connect: dd reads 1 MiB (the target
#                 RDMA WRITEs it, then answers with SEND WITH INVALIDATE) and writes 512 KiB
#                 (the target RDMA READs it), both O_DIRECT in 64 KiB. NAME.blockstat holds
#                 /sys/block/NVME/stat and /sys/block/nullb0/stat before and after: the
#                 kernel's sectors read and written over the capture.
#   nvmeof_loss   the same with netem dropping 2 % of the RoCE packets vethA (the host) sends,
#                 from just after the capture starts to just before it ends, and dd reading
#                 and writing 1 MiB each; NAME.tc holds `tc -s qdisc show dev vethA` then:
#                 netem's own count of what it dropped.
# SHAPES (comma-separated) picks some of those, or:
#   long_pingpong ibv_rc_pingpong -n 1500 -s 2048 (FIRST and LAST at MTU 1024), 3 times each
#                 over IPv6 and IPv4 (runs ipv6_1, ipv4_1, ...), with tc's CE marks on vethA
#                 (roce_ce_marking): now and then the veth delivers a LAST before its FIRST,
#                 rxeB NAKs it (out_of_seq_request) and rxeA goes back (completer_retry_err),
#                 with nothing lost. Tests/Fixtures/rxe-veth-reorder holds two such windows.
# Writes OUTDIR/NAME.pcap, NAME.log (server and client), NAME.counters ("DEV COUNTER BEFORE
# AFTER"), NAME.tcpdump (tcpdump's statistics), guest.log.
# usage (from the project's root):
#   mkdir -p /var/tmp/shapes/lab && cp tests/lab/rxe-pair.sh tests/lab/send-imm.c /var/tmp/shapes/lab/ &&
#   ../shared/lab/rxe-vm --timeout 300 tests/lab/guest-shapes.sh /var/tmp/shapes
#   (then: cp tests/lab/guest-shapes.sh /var/tmp/shapes/ and add its path after the folder,
#   e.g. `.../guest-shapes.sh /var/tmp/shapes long_pingpong`)
set -u
OUT=$1 SHAPES=${2:-ipv6,vlan,cmp_swap,uc_write,uc_send,ud_pingpong,ud_send,rstream_4k,rstream_small} A=10.0.0.1 B=10.0.0.2
exec > "$OUT/guest.log" 2>&1
for m in rdma_rxe veth 8021q; do modprobe $m; done
# shellcheck source=tests/lab/rxe-pair.sh
source "$OUT/lab/rxe-pair.sh"
rxe_pair_setup $A $B || exit 3
rxe_pair_gids 20 || exit 3
rxe_pair_ipv6 fd00::1 fd00::2 || exit 3
rxe_pair_vlan 10.0.1.1 10.0.1.2 || exit 3
for _ in $(seq 1 80); do
	G6A=$(rxe_gid_of rxeA "fd00:*") && G6B=$(rxe_gid_of rxeB "fd00:*") &&
		GVA=$(rxe_gid_of rxeA "*:0a00:0101") && GVB=$(rxe_gid_of rxeB "*:0a00:0102") && break
	sleep 0.25
done
echo "kernel $(uname -r); GID index rxeA/rxeB IPv4 $GA/$GB IPv6 $G6A/$G6B VLAN $GVA/$GVB; $(ib_send_bw --version 2>&1 | head -1)"
counters() { local d f; for d in rxeA rxeB; do for f in /sys/class/infiniband/$d/ports/1/hw_counters/*; do echo "$d $(basename "$f") $(cat "$f")"; done; done; }
PORT=18700
# capture NAME WAIT -- SERVER... -- CLIENT...: one capture of one tool run; WAIT is the
# command that returns once the server is ready for its client
capture() {
	local name=$1 wait=$2 srv=() cli=(); shift 3
	while [[ $1 != -- ]]; do srv+=("$1"); shift; done
	shift; cli=("$@")
	counters > /tmp/before
	tcpdump -Z root -i vethB -n -s 0 -w /tmp/$name.pcap udp port 4791 2> "$OUT/$name.tcpdump" &
	local td=$!
	sleep 1
	timeout 120 "${srv[@]}" > /tmp/$name.server 2>&1 &
	local sp=$!
	$wait
	timeout 120 "${cli[@]}" > /tmp/$name.client 2>&1
	local crc=$?
	wait $sp
	local src=$?
	sleep 1
	kill -INT $td; wait $td
	cp /tmp/$name.pcap "$OUT/"
	{ echo "### server: ${srv[*]} (exit $src)"; cat /tmp/$name.server
	  echo "### client: ${cli[*]} (exit $crc)"; cat /tmp/$name.client; } > "$OUT/$name.log"
	counters | paste -d' ' /tmp/before - | awk '{ print $1, $2, $3, $6 }' > "$OUT/$name.counters"
	echo "$name: client $crc, server $src, $(grep captured "$OUT/$name.tcpdump")"
}
tcp_listening() { for _ in $(seq 1 40); do ss -ltn "sport = :$PORT" | grep -q LISTEN && break; sleep 0.25; done; }
# run NAME SERVER... -- CLIENT...: a tool whose server listens on TCP port $PORT (perftest,
# ibv_*_pingpong); both are given `-p $PORT`, the client $B last
run() {
	local name=$1 srv=() cli=(); shift
	while [[ $1 != -- ]]; do srv+=("$1"); shift; done
	shift; cli=("$@")
	PORT=$((PORT + 1))
	capture "$name" tcp_listening -- "${srv[@]}" -p $PORT -- "${cli[@]}" -p $PORT $B
}
# run_rstream NAME ARGS...: an rstream server bound to $B and its client, both given ARGS (an
# rsocket listens through rdma_cm, not a TCP port: the client waits 2 s)
run_rstream() {
	local name=$1; shift
	PORT=$((PORT + 1))
	capture "$name" "sleep 2" -- rstream -b $B -p $PORT "$@" -- rstream -s $B -p $PORT "$@"
}
want() { [[ ,$SHAPES, == *,$1,* ]]; }
want ipv6 && run ipv6 ibv_rc_pingpong -d rxeB -g "$G6B" -n 20 -s 2048 -- ibv_rc_pingpong -d rxeA -g "$G6A" -n 20 -s 2048
want vlan && run vlan ibv_rc_pingpong -d rxeB -g "$GVB" -n 20 -s 2048 -- ibv_rc_pingpong -d rxeA -g "$GVA" -n 20 -s 2048
want cmp_swap && run cmp_swap ib_atomic_bw -d rxeB -x "$GB" -A CMP_AND_SWAP -n 50 -F -- ib_atomic_bw -d rxeA -x "$GA" -A CMP_AND_SWAP -n 50 -F
want uc_write && run uc_write ib_write_bw -d rxeB -x "$GB" -c UC -n 50 -s 4096 -F -- ib_write_bw -d rxeA -x "$GA" -c UC -n 50 -s 4096 -F
want uc_send && run uc_send ib_send_bw -d rxeB -x "$GB" -c UC -n 50 -s 4096 -F -- ib_send_bw -d rxeA -x "$GA" -c UC -n 50 -s 4096 -F
want ud_pingpong && run ud_pingpong ibv_ud_pingpong -d rxeB -g "$GB" -n 50 -s 512 -- ibv_ud_pingpong -d rxeA -g "$GA" -n 50 -s 512
want ud_send && run ud_send ib_send_bw -d rxeB -x "$GB" -c UD -n 50 -s 512 -F -- ib_send_bw -d rxeA -x "$GA" -c UD -n 50 -s 512 -F
# run_nvmeof NAME [LOSS [COUNT]]: the nvmeof shapes above; LOSS % netem on vethA's RoCE packets
# during the I/O, COUNT 64 KiB blocks read and written (default 16 read, 8 written)
run_nvmeof() {
	local name=$1 loss=${2:-0} reads=${3:-16} writes=${3:-8} dev
	nvmeof_target $B && dev=$(nvmeof_connect $B) || return 1
	sleep 3  # the partition scan and the connect's admin commands, before the capture
	counters > /tmp/before
	tcpdump -Z root -i vethB -n -s 0 -w /tmp/$name.pcap udp port 4791 2> "$OUT/$name.tcpdump" &
	local td=$!
	sleep 1
	if [ "$loss" != 0 ]; then roce_loss vethA "$loss" || return 1; fi
	{ echo "before $dev $(cat /sys/block/$dev/stat)"; echo "before nullb0 $(cat /sys/block/nullb0/stat)"; } > "$OUT/$name.blockstat"
	{ echo "### dd if=/dev/$dev of=/dev/null bs=64k count=$reads iflag=direct"
	  dd if=/dev/$dev of=/dev/null bs=64k count=$reads iflag=direct 2>&1; echo "(exit $?)"
	  echo "### dd if=/dev/zero of=/dev/$dev bs=64k count=$writes oflag=direct"
	  dd if=/dev/zero of=/dev/$dev bs=64k count=$writes oflag=direct 2>&1; echo "(exit $?)"; } > "$OUT/$name.log"
	{ echo "after $dev $(cat /sys/block/$dev/stat)"; echo "after nullb0 $(cat /sys/block/nullb0/stat)"; } >> "$OUT/$name.blockstat"
	if [ "$loss" != 0 ]; then
		sleep 2  # resends of the last drops
		tc -s qdisc show dev vethA > "$OUT/$name.tc"
		tc qdisc del dev vethA root
	fi
	sleep 1
	kill -INT $td; wait $td
	cp /tmp/$name.pcap "$OUT/"
	counters | paste -d' ' /tmp/before - | awk '{ print $1, $2, $3, $6 }' > "$OUT/$name.counters"
	nvmeof_disconnect $dev
	echo "$name: $dev, $(grep captured "$OUT/$name.tcpdump")"
}
want rstream_4k && run_rstream rstream_4k -S 4096 -C 20 -I 5
want rstream_small && run_rstream rstream_small -S 100 -C 50 -I 2
if want send_imm; then
	PORT=$((PORT + 1))
	if cc -O2 -Wall -o /tmp/send-imm "$OUT/lab/send-imm.c" -lrdmacm -libverbs; then
		capture send_imm "sleep 2" -- /tmp/send-imm -s $B $PORT 30 -- /tmp/send-imm -c $B $PORT 30
	else
		echo "send_imm: send-imm.c did not build (libibverbs-dev, librdmacm-dev?)"
	fi
fi
want nvmeof && { run_nvmeof nvmeof || echo "nvmeof: setup failed"; }
want nvmeof_loss && { run_nvmeof nvmeof_loss 2 16 || echo "nvmeof_loss: setup failed"; }
if want long_pingpong; then
	roce_ce_marking vethA
	for i in 1 2 3; do
		run ipv6_$i ibv_rc_pingpong -d rxeB -g "$G6B" -n 1500 -s 2048 -- ibv_rc_pingpong -d rxeA -g "$G6A" -n 1500 -s 2048
		run ipv4_$i ibv_rc_pingpong -d rxeB -g "$GB" -n 1500 -s 2048 -- ibv_rc_pingpong -d rxeA -g "$GA" -n 1500 -s 2048
	done
fi
