#!/bin/bash
# guest-softroce.sh OUTDIR RDMATOP [RUNS]  -- runs INSIDE the SoftRoCE VM, as root.
#
# tests/lab/softroce-test starts it through ../shared/lab/rxe-vm, which boots a Debian kernel
# with rdma_rxe and runs `bash guest-softroce.sh /mnt/out RDMATOP` in the guest (the host's
# filesystem is visible read-only at the same paths, so RDMATOP is the host's build).
#
# What it checks: live rdmatop, attached in stock mode (XDP ingress + tc egress) to the
# receiving veth of a real rdma_rxe link, counts exactly what tcpdump captures on the same
# interface while rping, ibv_rc_pingpong, ib_write_bw, rstream (rsockets: RDMA WRITEs with
# immediate data), send-imm (tests/lab/send-imm.c: SENDs with immediate data) and NVMe over Fabrics (nvme-rdma reading and writing a null_blk namespace
# that nvmet-rdma exports: SEND WITH INVALIDATE, RDMA READs) run over that link (in total, per
# direction, per flow and per opcode), that its live per-flow analysis (missing and retransmitted
# PSNs, ACKs, messages, ...) agrees with `rdmatop --read` of tcpdump's capture, its lost packets
# with netem's counter (none where netem does not run), and that it leaves
# nothing attached when it exits. The same over IPv6 and VLAN 100 GIDs (runs ipv6, vlan), and
# RNR NAKs and CE marks (rnr_ecn, and tc's marks during ipv6 and vlan) against rxe's and tc's
# own counters.
#
# Topology, all in the initial network namespace (the 6.12 rxe opens its UDP/4791 socket there
# only):   rxeA on vethA 10.0.0.1  <==veth==>  10.0.0.2 vethB with rxeB
# Both addresses are local, so policy routing (the `local` rule moved behind per-destination
# rules, accept_local=1, permanent neighbours) makes A->B leave by vethA and B->A by vethB
# instead of taking `lo`.
#
# RUNS: comma-separated subset of rping,rc_pingpong,write_bw,rstream,send_imm,nvmeof,rnr_ecn,ipv6,vlan,write_bw_loss,rc_pingpong_loss,nvmeof_loss
# (default: all). The _loss runs (nvmeof_loss: the nvmeof run again) drop 5 % of RoCE on vethA (netem in a prio band that a u32
# filter fills with UDP port 4791 only): requests lost before vethB, where both rdmatop and
# tcpdump watch, so the live and the file analysis (lost packets included) must agree.
# Writes to OUTDIR: results.tsv (check, verdict, expected, got, detail), verdicts.txt (one
# "PASS|FAIL check: ..." line per check), counts.tsv, guest.log, the pcap, both JSON
# snapshots, rdmatop's stderr, tool logs, dmesg.txt.
# Exit status: the number of failed checks.
set -u
OUT=${1:?usage: guest-softroce.sh OUTDIR RDMATOP [RUNS]}
RDMATOP=${2:?usage: guest-softroce.sh OUTDIR RDMATOP [RUNS]}
RUNS=${3:-rping,rc_pingpong,write_bw,rstream,send_imm,nvmeof,rnr_ecn,ipv6,vlan,write_bw_loss,rc_pingpong_loss,nvmeof_loss}
A=10.0.0.1 B=10.0.0.2 IF=vethB
# The same devices' other GIDs: IPv6, and IPv4 on VLAN 100 (rxe_pair_ipv6, rxe_pair_vlan).
A6=fd00::1 B6=fd00::2 AV=10.0.1.1 BV=10.0.1.2
ADDRS_A=$A,$A6,$AV ADDRS_B=$B,$B6,$BV
W=/tmp/softroce          # guest tmpfs: the pcap is written here, then copied to OUTDIR
PY=/usr/bin/python3      # the host's /root (pyenv shims) is not visible in the guest
mkdir -p "$W" "$OUT"
echo "started $(date -u +%FT%TZ)" > "$OUT/guest-started"
exec > >(tee "$OUT/guest.log") 2>&1
TEE_PID=$!
T0=$SECONDS
log() { echo "== [$((SECONDS - T0))s] $*"; }

# ------------------------------------------------------------------ checks
RES=$OUT/results.tsv VERDICTS=$OUT/verdicts.txt
printf 'check\tverdict\texpected\tgot\tdetail\n' > "$RES"
: > "$VERDICTS"
FAILED=0
# check NAME PASS|FAIL EXPECTED GOT [DETAIL]
check() {
	local name=$1 verdict=$2 expected=$3 got=$4 detail=${5:-}
	printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$verdict" "$expected" "$got" "$detail" >> "$RES"
	local line="$verdict $name: expected $expected, got $got${detail:+ ($detail)}"
	echo "$line" >> "$VERDICTS"
	echo "CHECK $line"
	[[ $verdict == PASS || $verdict == KNOWN ]] || FAILED=$((FAILED + 1))
}
# check_eq NAME EXPECTED GOT [DETAIL]
check_eq() {
	if [[ $2 == "$3" ]]; then check "$1" PASS "$2" "$3" "${4:-}"; else check "$1" FAIL "$2" "$3" "${4:-}"; fi
}

