#!/bin/bash
# guest-rnr-ecn.sh OUTDIR [ITERATIONS]  -- runs INSIDE the SoftRoCE VM (../shared/lab/rxe-vm), as root.
#
# Makes the fixture Tests/Fixtures/rxe-rnr-ecn/: a real rdma_rxe capture with RNR NAKs and ECN
# CE marks, and the counts of the tools that caused them, for rdmatop to be checked against.
# - RNR NAKs: ib_send_bw with the server's receive queue as shallow as perftest allows (-r 1
#   gives 2): SENDs find no receive WQE, rxeB answers with an RNR NAK (rxe counts send_rnr_err,
#   and rxeA rcvd_rnr_err) and the requester resends after the RNR timer.
# - ECN CE: every 10th RoCE packet leaving vethA marked CE (roce_ce_marking, rxe-pair.sh).
# tcpdump on vethB sees every packet (no loss anywhere: rxeA's sent_pkts = rxeB's rcvd_pkts).
# Writes OUTDIR/send_bw-rnr-ce.pcap, hw_counters.txt ("DEV COUNTER VALUE"), tc.json (`tc -s -j
# filter show`: pedit's packets are the CE marks), tcpdump.txt, and the tools' logs.
# usage (from the project's root):
#   mkdir -p /var/tmp/rnr/lab && cp tests/lab/rxe-pair.sh /var/tmp/rnr/lab/ &&
#   ../shared/lab/rxe-vm --timeout 200 tests/lab/guest-rnr-ecn.sh /var/tmp/rnr 60
set -u
OUT=$1 N=${2:-60} A=10.0.0.1 B=10.0.0.2
exec > "$OUT/guest.log" 2>&1
for m in rdma_rxe veth sch_prio cls_u32 act_gact act_pedit act_csum; do modprobe $m; done
# shellcheck source=tests/lab/rxe-pair.sh
source "$OUT/lab/rxe-pair.sh"
rxe_pair_setup $A $B || exit 3
rxe_pair_gids 20 || exit 3
echo "kernel $(uname -r); GID index rxeA=$GA rxeB=$GB; $(ib_send_bw --version 2>&1 | head -1)"
# The capture goes to the guest's tmpfs (through 9p to OUTDIR, tcpdump dropped 601 of 2,464).
PCAP=/tmp/send_bw-rnr-ce.pcap
tcpdump -Z root -i vethB -n -s 0 -w $PCAP udp port 4791 2> "$OUT/tcpdump.txt" &
TD=$!
sleep 2
roce_ce_marking vethA || exit 4
timeout 60 ib_send_bw -d rxeB -x "$GB" -p 18531 -n "$N" -s 4096 -r 1 -F > "$OUT/server.log" 2>&1 &
SRV=$!
sleep 3
timeout 60 ib_send_bw -d rxeA -x "$GA" -p 18531 -n "$N" -s 4096 -r 1 -F $B > "$OUT/client.log" 2>&1
echo "client rc $?"
wait $SRV
echo "server rc $?"
sleep 2
kill -INT $TD
wait $TD
cp $PCAP "$OUT/"
tc -s -j filter show dev vethA parent 1: > "$OUT/tc.json"
for d in rxeA rxeB; do
	for f in /sys/class/infiniband/$d/ports/1/hw_counters/*; do echo "$d $(basename "$f") $(cat "$f")"; done
done > "$OUT/hw_counters.txt"
cat "$OUT/tcpdump.txt" "$OUT/hw_counters.txt"