# ------------------------------------------------------------------ helpers
# wait_for SECONDS COMMAND...: poll COMMAND every 0.2 s until it succeeds; 1 on timeout.
wait_for() {
	local limit=$(( SECONDS + $1 )); shift
	until "$@"; do
		(( SECONDS >= limit )) && return 1
		sleep 0.2
	done
}
# oneline: standard input as one line of at most 300 bytes, for a TSV cell.
oneline() { head -c 300 | tr '\n\t' '  ' | sed 's/ *$//'; }
# table: align a TSV for reading (left as TSV when column, from bsdextrautils, is missing).
table() { column -t -s $'\t' 2>/dev/null || cat; }
running() { kill -0 "$1" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# stop PID SIGNAL SECONDS: signal a child, wait for it (SIGKILL after SECONDS); its exit status.
stop() {
	local pid=$1 sig=$2 secs=$3
	kill -s "$sig" "$pid" 2>/dev/null
	if ! wait_for "$secs" gone "$pid"; then
		log "pid $pid ignored SIG$sig for ${secs}s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid"
}
# file_quiet FILE SECONDS: 0 once FILE's size has not changed for SECONDS.
QUIET_SIZE=-1 QUIET_SINCE=0
file_quiet() {
	local size; size=$(stat -c %s "$1" 2>/dev/null || echo 0)
	if [[ $size != "$QUIET_SIZE" ]]; then QUIET_SIZE=$size QUIET_SINCE=$SECONDS; return 1; fi
	(( SECONDS - QUIET_SINCE >= $2 ))
}
listening_tcp() { ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }
cm_listening() { rdma resource show cm_id 2>/dev/null | grep -q LISTEN; }

# ------------------------------------------------------------------ topology
log "kernel $(uname -r), $(nproc) cpus; rdmatop $RDMATOP; runs $RUNS"
for m in rdma_rxe veth 8021q sch_prio sch_netem cls_u32 act_gact act_pedit act_csum; do modprobe "$m" || log "modprobe $m failed"; done
# rxe-pair.sh: softroce-test passes a copy in OUTDIR/lab (a clone under /tmp or /root is not
# visible in the guest); else beside this script.
for d in "$OUT/lab" "${RXEVM_SCRIPT_DIR:-}" "$(dirname "$(readlink -f "$0")")"; do
	# shellcheck source=tests/lab/rxe-pair.sh
	[[ -r $d/rxe-pair.sh ]] && { source "$d/rxe-pair.sh"; break; }
done
rxe_pair_setup $A $B || log "veth/rxe setup failed"
ip route get $B from $A
ip route get $A from $B
rdma link show
rxe_pair_gids 20 || log "no RoCE v2 IPv4 GID on rxeA/rxeB after 20 s"
log "GID index rxeA=${GA:-none} rxeB=${GB:-none}"
check rxe_devices "$( [[ -n $GA && -n $GB ]] && echo PASS || echo FAIL)" "RoCE v2 GIDs on rxeA and rxeB" \
	"rxeA=${GA:-none} rxeB=${GB:-none}"
if [[ ,$RUNS, == *,ipv6,* || ,$RUNS, == *,vlan,* ]]; then
	rxe_pair_ipv6 $A6 $B6 || log "IPv6 setup failed"
	rxe_pair_vlan $AV $BV || log "VLAN setup failed"
	G6A= G6B= GVA= GVB=
	wait_for 20 eval 'G6A=$(rxe_gid_of rxeA "fd00:*") && G6B=$(rxe_gid_of rxeB "fd00:*") &&
		GVA=$(rxe_gid_of rxeA "*:0a00:0101") && GVB=$(rxe_gid_of rxeB "*:0a00:0102")'
	log "GID index IPv6 rxeA=${G6A:-none} rxeB=${G6B:-none}; VLAN 100 rxeA=${GVA:-none} rxeB=${GVB:-none}"
	check rxe_more_gids "$( [[ -n $G6A && -n $G6B && -n $GVA && -n $GVB ]] && echo PASS || echo FAIL)" \
		"IPv6 and VLAN 100 RoCE v2 GIDs on rxeA and rxeB" "IPv6 ${G6A:-none}/${G6B:-none}, VLAN ${GVA:-none}/${GVB:-none}"
fi

# ------------------------------------------------------------------ observers
PCAP=$W/vethB.pcap
tcpdump -Z root -i $IF -n -s 0 -U -w "$PCAP" udp port 4791 2> "$W/tcpdump.err" &
TCPDUMP=$!
wait_for 20 grep -q 'listening on' "$W/tcpdump.err" || log "tcpdump: no 'listening on' after 20 s"

# rdmatop in the default (auto) mode, which is xdp+tc on a stock kernel. --interval 600: only
# the SIGINT below ends the snapshot (600 s is past rxe-vm's own time limit).
LIVE_JSON=$W/rdmatop-live.json LIVE_ERR=$W/rdmatop-live.err
"$RDMATOP" $IF --once --interval 600 --json > "$LIVE_JSON" 2> "$LIVE_ERR" &
RDMATOP_PID=$!
attached_or_gone() { grep -q "watching $IF" "$LIVE_ERR" || gone $RDMATOP_PID; }
wait_for 90 attached_or_gone
if grep -q "watching $IF" "$LIVE_ERR"; then
	ATTACHED=1
	log "rdmatop attached: $(grep -m1 "watching $IF" "$LIVE_ERR")"
else
	ATTACHED=0
	if running $RDMATOP_PID; then log "rdmatop did not attach within 90 s"; else log "rdmatop exited before attaching"; fi
	cat "$LIVE_ERR"
fi
ip -d link show dev $IF | grep -iE 'xdp|prog' || true
tc filter show dev $IF egress || true
mode=$(sed -n "s/^rdmatop: watching $IF (\([^)]*\)).*/\1/p" "$LIVE_ERR" | head -1)
check_eq rdmatop_attached "xdp+tc" "${mode:-not attached}" "$(oneline < "$LIVE_ERR")"

# A second rdmatop, on vethA with sampled events (--sample 0): its PSN counts of the flows from
# B come from the kernel's PSN window. Those flows reach vethA whole (netem drops only what
# leaves vethA), so softroce-test compares them with count.py's reading of vethB's capture.
SAMPLED_JSON=$W/rdmatop-sampled.json SAMPLED_ERR=$W/rdmatop-sampled.err
"$RDMATOP" vethA --once --interval 600 --json --sample 0 > "$SAMPLED_JSON" 2> "$SAMPLED_ERR" &
SAMPLED_PID=$!
sampled_or_gone() { grep -q "watching vethA" "$SAMPLED_ERR" || gone $SAMPLED_PID; }
wait_for 90 sampled_or_gone
smode=$(sed -n "s/^rdmatop: watching vethA (\([^)]*\)).*/\1/p" "$SAMPLED_ERR" | head -1)
check_eq sampled_attached "xdp+tc" "${smode:-not attached}" "$(oneline < "$SAMPLED_ERR")"

# ------------------------------------------------------------------ traffic
# record_pid RUN ROLE PIDFILE TOOL: the tool's own pid (it writes it before it execs), the
# process that owns its QPs, into pids.tsv: the truth rdmatop's attribution is checked against.
PIDS=$OUT/pids.tsv
printf 'run\trole\tpid\ttool\n' > "$PIDS"
record_pid() {
	wait_for 10 test -s "$3" || log "$1 $2: no pid file after 10 s"
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$(cat "$3" 2>/dev/null)" "$4" >> "$PIDS"
}
# sample_qps RUN: what iproute2's `rdma -d -j res show qp` lists while a run goes on, one JSON
# array a line in rdma-res.jsonl: which QPs the kernel's own tool could attribute.
sample_qps() {
	while :; do rdma -d -j res show qp >> "$OUT/rdma-res.jsonl" 2>/dev/null; echo >> "$OUT/rdma-res.jsonl"; sleep 0.3; done
}
# run_pair NAME READY TIMEOUT -- SERVER... -- CLIENT...
#   READY: tcp:PORT (server's out-of-band TCP port listening) or cm (an rdma_cm listener).
run_pair() {
	local name=$1 ready=$2 to=$3; shift 4
	local srv=() cli=()
	while [[ $# -gt 0 && $1 != -- ]]; do srv+=("$1"); shift; done
	shift
	cli=("$@")
	[[ ,$RUNS, == *,$name,* ]] || return 0
	log "RUN $name: server: ${srv[*]}"
	log "RUN $name: client: ${cli[*]}"
	local t=$SECONDS
	sample_qps "$name" &
	local sampler=$!
	timeout -k 10 "$to" bash -c 'echo $$ > "$0"; exec "$@"' "$W/$name.server.pid" "${srv[@]}" > "$W/$name.server.log" 2>&1 &
	local sp=$!
	record_pid "$name" server "$W/$name.server.pid" "${srv[0]}"
	case $ready in
	tcp:*) wait_for 30 listening_tcp "${ready#tcp:}" || log "$name: server not listening after 30 s" ;;
	cm) wait_for 30 cm_listening || log "$name: no rdma_cm listener after 30 s" ;;
	esac
	timeout -k 10 "$to" bash -c 'echo $$ > "$0"; exec "$@"' "$W/$name.client.pid" "${cli[@]}" > "$W/$name.client.log" 2>&1 &
	local cp=$!
	record_pid "$name" client "$W/$name.client.pid" "${cli[0]}"
	wait $cp
	local crc=$?
	wait_for 30 gone $sp || kill -TERM $sp 2>/dev/null
	wait $sp
	local src=$?
	kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
	log "DONE $name in $((SECONDS - t))s: client rc=$crc, server rc=$src"
	# rxeB's packet counters after each run: when device_rcvd_pkts departs (once, 85 of
	# 13,434 packets), which run's packets rxe refused.
	local hw=/sys/class/infiniband/rxeB/ports/1/hw_counters
	printf '%s\t%s\t%s\n' "$name" "$(cat $hw/rcvd_pkts 2>/dev/null)" "$(cat $hw/sent_pkts 2>/dev/null)" >> "$OUT/rxeB-counters-by-run.tsv"
	tail -n 3 "$W/$name.client.log"
	{ echo "### server: ${srv[*]}"; cat "$W/$name.server.log"
	  echo "### client: ${cli[*]}"; cat "$W/$name.client.log"; } > "$OUT/$name.log"
	if [[ $name == *_loss && $crc == 0 && $src == 143 ]]; then
		# rxe under loss: the client got its last message and destroyed its QP while the ACK
		# of the server's last SEND was lost, and the server resends that SEND every ~70 ms
		# until killed here (Tests/Fixtures/rxe-matrix/rc_pingpong-q1-m4096-req-l5 has one).
		check "run_$name" KNOWN "client 0, server 0" "client 0, server killed after 30 s" \
			"rxe's server resending its last SEND to the client's destroyed QP; log $name.log"
	else
		check_eq "run_$name" "client 0, server 0" "client $crc, server $src" "$((SECONDS - t))s, log $name.log"
	fi
}
# rping: rdma_cm connection, then RC SEND / RDMA READ / RDMA WRITE, 10 iterations of 64 bytes
run_pair rping cm 120 -- rping -s -a $B -v -C 10 -S 64 -- rping -c -a $B -I $A -v -C 10 -S 64
# ibv_rc_pingpong: TCP exchange of QP numbers, then 200 RC SENDs of 4096 bytes each way
run_pair rc_pingpong tcp:18515 120 \
	-- ibv_rc_pingpong -d rxeB -g "${GB:-1}" -p 18515 -n 200 -s 4096 \
	-- ibv_rc_pingpong -d rxeA -g "${GA:-1}" -p 18515 -n 200 -s 4096 $B
# perftest: 200 RDMA WRITEs of 4096 bytes (4 packets each at rxe's 1024-byte MTU)
run_pair write_bw tcp:18521 120 \
	-- ib_write_bw -d rxeB -x "${GB:-1}" -p 18521 -n 200 -s 4096 -F \
	-- ib_write_bw -d rxeA -x "${GA:-1}" -p 18521 -n 200 -s 4096 -F $B
# rsockets: every transfer an RDMA WRITE with immediate data (4096 bytes as two of 2048),
# credits and the shutdown as zero-length ones, the connection made by rdma_cm's MADs
run_pair rstream cm 120 -- rstream -b $B -S 4096 -C 20 -I 5 -- rstream -s $B -S 4096 -C 20 -I 5
# SENDs with immediate data, which no rdma-core tool sends: 30 of 5000, 64 and 0 bytes in turn
# (SEND FIRST/MIDDLE/LAST WITH IMMEDIATE, SEND ONLY WITH IMMEDIATE), built here from the copy
# of tests/lab/send-imm.c in the output folder
if [[ ,$RUNS, == *,send_imm,* ]]; then
	if cc -O2 -Wall -o "$W/send-imm" "$OUT/lab/send-imm.c" -lrdmacm -libverbs 2> "$W/send-imm.cc"; then
		run_pair send_imm cm 120 -- "$W/send-imm" -s $B 18530 30 -- "$W/send-imm" -c $B 18530 30
	else
		check_eq run_send_imm "send-imm built" "cc failed: $(tail -n 1 "$W/send-imm.cc")" "libibverbs-dev, librdmacm-dev"
	fi
fi
# run_nvmeof NAME: NVMe over Fabrics, the target's RDMA WRITEs (1 MiB read) and RDMA READs
# (512 KiB written), its answers as SEND WITH INVALIDATE; the QPs are the kernel's (nvme-rdma,
# nvmet-rdma), connected for the run and removed after it
run_nvmeof() {
	local name=$1 t=$SECONDS result="target or connect failed" dev= sampler r1 r2
	[[ ,$RUNS, == *,$name,* ]] || return 0
	log "RUN $name"
	sample_qps "$name" &
	sampler=$!
	if nvmeof_target $B && dev=$(nvmeof_connect $B); then
		{ dd if=/dev/$dev of=/dev/null bs=64k count=16 iflag=direct; r1=$?
		  dd if=/dev/zero of=/dev/$dev bs=64k count=8 oflag=direct; r2=$?; } > "$OUT/$name.log" 2>&1
		result="read $r1, write $r2"
		sleep 1  # a sample of the QPs while they exist
		nvmeof_disconnect $dev
	fi
	kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
	log "DONE $name in $((SECONDS - t))s: $result"
	check_eq "run_$name" "read 0, write 0" "$result" "$((SECONDS - t))s, /dev/${dev:-none}, log $name.log"
}
run_nvmeof nvmeof

# ECN CE marks: every 10th RoCE packet leaving vethA, IPv4 or IPv6, marked CE by tc
# (roce_ce_marking, rxe-pair.sh) during the ipv6, vlan and rnr_ecn runs. Checked against
# pedit's own count below (ce_vs_tc).
hw_rnr() { echo "$(cat /sys/class/infiniband/rxeB/ports/1/hw_counters/send_rnr_err 2>/dev/null)" \
	"$(cat /sys/class/infiniband/rxeA/ports/1/hw_counters/rcvd_rnr_err 2>/dev/null)"; }
CE_MARKING=
if [[ ,$RUNS, == *,rnr_ecn,* || ,$RUNS, == *,ipv6,* ]]; then
	CE_MARKING=1
	RNR_BEFORE=$(hw_rnr)
	roce_ce_marking vethA || log "CE marking on vethA failed"
fi
# RoCE over IPv6 (the fd00:: GIDs), and over VLAN 100 (the GIDs of vethA.100 and vethB.100:
# rxe sends those frames tagged): the XDP and tc programs must count them as tcpdump does, and
# every check below covers them (B's addresses are ADDRS_B).
run_pair ipv6 tcp:18529 120 \
	-- ibv_rc_pingpong -d rxeB -g "${G6B:-2}" -p 18529 -n 50 -s 2048 \
	-- ibv_rc_pingpong -d rxeA -g "${G6A:-2}" -p 18529 -n 50 -s 2048 $B
run_pair vlan tcp:18531 120 \
	-- ibv_rc_pingpong -d rxeB -g "${GVB:-3}" -p 18531 -n 50 -s 2048 \
	-- ibv_rc_pingpong -d rxeA -g "${GVA:-3}" -p 18531 -n 50 -s 2048 $B
# RNR NAKs (tests/lab/guest-rnr-ecn.sh made the fixture of the same shape): ib_send_bw with
# the server's receive queue 2 deep, so rxeB refuses SENDs with RNR NAKs. Checked against
# rxe's own counts below (rnr_vs_rxe), on the only run that makes them.
run_pair rnr_ecn tcp:18527 120 \
	-- ib_send_bw -d rxeB -x "${GB:-1}" -p 18527 -n 60 -s 4096 -r 1 -F \
	-- ib_send_bw -d rxeA -x "${GA:-1}" -p 18527 -n 60 -s 4096 -r 1 -F $B
if [[ -n $CE_MARKING ]]; then
	tc -s -j filter show dev vethA parent 1: > "$OUT/ce-tc.json"
	tc qdisc del dev vethA root 2>/dev/null
	printf '%s %s\n' "$RNR_BEFORE" "$(hw_rnr)" > "$OUT/rnr-counters.txt"
fi

if [[ ,$RUNS, == *_loss,* ]]; then
	roce_loss vethA 5 || log "netem setup on vethA failed"
	# 2 QPs of 150 RDMA WRITEs of 8 KiB, and 100 ping-pong SENDs of 4 KiB, under loss
	run_pair write_bw_loss tcp:18523 180 \
		-- ib_write_bw -d rxeB -x "${GB:-1}" -p 18523 -q 2 -n 150 -s 8192 -F \
		-- ib_write_bw -d rxeA -x "${GA:-1}" -p 18523 -q 2 -n 150 -s 8192 -F $B
	run_pair rc_pingpong_loss tcp:18525 180 \
		-- ibv_rc_pingpong -d rxeB -g "${GB:-1}" -p 18525 -n 100 -s 4096 \
		-- ibv_rc_pingpong -d rxeA -g "${GA:-1}" -p 18525 -n 100 -s 4096 $B
	run_nvmeof nvmeof_loss
	tc -s qdisc show dev vethA | tee "$OUT/netem.txt"
	tc qdisc del dev vethA root 2>/dev/null
fi

# Let the last ACKs and connection teardown (rdma_cm DREQ/DREP on QP1) land: wait until the
# capture has not grown for 2 s, then stop rdmatop first and tcpdump second.
wait_for 30 file_quiet "$PCAP" 2 || log "capture still growing after 30 s"

# ------------------------------------------------------------------ stop observers
log "stopping rdmatop (SIGINT)"
stop $RDMATOP_PID INT 60
RDMATOP_RC=$?
log "rdmatop exit status $RDMATOP_RC"
stop $SAMPLED_PID INT 60
SAMPLED_RC=$?
cp "$SAMPLED_JSON" "$OUT/rdmatop-sampled.json"
cp "$SAMPLED_ERR" "$OUT/rdmatop-sampled.stderr"
check_eq sampled_exit 0 "$SAMPLED_RC" "$(grep -v "^rdmatop: watching vethA " "$SAMPLED_ERR" | oneline)"
stop $TCPDUMP INT 30
log "tcpdump exit status $?: $(grep -E 'captured|received|dropped' "$W/tcpdump.err" | tr '\n' ' ')"
cp "$PCAP" "$OUT/vethB.pcap"
cp "$LIVE_JSON" "$OUT/rdmatop-live.json"
cp "$LIVE_ERR" "$OUT/rdmatop-live.stderr"
cp "$W/tcpdump.err" "$OUT/tcpdump.stderr"

extra=$(grep -v "^rdmatop: watching $IF " "$LIVE_ERR" | oneline)
check_eq rdmatop_exit 0 "$RDMATOP_RC" "${extra:+other stderr: $extra}"
dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$W/tcpdump.err")
check_eq tcpdump_drops 0 "${dropped:-unknown}" "tcpdump's own report; counts are only comparable when 0"

# ------------------------------------------------------------------ detached?
xdp_after=$(ip link show dev $IF | grep -oE '(xdp[a-z]*|prog/xdp.*)' | tr '\n' ' ')
check_eq detached_xdp "no xdp on $IF" "${xdp_after:-no xdp on $IF}"
tc_after=$(tc filter show dev $IF egress 2>&1 | tr '\n\t' '  ')
check_eq detached_tc "no egress filter" "${tc_after:-no egress filter}"

# ------------------------------------------------------------------ compare counts
# tcpdump's reading of its capture, in one pass (each pass costs seconds under TCG): every
# packet, those to B ("IP A.port > B.4791: UDP ...") and those from B.
read -r TD_ALL TD_IN TD_OUT < <(tcpdump -r "$PCAP" -n -q 2> "$W/tcpdump-read.err" | awk -v bs="$ADDRS_B" '
	BEGIN { split(bs, b, ",") }
	function of_b(a,   k) { for (k in b) if (index(a, b[k] ".") == 1) return 1; return 0 }
	{ n++ }
	($2 == "IP" || $2 == "IP6") && of_b($5) { i++ }
	($2 == "IP" || $2 == "IP6") && of_b($3) { o++ }
	END { print n + 0, i + 0, o + 0 }')
log "tcpdump on $IF: $TD_ALL packets, $TD_IN to $ADDRS_B, $TD_OUT from $ADDRS_B"
if (( TD_IN > 0 && TD_OUT > 0 )); then v=PASS; else v=FAIL; fi
check traffic_on_veth $v "RoCE packets both ways on $IF" "$TD_IN in, $TD_OUT out"

FILE_JSON=$W/rdmatop-read.json
"$RDMATOP" --read "$PCAP" --once --json > "$FILE_JSON" 2> "$W/rdmatop-read.err"
READ_RC=$?
check_eq rdmatop_read_exit 0 "$READ_RC" "$(oneline < "$W/rdmatop-read.err")"
cp "$FILE_JSON" "$OUT/rdmatop-read.json"

# The JSON comparisons: one "name<TAB>verdict<TAB>expected<TAB>got<TAB>detail" line each.
cat > "$W/compare.py" <<'PYEOF'
import json, sys

live_path, file_path, td_all, td_in, td_out, addrs_b = sys.argv[1:7]
td_all, td_in, td_out = int(td_all), int(td_in), int(td_out)
addr_b, b_addrs = addrs_b, set(addrs_b.split(","))   # B's IPv4, IPv6 and VLAN 100 addresses

def load(path):
    try:
        with open(path) as f:
            return json.load(f), None
    except Exception as e:
        return None, f"{path}: {e}"

def out(name, ok, expected, got, detail=""):
    print("\t".join([name, "PASS" if ok else "FAIL", str(expected), str(got), detail.replace("\t", " ")]))

live, live_err = load(live_path)
read, read_err = load(file_path)
if live is None:
    for name in ("rx_packets", "tx_packets", "roce_packets", "lost_events", "live_decode", "directions"):
        out(name, False, "a live snapshot", "none", live_err)
else:
    qps = live.get("qps", [])
    rx = sum(q["packets"] for q in qps if q.get("direction") == "rx")
    tx = sum(q["packets"] for q in qps if q.get("direction") == "tx")
    nodir = sum(q["packets"] for q in qps if q.get("direction") not in ("rx", "tx"))
    t = live.get("totals", {})
    out("rx_packets", rx == td_in, td_in, rx, f"rdmatop qps[] rx vs tcpdump dst host {addr_b}")
    out("tx_packets", tx == td_out and nodir == 0, td_out, tx,
        f"rdmatop qps[] tx vs tcpdump src host {addr_b}" + (f"; {nodir} packets without direction" if nodir else ""))
    out("roce_packets", t.get("roce_packets") == td_all, td_all, t.get("roce_packets"),
        "rdmatop totals.roce_packets (kernel counters) vs tcpdump total")
    lost = live.get("source", {}).get("lost_events")
    out("lost_events", lost == 0, 0, lost)
    bad = {k: t.get(k) for k in ("malformed", "icrc_errors")}
    ok = all(v == 0 for v in bad.values()) and t.get("matched") == rx + tx + nodir
    out("live_decode", ok, "malformed 0, icrc_errors 0, matched = qps sum",
        f"malformed {bad['malformed']}, icrc_errors {bad['icrc_errors']}, matched {t.get('matched')}, qps sum {rx + tx + nodir}",
        f"icrc_checked {t.get('icrc_checked')}")
    wrong = [f"{q['src']}>{q['dst']}/{q['qpn']} {q.get('direction')}" for q in qps
             if (q.get("direction") == "rx") != (q["dst"] in b_addrs) or (q.get("direction") == "tx") != (q["src"] in b_addrs)]
    out("directions", not wrong, f"rx flows to {addr_b}, tx flows from {addr_b}",
        "all consistent" if not wrong else f"{len(wrong)} inconsistent", "; ".join(wrong[:5]))

if read is None:
    out("read_pcap", False, "a file snapshot", "none", read_err)
else:
    t = read.get("totals", {})
    ok = t.get("roce_packets") == td_all and t.get("malformed") == 0 and t.get("icrc_errors") == 0
    out("read_pcap", ok, f"roce_packets {td_all}, malformed 0, icrc_errors 0",
        f"roce_packets {t.get('roce_packets')}, malformed {t.get('malformed')}, icrc_errors {t.get('icrc_errors')}",
        f"rdmatop --read of tcpdump's pcap; icrc_checked {t.get('icrc_checked')}")

if live is None or read is None:
    for name in ("per_qp_packets", "per_qp_opcodes"):
        out(name, False, "both snapshots", "missing", live_err or read_err)
else:
    # Schema v3's per-flow analysis counters that depend only on the flow's own packets in
    # order (not on timing, nor on how the two directions interleave): live and pcap must agree.
    # lost_packets also reads timing (docs/analysis.md: 1 ms windows, silences of a timeout),
    # and the two stamp a packet from A differently (live: on arrival at vethB's XDP; tcpdump:
    # the sender's stamp), so a gap near a threshold may fall on either side: it is held to
    # the ground truth instead (nothing_lost_without_netem, lost_vs_netem, both live and
    # pcap), and live to pcap within 1 + 1 % (lost_live_vs_pcap).
    ANALYSIS = ("distinct_psns", "retransmitted_packets", "missing_psns", "lost_packets", "acks", "naks", "rnr_naks", "cnps",
                "messages", "ecn_ce")
    EXACT = tuple(a for a in ANALYSIS if a != "lost_packets")
    def flows(doc):
        d = {}
        for q in doc.get("qps", []):
            k = (q["src"], q["dst"], q["qpn"])
            e = d.setdefault(k, {"packets": 0, "opcodes": {}, "analysis": {}})
            e["packets"] += q["packets"]
            for op, n in q.get("opcodes", {}).items():
                e["opcodes"][op] = e["opcodes"].get(op, 0) + n
            for a in ANALYSIS:
                if isinstance(q.get(a), dict):
                    m = e["analysis"].setdefault(a, {})
                    for c, n in q[a].items():
                        m[c] = m.get(c, 0) + n
                elif isinstance(q.get(a), int):
                    e["analysis"][a] = e["analysis"].get(a, 0) + q[a]
        return d
    lf, ff = flows(live), flows(read)
    keys = sorted(set(lf) | set(ff))
    name = lambda k: f"{k[0]}>{k[1]}/0x{k[2]:x}"
    diff = [f"{name(k)} live {lf.get(k, {}).get('packets', 0)} pcap {ff.get(k, {}).get('packets', 0)}"
            for k in keys if lf.get(k, {}).get("packets") != ff.get(k, {}).get("packets")]
    out("per_qp_packets", not diff and len(keys) > 0, f"{len(ff)} flows as in the pcap",
        f"{len(lf)} flows, {len(diff)} differ", "; ".join(diff[:6]))
    diff = [f"{name(k)}: live {lf.get(k, {}).get('opcodes')} pcap {ff.get(k, {}).get('opcodes')}"
            for k in keys if lf.get(k, {}).get("opcodes") != ff.get(k, {}).get("opcodes")]
    out("per_qp_opcodes", not diff, "per-flow opcode counts as in the pcap",
        f"{len(diff)} flows differ", "; ".join(diff[:3]))
    if any(e["analysis"] for e in list(lf.values()) + list(ff.values())):
        exact = lambda e: {a: v for a, v in e.get("analysis", {}).items() if a in EXACT}
        diff = [f"{name(k)}: live {exact(lf.get(k, {}))} pcap {exact(ff.get(k, {}))}"
                for k in keys if exact(lf.get(k, {})) != exact(ff.get(k, {}))]
        out("per_qp_analysis", not diff, "per-flow " + "/".join(EXACT) + " as in the pcap",
            f"{len(diff)} flows differ", "; ".join(diff[:3]))
        lost = lambda e: e.get("analysis", {}).get("lost_packets", 0)
        diff = [f"{name(k)}: live {lost(lf.get(k, {}))} pcap {lost(ff.get(k, {}))}"
                for k in keys if abs(lost(lf.get(k, {})) - lost(ff.get(k, {}))) > 1 + lost(ff.get(k, {})) // 100]
        near = [f"{name(k)}: live {lost(lf.get(k, {}))} pcap {lost(ff.get(k, {}))}"
                for k in keys if lost(lf.get(k, {})) != lost(ff.get(k, {}))]
        out("lost_live_vs_pcap", not diff, "per-flow lost_packets as in the pcap within 1 + 1 %",
            f"{len(diff)} flows beyond, {len(near)} differ", "; ".join((diff or near)[:3]))
    with open(sys.argv[7], "w") as f:
        f.write("flow\tlive_packets\tpcap_packets\tdirection\topcodes_pcap\tanalysis_pcap_nonzero\n")
        dirs = {(q["src"], q["dst"], q["qpn"]): q.get("direction", "") for q in live.get("qps", [])}
        for k in keys:
            f.write(f"{name(k)}\t{lf.get(k, {}).get('packets', 0)}\t{ff.get(k, {}).get('packets', 0)}\t"
                    f"{dirs.get(k, '')}\t{json.dumps(ff.get(k, {}).get('opcodes', {}), sort_keys=True)}\t"
                    f"{json.dumps({a: v for a, v in ff.get(k, {}).get('analysis', {}).items() if v}, sort_keys=True)}\n")
PYEOF
while IFS=$'\t' read -r name verdict expected got detail; do
	check "$name" "$verdict" "$expected" "$got" "$detail"
done < <("$PY" "$W/compare.py" "$LIVE_JSON" "$FILE_JSON" "$TD_ALL" "$TD_IN" "$TD_OUT" "$ADDRS_B" "$OUT/flows.tsv" \
         2> "$W/compare.err")
if [[ -s $W/compare.err ]]; then
	check compare_script FAIL "no errors" "errors" "$(oneline < "$W/compare.err")"
fi

# Under loss: lost_packets of the flows leaving vethA (the capture's view) against netem's own
# dropped counter, within 10 % + 3 (docs/analysis.md; the clean runs add nothing to either).
if [[ -s $OUT/netem.txt ]]; then
	# netem's own line (vethA also carries the sampled rdmatop's clsact qdisc, which drops nothing)
	dropped=$(awk '/^qdisc netem/ { n = 1; next } n && /dropped/ { sub(/.*\(dropped /, ""); sub(/,.*/, ""); print; exit }' "$OUT/netem.txt")
	sumlost='import json, sys
print(sum(q.get("lost_packets", 0) for q in json.load(open(sys.argv[1])).get("qps", []) if q["src"] == sys.argv[2]))'
	lost=$("$PY" -c "$sumlost" "$FILE_JSON" "$A" 2>/dev/null)
	livelost=$("$PY" -c "$sumlost" "$LIVE_JSON" "$A" 2>/dev/null)
	if [[ -n $dropped && -n $lost && -n $livelost ]] &&
		(( (lost > dropped ? lost - dropped : dropped - lost) * 10 <= dropped + 30 )) &&
		(( (livelost > dropped ? livelost - dropped : dropped - livelost) * 10 <= dropped + 30 )); then
		check lost_vs_netem PASS "netem dropped ${dropped} (within 10 % + 3)" "lost_packets $lost (live $livelost)"
	else
		check lost_vs_netem FAIL "netem dropped ${dropped:-?} (within 10 % + 3)" "lost_packets ${lost:-?} (live ${livelost:-?})"
	fi
fi

# Without netem nothing is lost: the ipv6 and vlan runs have GIDs of their own (fd00::,
# 10.0.1.x), never run beside netem, and tc's CE marking drops nothing. On their flows
# lost_packets is 0, live and from the pcap (stop 26 saw 14-16 false lost_timeouts there once).
if [[ ,$RUNS, == *,ipv6,* || ,$RUNS, == *,vlan,* ]]; then
	got=$("$PY" -c 'import json, sys
own = set(sys.argv[3].split(","))
for path in sys.argv[1:3]:
    q = [f for f in json.load(open(path)).get("qps", []) if f["src"] in own]
    print(len(q), sum(f.get("lost_packets") or 0 for f in q), sum(f.get("lost_timeouts") or 0 for f in q))' \
		"$LIVE_JSON" "$FILE_JSON" "$A6,$B6,$AV,$BV" 2>/dev/null | tr '\n' ' ')
	read -r lflows llost ltime fflows flost ftime <<< "$got"
	if [[ -n $fflows && ${lflows:-0} -gt 0 && $lflows == "$fflows" && $llost == 0 && $flost == 0 ]]; then v=PASS; else v=FAIL; fi
	check nothing_lost_without_netem $v "lost_packets 0 on the ipv6 and vlan runs' flows" \
		"live ${llost:-?} (lost_timeouts ${ltime:-?}), pcap ${flost:-?} (${ftime:-?})" "${lflows:-?} flows live, ${fflows:-?} in the pcap"
fi

# RNR NAKs against rxe's counters of the rnr_ecn run (rxeB send_rnr_err, rxeA rcvd_rnr_err),
# with no reply counted lost on the flows that carried them (nothing is lost in that run);
# CE marks against tc pedit's own count. No other run makes either.
if [[ -s $OUT/rnr-counters.txt ]]; then
	read -r sb ab sa aa < "$OUT/rnr-counters.txt"
	got=$("$PY" -c 'import json, sys
q = json.load(open(sys.argv[1])).get("qps", [])
rnr = [f for f in q if f["src"] == sys.argv[2] and f.get("rnr_naks")]
print(sum(f["rnr_naks"] for f in rnr), sum(f.get("lost_packets") or 0 for f in rnr))' "$LIVE_JSON" "$B" 2>/dev/null)
	read -r rnr rnr_lost <<< "$got"
	if [[ -n $rnr && -n $sa && $rnr == $((sa - sb)) && $rnr == $((aa - ab)) && $rnr_lost == 0 ]]; then v=PASS; else v=FAIL; fi
	check rnr_vs_rxe $v "RNR NAKs = rxeB send_rnr_err = rxeA rcvd_rnr_err, none lost" \
		"rdmatop ${rnr:-?} (lost_packets ${rnr_lost:-?}), rxeB $((${sa:-0} - ${sb:-0})), rxeA $((${aa:-0} - ${ab:-0}))" \
		"live on vethB; $( ((${rnr:-0} == 0)) && echo "no RNR NAK this time" )"
	marked=$("$PY" -c 'import json, sys
print(sum(a["stats"]["packets"] for f in json.load(open(sys.argv[1])) for a in f.get("options", {}).get("actions", []) if a["kind"] == "pedit"))' \
		"$OUT/ce-tc.json" 2>/dev/null)
	ce=$("$PY" -c 'import json, sys
print(sum(f.get("ecn_ce") or 0 for f in json.load(open(sys.argv[1])).get("qps", [])))' "$LIVE_JSON" 2>/dev/null)
	ce6=$("$PY" -c 'import json, sys
print(sum(f.get("ecn_ce") or 0 for f in json.load(open(sys.argv[1])).get("qps", []) if ":" in f["src"]))' "$LIVE_JSON" 2>/dev/null)
	if [[ -n $ce && -n $marked && $ce == "$marked" && $ce -gt 0 ]] &&
		[[ ,$RUNS, != *,ipv6,* || ${ce6:-0} -gt 0 ]]; then v=PASS; else v=FAIL; fi
	check ce_vs_tc $v "CE-marked packets = tc pedit's count on vethA (IPv4 and IPv6)" \
		"rdmatop ${ce:-?} (${ce6:-?} IPv6), pedit ${marked:-?}" "live on vethB"
fi

# ------------------------------------------------------------------ whose QP, device counters
# Attribution: every RC flow's destination QP names the tool process that owns it (the pids
# recorded when the tools started: pids.tsv), on the device whose GID is the destination;
# every run's server and client own a flow; QP 1 is the kernel's. Device counters: rxeB's hw
# counters against rdmatop's live counts on vethB, to the rules of docs/analysis.md.
cat > "$W/attribution.py" <<'PYEOF'
import json, sys

live_path, pids_path, addrs_a, addrs_b, res_path, pcap_path = sys.argv[1:7]
# Each device's addresses (IPv4, IPv6, VLAN 100): the first is the plain IPv4 one.
a_addrs, b_addrs = addrs_a.split(","), addrs_b.split(",")
addr_a, addr_b = a_addrs[0], b_addrs[0]
def out(name, ok, expected, got, detail="", known=False):
    verdict = "PASS" if ok else ("KNOWN" if known else "FAIL")
    print("\t".join([name, verdict, str(expected), str(got), detail.replace("\t", " ")]))
# What the kernel's own tool listed during the runs: (device, qpn) -> pids.
listed, kernel_qps = {}, set()
try:
    for line in open(res_path):
        try:
            for q in json.loads(line):
                if "pid" in q:
                    listed.setdefault((q.get("ifname"), q.get("lqpn")), set()).add(q["pid"])
                elif q.get("lqpn") not in (None, 0, 1):
                    kernel_qps.add((q.get("ifname"), q.get("lqpn")))  # a kernel ULP's (NVMe over Fabrics)
        except ValueError:
            pass
except OSError:
    pass
try:
    live = json.load(open(live_path))
except Exception as e:
    out("attribution", False, "a live snapshot", "none", str(e)); sys.exit(0)
procs = {}
for line in open(pids_path).read().splitlines()[1:]:
    run, role, pid, tool = line.split("\t")
    if pid:
        procs[int(pid)] = (run, role, tool.rsplit("/", 1)[-1][:15])  # comm: the file's name, 15 bytes
qps = live.get("qps", [])
device_of = {**{a: "rxeA" for a in a_addrs}, **{b: "rxeB" for b in b_addrs}}
rc_all = [q for q in qps if q.get("transport") == "RC" and q["qpn"] != 1]
kernel_rc = [q for q in rc_all if (device_of.get(q["dst"]), q["qpn"]) in kernel_qps]
rc = [q for q in rc_all if q not in kernel_rc]
wrong, unlisted, owners = [], [], set()
for q in rc:
    p = q.get("process") or {}
    name = f"{q['src']}>{q['dst']}/0x{q['qpn']:x}"
    got = f"{q.get('qp_owner')} {p.get('comm')}/{p.get('pid')} {q.get('qp_type')} on {q.get('rdma_device')}"
    known = procs.get(p.get("pid"))
    if (q.get("qp_owner") != "process" or known is None or p.get("comm") != known[2]
            or q.get("qp_type") != "RC" or q.get("rdma_device") != device_of.get(q["dst"])):
        # rdmatop can only know what RDMA netlink tells: a QP `rdma -d res show qp` never
        # listed either is a limit of the kernel's dump, not of rdmatop.
        (wrong if (device_of.get(q["dst"]), q["qpn"]) in listed else unlisted).append(f"{name}: {got}")
    else:
        owners.add(p["pid"])
missing = [f"{r} {role} {t}/{pid}" for pid, (r, role, t) in sorted(procs.items()) if pid not in owners]
named = len(rc) - len(wrong) - len(unlisted)
out("attribution_rc_flows", len(rc) > 0 and not wrong and not unlisted,
    "every RC flow: its tool's comm and pid (pids.tsv), type RC, the destination's device",
    f"{named} of {len(rc)} RC flows", "; ".join((wrong + unlisted)[:4]), known=not wrong and named + len(unlisted) == len(rc))
out("attribution_listed_qps", not wrong and len(rc) > 0,
    "every RC flow whose QP `rdma -d res show qp` listed during the run: named as rdmatop names it",
    f"{len(wrong)} wrong, {named} named, {len(unlisted)} never listed by rdma either", "; ".join(wrong[:4]))
out("attribution_every_process", not missing and len(procs) > 0, f"all {len(procs)} tool processes own a flow",
    f"{len(procs) - len(missing)} do", "missing: " + "; ".join(missing[:4]) if missing else "",
    known=not wrong and len(unlisted) > 0)
# The QPs `rdma res show qp` listed without a pid are a kernel ULP's: rdmatop says so.
bad_kernel = [f"{q['src']}>{q['dst']}/0x{q['qpn']:x}: {q.get('qp_owner')}" for q in kernel_rc if q.get("qp_owner") != "kernel"]
out("attribution_kernel_qps", not bad_kernel, "every RC flow to a QP the kernel owns (listed without a pid): owner kernel",
    f"{len(kernel_rc) - len(bad_kernel)} of {len(kernel_rc)}", "; ".join(bad_kernel[:3]))
gsi = [q for q in qps if q["qpn"] == 1]
bad = [f"{q['src']}>{q['dst']}: {q.get('qp_owner')}" for q in gsi if q.get("qp_owner") != "kernel"]
out("attribution_qp1_kernel", not bad, "QP 1 flows owned by the kernel", f"{len(gsi) - len(bad)} of {len(gsi)}",
    "; ".join(bad[:3]))

# Device counters (rxeB, port 1) against rdmatop's count on vethB (docs/analysis.md, "Device counters").
dev = next((d for d in live.get("device_counters", []) if d.get("device") == "rxeB"), None)
if dev is None:
    out("device_counters", False, "rxeB's hw counters in the JSON", "none"); sys.exit(0)
c = dev["counters"]
to_b = [q for q in qps if q["dst"] in b_addrs]
from_b = [q for q in qps if q["src"] in b_addrs]
tx = sum(q["packets"] for q in from_b)
rx = sum(q["packets"] for q in to_b)
out("device_sent_pkts", c.get("sent_pkts") == tx, f"rxeB sent_pkts = rdmatop packets from {addr_b} ({tx})",
    c.get("sent_pkts"), "must agree: every packet rxe sends leaves by vethB's egress, where tc counts it")
# rxe counts a packet only if its QP still exists. A perftest client may end (and the server
# destroy its QPs) while one QP's last replay is still on the wire: those requests reach rxeB,
# which refuses them, and answers none (three runs of 40: 85, 215 and 62 refused, all in
# write_bw_loss). rxeB's responder works through its queue after it counted a packet, so the
# packets it refused may come before its last answer in the capture: with loss that answer is
# often a sequence NAK, and rxe drops the out-of-sequence packets after it silently. So the
# bound, read from the capture apart from rdmatop: on each QP, the packets to rxeB after the
# last one rxeB shows it accepted (the PSN its last answer acknowledges, or the one before
# the PSN a NAK asks for), plus the answers to rxeB's last request after the first.
def refusable(path, a, b):
    import socket, struct
    try:
        data = open(path, "rb").read()
    except OSError:
        return None
    if len(data) < 24 or data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\xd4\x3c\xb2\xa1"):
        return None
    a_ip, b_ip = socket.inet_aton(a), socket.inet_aton(b)
    answers = (0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12)  # RDMA READ responses, ACK, atomic ACK
    off, n, to_b, from_b = 24, 0, {}, []
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        n += 1
        if len(pkt) < 14 + 20 + 8 + 12 or pkt[12:14] != b"\x08\x00" or pkt[23] != 17:
            continue
        udp = 14 + (pkt[14] & 15) * 4
        if len(pkt) < udp + 20 or struct.unpack_from(">H", pkt, udp + 2)[0] != 4791:
            continue
        op, qpn = pkt[udp + 8], struct.unpack_from(">I", pkt, udp + 12)[0] & 0xFFFFFF
        psn = struct.unpack_from(">I", pkt, udp + 16)[0] & 0xFFFFFF
        if op >= 0x20:  # not RC
            continue
        syndrome = pkt[udp + 20] if len(pkt) > udp + 20 else 0
        if pkt[26:30] == a_ip and pkt[30:34] == b_ip:
            to_b.setdefault(qpn, []).append((n, op in answers, psn))
        elif pkt[26:30] == b_ip and pkt[30:34] == a_ip:
            from_b.append((n, op in answers, psn, syndrome))
    total = 0
    for pkts in to_b.values():
        requests = [(n, psn) for n, answer, psn in pkts if not answer]
        replies = [(n, psn) for n, answer, psn in pkts if answer]
        # B's answers to this QP's requests, and B's requests this QP's replies answer,
        # told apart from other QPs' by PSN (each QP starts at a random one).
        asked, replied = {psn for _, psn in requests}, {psn for _, psn in replies}
        mine = [x for x in from_b if x[1] and x[2] in asked]
        if requests:
            if mine:
                n_last, _, psn, syndrome = mine[-1]
                accepted = psn if syndrome < 0x20 else (psn - 1) & 0xFFFFFF
                copies = [n for n, p in requests if p == accepted and n < n_last]
                since = max(copies) if copies else n_last
                total += sum(1 for n, _ in requests if n > since)
            else:
                total += len(requests)
        if replies:
            # rxeB completes its last request on the first answer to it and may destroy the
            # QP; answers to it resent after that (a duplicate ACK per resent packet) may be
            # refused.
            asks = [x[0] for x in from_b if not x[1] and x[2] in replied]
            after = sum(1 for n, _ in replies if not asks or n > asks[-1])
            total += after if not asks else max(0, after - 1)
    return total
late = refusable(pcap_path, addr_a, addr_b)
got = c.get("rcvd_pkts")
refused = rx - got if isinstance(got, int) else None
out("device_rcvd_pkts", refused == 0, f"rxeB rcvd_pkts = rdmatop packets to {addr_b} ({rx})", got,
    "must agree while every packet passes rxe's checks (ICRC, an existing QP)"
    + (f"; {refused} refused, {late} came after the last packet rxeB accepted on their QP" if refused else ""),
    known=refused is not None and late is not None and 0 < refused <= late)
naks = sum(q.get("naks", {}).get("psn_sequence_error", 0) for q in from_b)
out("device_out_of_seq", c.get("out_of_seq_request") == naks,
    f"rxeB out_of_seq_request = PSN-sequence NAKs from {addr_b} ({naks})", c.get("out_of_seq_request"),
    "must agree: rxe counts each sequence-error NAK it sends")
retx = sum(q.get("retransmitted_packets", 0) for q in to_b)
dup = c.get("duplicate_request")
out("device_duplicate_request", dup is not None and dup <= retx,
    f"rxeB duplicate_request <= retransmitted_packets to {addr_b} ({retx})", dup,
    "need not agree: a resent PSN rxe had dropped out of sequence is new to rxe, not a duplicate")
naks_to_b = sum(sum(q.get("naks", {}).values()) for q in to_b)
out("device_rcvd_seq_err", c.get("rcvd_seq_err", 0) <= naks_to_b,
    f"rxeB rcvd_seq_err <= NAKs to {addr_b} ({naks_to_b})", c.get("rcvd_seq_err"))
print("\t".join(["#counters", json.dumps(c, sort_keys=True)]), file=sys.stderr)
PYEOF
while IFS=$'\t' read -r name verdict expected got detail; do
	check "$name" "$verdict" "$expected" "$got" "$detail"
done < <("$PY" "$W/attribution.py" "$LIVE_JSON" "$PIDS" "$ADDRS_A" "$ADDRS_B" "$OUT/rdma-res.jsonl" "$PCAP" 2> "$W/attribution.err")
grep '^#counters' "$W/attribution.err" | cut -f2 > "$OUT/device-counters.json"
if grep -qv '^#counters' "$W/attribution.err"; then
	check attribution_script FAIL "no errors" "errors" "$(grep -v '^#counters' "$W/attribution.err" | oneline)"
fi

# `rdmatop rxeB`: an RDMA device name watches its netdev, and the header names both.
"$RDMATOP" rxeB --once --interval 1 > "$W/rdmatop-rxeB.txt" 2> "$W/rdmatop-rxeB.err"
DEV_RC=$?
cp "$W/rdmatop-rxeB.txt" "$OUT/rdmatop-rxeB.txt"
header=$(head -n 1 "$W/rdmatop-rxeB.txt")
if [[ $DEV_RC -eq 0 && $header == "rdmatop: interface rxeB on vethB "* ]]; then v=PASS; else v=FAIL; fi
check rdma_device_name $v "exit 0, header 'rdmatop: interface rxeB on vethB ...'" "exit $DEV_RC, '$header'" \
	"$(oneline < "$W/rdmatop-rxeB.err")"

# counts.tsv: the numbers compared, one row per source.
"$PY" - "$LIVE_JSON" "$FILE_JSON" "$TD_ALL" "$TD_IN" "$TD_OUT" > "$OUT/counts.tsv" <<'PYEOF'
import json, sys
def load(p):
    try:
        return json.load(open(p))
    except Exception:
        return {}
live, read = load(sys.argv[1]), load(sys.argv[2])
print("source\troce_packets\trx_to_B\ttx_from_B\tflows\tlost_events")
print(f"tcpdump\t{sys.argv[3]}\t{sys.argv[4]}\t{sys.argv[5]}\t\t")
q = live.get("qps", [])
print(f"rdmatop_live\t{live.get('totals', {}).get('roce_packets')}\t"
      f"{sum(x['packets'] for x in q if x.get('direction') == 'rx')}\t"
      f"{sum(x['packets'] for x in q if x.get('direction') == 'tx')}\t{len(q)}\t"
      f"{live.get('source', {}).get('lost_events')}")
print(f"rdmatop_read\t{read.get('totals', {}).get('roce_packets')}\t\t\t{len(read.get('qps', []))}\t")
PYEOF
table < "$OUT/counts.tsv"
[[ -r $OUT/flows.tsv ]] && table < "$OUT/flows.tsv"

# ------------------------------------------------------------------ wrap up
dmesg > "$OUT/dmesg.txt" 2>&1
grep -E 'rxe|rdma|bpf|xdp|WARNING|BUG|Oops|Call Trace' "$OUT/dmesg.txt" | tail -n 20
oops=$(grep -cE 'WARNING:|BUG:|Oops|Call Trace|general protection' "$OUT/dmesg.txt")
check_eq kernel_log "no warnings" "$( ((oops == 0)) && echo "no warnings" || echo "$oops warning lines")" \
	"$(grep -m1 -E 'WARNING:|BUG:|Oops|Call Trace|general protection' "$OUT/dmesg.txt" | oneline)"
rdma link delete rxeA 2>/dev/null
rdma link delete rxeB 2>/dev/null
ip link del vethA 2>/dev/null
log "done: $FAILED failed check(s)"
printf '%s\n' "$FAILED" > "$OUT/failed"
exec >&- 2>&-
wait $TEE_PID 2>/dev/null
exit $(( FAILED > 120 ? 120 : FAILED ))
