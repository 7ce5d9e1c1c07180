#!/bin/bash
# kernel-patches/lab-guest.sh OUTDIR LOADER XDP_COUNT_OBJ [RDMATOP]
# Runs INSIDE the rxe-vm guest (as root), booted by kernel-patches/lab with a kernel that
# carries the XDP_FLAGS_RDMA series. Exit status: the number of failed checks.
#
#   LOADER         samples/bpf/xdp_rdma_pkts of the series, built on the host (its BPF
#                  object next to it as LOADER.bpf.o); counts RoCE packets per device and
#                  direction from an RDMA-mode XDP program attached through a BPF link
#   XDP_COUNT_OBJ  a plain XDP counter (../shared/lab/bpf/roce_count.c, xdp_cnt map) used
#                  as the device's own native/generic XDP program
#   RDMATOP        optional: an rdmatop binary with --mode rdma; when given, rdmatop is
#                  checked against tcpdump too (phase "rdmatop")
#
# Topology, all in the initial netns (rxe binds its UDP socket only there):
#   rxeA on vethA 10.0.0.1  <== veth ==>  10.0.0.2 vethB with rxeB
# Both addresses are local: policy routing sends A->B out of vethA and B->A out of vethB.
#
# Phases, each check reported as "LAB <check> ok|FAIL <details>" and in OUTDIR/results.tsv:
#   counts     rping + ib_write_bw; the loader's rx/tx counts on vethA and vethB equal
#              tcpdump's (rx on vethX = packets to X's address, tx = packets from it);
#              ip link output; a second RDMA-mode attach fails (link and netlink)
#   coexist    the same with a native XDP program on vethB and a generic one on vethA:
#              all counters agree with tcpdump, reporting of the native program unchanged,
#              "xdp off" removes the native program and leaves RDMA mode alone
#   detach     netlink attach/detach; SIGKILL of a link holder detaches
#   drop       XDP_DROP on rx (vethB) and tx (vethA): rping still completes, rxe's
#              xdp_rx_drops/xdp_tx_drops equal the program's drops, tcpdump misses the
#              dropped transmissions
#   actions    lab-actions.bpf.o (next to LOADER): XDP_REDIRECT from bpf_redirect() on
#              every packet is warned about and passed (no crash on the process-context
#              transmit path), XDP_ABORTED on every 5th RC rx packet drops it
#   selftest   selftest/test_progs (next to LOADER) -t xdp_rdma: the series' BPF selftest
#   rdmatop    (RDMATOP given) `rdmatop IFACE --mode rdma --once --json` on vethA and vethB
#              during the same traffic and an ibv_rc_pingpong over IPv6 GIDs: its rx/tx RoCE
#              packet counts, and its IPv6 ones, equal tcpdump's
set -u
OUT=${1:-/mnt/out}
LOADER=${2:?loader}
XDPCNT=${3:?xdp counter object}
RDMATOP=${4:-}
PHASES=${5:-counts coexist detach drop actions selftest rdmatop}
A=10.0.0.1 B=10.0.0.2
A6=fd00::1 B6=fd00::2  # the rdmatop phase's IPv6 GIDs (rxe_pair_ipv6)
W=/tmp/lab
mkdir -p "$W" "$OUT"
exec > >(tee "$OUT/guest.log") 2>&1
printf 'check\tresult\tdetails\n' > "$OUT/results.tsv"
T0=$(date +%s)
FAILS=0
log() { echo "== [$(($(date +%s) - T0))s] $*"; }
res() { # check ok|FAIL details...
	local c=$1 r=$2
	shift 2
	echo "LAB $c $r $*"
	printf '%s\t%s\t%s\n' "$c" "$r" "$*" >> "$OUT/results.tsv"
	[[ $r == ok ]] || FAILS=$((FAILS + 1))
}
# expect CHECK EXPECTED ACTUAL [details]
expect() {
	if [[ $2 == "$3" ]]; then res "$1" ok "$3 ${4:-}"; else res "$1" FAIL "expected $2, got $3 ${4:-}"; fi
}

log "kernel $(uname -r), $(nproc) cpus"
if [[ -r /proc/config.gz ]]; then
	zcat /proc/config.gz | grep -E '^CONFIG_(RDMA_RXE|BPF_SYSCALL|VETH|MODULES)=' | tr '\n' ' '
	echo
fi
[[ -x $LOADER && -r $LOADER.bpf.o ]] || { res setup FAIL "no loader $LOADER"; exit 1; }

# ------------------------------------------------------------------ topology
# rxe-pair.sh: kernel-patches/lab passes a copy in OUTDIR/lab (a clone under /tmp or /root
# is not visible in the guest); else from the clone beside this script.
for d in "$OUT/lab" "${RXEVM_SCRIPT_DIR:-$(dirname "$(readlink -f "$0")")}/../tests/lab"; do
	# shellcheck source=tests/lab/rxe-pair.sh
	[[ -r $d/rxe-pair.sh ]] && { source "$d/rxe-pair.sh"; break; }
done
declare -F rxe_pair_setup > /dev/null || { res setup FAIL "no rxe-pair.sh in $OUT/lab"; exit 1; }
if ! rxe_pair_setup $A $B; then
	res setup FAIL "veth/rxe setup failed"
	exit 1
fi
rxe_pair_gids 20
[[ -n ${GA:-} && -n ${GB:-} ]] || { res setup FAIL "no RoCE v2 GIDs"; exit 1; }
res setup ok "rxeA/vethA $A, rxeB/vethB $B, GID index $GA/$GB"

# ------------------------------------------------------------------ helpers
CAPS=()
start_caps() { # NAME: tcpdump on both veths
	local d
	CAPS=()
	CAPS_NAME=$1
	for d in vethA vethB; do
		# -B 32768: a 32 MiB socket buffer, so that tcpdump, the count everything is checked
		# against, keeps up when qemu is starved (a cold make test builds a kernel beside it:
		# one run's tcpdump missed 759 of 12863 packets with the default 2 MiB)
		tcpdump -Z root -B 32768 -i $d -n -U -w "$W/$1-$d.pcap" udp port 4791 2> "$W/$1-$d.tcpdump" &
		CAPS+=($!)
	done
	for d in vethA vethB; do
		for _ in $(seq 1 40); do
			grep -q 'listening on' "$W/$1-$d.tcpdump" && break
			sleep 0.25
		done
	done
}
stop_caps() {
	sleep 1
	kill -INT "${CAPS[@]}" 2> /dev/null
	wait "${CAPS[@]}" 2> /dev/null
	# tcpdump's own report: counts compared with a capture that dropped packets are not valid
	grep -h 'dropped by kernel' "$W/$CAPS_NAME"-*.tcpdump 2> /dev/null | grep -v '^0 ' | sed "s/^/tcpdump ($CAPS_NAME): /" >&2
}
pcount() { # NAME DEV FILTER
	tcpdump -r "$W/$1-$2.pcap" -n "$3" 2> /dev/null | wc -l
}
LPID=
start_loader() { # NAME IFACE_COUNT ARGS...: the loader in the background, attached
	local name=$1 n=$2
	shift 2
	"$LOADER" "$@" > "$W/$name.out" 2> "$W/$name.err" &
	LPID=$!
	for _ in $(seq 1 80); do
		[[ $(grep -c 'attached to' "$W/$name.err") -ge $n ]] && return 0
		kill -0 $LPID 2> /dev/null || break
		sleep 0.25
	done
	cat "$W/$name.err"
	return 1
}
stop_loader() { # stop the loader, counters in $W/NAME.out
	kill -INT $LPID 2> /dev/null
	wait $LPID
}
jget() { # FILE IFACE DIR FIELD: from the loader's -j output (its last line)
	python3 -c '
import json, sys
line = [l for l in open(sys.argv[1]) if l.startswith("{")][-1]
print(json.loads(line)[sys.argv[2]][sys.argv[3]][sys.argv[4]])' "$@" 2> /dev/null || echo "?"
}
RPING_N=0
run_rping() { # COUNT: rping between rxeB (server) and rxeA; logs kept in OUTDIR on failure
	local t=$(date +%s)
	RPING_N=$((RPING_N + 1))
	timeout 120 rping -s -a $B -C "$1" -S 64 > "$W/rping-s.log" 2>&1 &
	local sp=$!
	sleep 3
	timeout 120 rping -c -a $B -I $A -C "$1" -S 64 -v > "$W/rping-c.log" 2>&1
	local crc=$?
	wait $sp
	local src=$?
	RPING_MSG="client rc=$crc server rc=$src in $(($(date +%s) - t))s"
	[[ $crc -eq 0 && $src -eq 0 ]] && return 0
	cp "$W/rping-s.log" "$OUT/rping$RPING_N-server.log"
	cp "$W/rping-c.log" "$OUT/rping$RPING_N-client.log"
	RPING_MSG+=" (logs: rping$RPING_N-*.log)"
	return 1
}
PORT=18600
run_write_bw() { # ITERATIONS
	PORT=$((PORT + 1))
	timeout 300 ib_write_bw -d rxeB -x "$GB" -p $PORT -n "$1" -s 65536 -F > "$W/wbw-s.log" 2>&1 &
	local sp=$!
	for _ in $(seq 1 60); do
		ss -ltn "sport = :$PORT" | grep -q LISTEN && break
		sleep 0.5
	done
	timeout 300 ib_write_bw -d rxeA -x "$GA" -p $PORT -n "$1" -s 65536 -F $B > "$W/wbw-c.log" 2>&1
	local crc=$?
	wait $sp
	local src=$?
	[[ $crc -eq 0 && $src -eq 0 ]]
}
run_pingpong6() { # ITERATIONS: ibv_rc_pingpong over rxeA's and rxeB's IPv6 GIDs
	PORT=$((PORT + 1))
	timeout 120 ibv_rc_pingpong -d rxeB -g "$G6B" -p $PORT -n "$1" -s 2048 > "$W/pp6-s.log" 2>&1 &
	local sp=$!
	for _ in $(seq 1 60); do
		ss -ltn "sport = :$PORT" | grep -q LISTEN && break
		sleep 0.5
	done
	timeout 120 ibv_rc_pingpong -d rxeA -g "$G6A" -p $PORT -n "$1" -s 2048 $B > "$W/pp6-c.log" 2>&1
	local crc=$?
	wait $sp
	local src=$?
	[[ $crc -eq 0 && $src -eq 0 ]]
}
# compare_loader CHECK NAME [dump]: the loader's four counts against tcpdump's (and against
# the packets it printed from the ring buffer, with "dump")
compare_loader() {
	local c=$1 n=$2 dump=${3:-} d addr dir want got
	for d in vethA vethB; do
		[[ $d == vethA ]] && addr=$A || addr=$B
		for dir in rx tx; do
			if [[ $dir == rx ]]; then want=$(pcount "$n" $d "dst host $addr")
			else want=$(pcount "$n" $d "src host $addr"); fi
			got=$(jget "$W/$n.out" $d $dir packets)
			expect "$c.$d.$dir" "$want" "$got" "packets (tcpdump on $d: $want)"
			[[ -n $dump ]] && expect "$c.$d.$dir.ringbuf" "$got" \
				"$(grep -cE "^[0-9]+\.[0-9]+ $dir $d " "$W/$n.out")" "packets printed from the ring buffer"
		done
		expect "$c.$d.not_roce" 0 "$(( $(jget "$W/$n.out" $d rx not_roce) + $(jget "$W/$n.out" $d tx not_roce) ))"
	done
}
prog_id_of() { # PROGNAME: id of the loaded program with that name
	bpftool -j prog show 2> /dev/null | python3 -c '
import json, sys
ids = [p["id"] for p in json.load(sys.stdin) if p.get("name") == sys.argv[1]]
print(ids[-1] if ids else 0)' "$1"
}
xdp_json() { # DEV FIELD: from `ip -j link show`: mode, prog id
	ip -j link show dev "$1" | python3 -c '
import json, sys
x = json.load(sys.stdin)[0].get("xdp", {})
f = sys.argv[1]
print(x.get("mode", 0) if f == "mode" else x.get("prog", {}).get("id", 0))' "$2"
}
xdp_cnt() { # PROG_ID: the "roce" entry (key 1) of that program's xdp_cnt map
	local m
	m=$(bpftool -j prog show id "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["map_ids"][0])')
	bpftool -j map dump id "$m" | python3 -c '
import json, sys
v = {}
for e in json.load(sys.stdin):
    f = e.get("formatted", e)
    k, x = f["key"], f["value"]
    if isinstance(k, list): k = int.from_bytes(bytes(int(b, 16) for b in k), "little")
    if isinstance(x, list): x = int.from_bytes(bytes(int(b, 16) for b in x), "little")
    v[int(k)] = int(x)
print(v.get(1, 0))'
}
hwc() { # RXE COUNTER
	cat /sys/class/infiniband/$1/ports/1/hw_counters/$2 2> /dev/null || echo "?"
}

# ------------------------------------------------------------------ counts
TRAFFIC_S=60
phase_counts() {
log "phase counts: loader on vethA and vethB, rping + ib_write_bw"
start_caps counts
if start_loader counts 2 -v -j vethA vethB; then
	res counts.attach ok "$(tr '\n' ' ' < "$W/counts.err")"
	RID=$(prog_id_of xdp_rdma_pkts)
	ip link show dev vethB | tee "$W/iplink.txt"
	ip -d link show dev vethB | tee "$W/iplink-d.txt"
	ip -j link show dev vethB > "$W/iplink.json"
	cp "$W"/iplink* "$OUT/"
	grep -q 'xdp\[5\]' "$W/iplink.txt" && res counts.iplink ok "ip link: $(grep -o 'xdp\[5\][^ ]*' "$W/iplink.txt")" ||
		res counts.iplink FAIL "no xdp[5] in ip link output"
	grep -q "prog/xdp id $RID " "$W/iplink-d.txt" && res counts.iplink_d ok "ip -d link: prog/xdp id $RID" ||
		res counts.iplink_d FAIL "no 'prog/xdp id $RID' in ip -d link output"
	expect counts.iplink_json "5 $RID" "$(xdp_json vethB mode) $(xdp_json vethB id)" "(ip -j: mode, prog id)"
	# a second RDMA-mode program on the same device: refused, through a link and netlink
	"$LOADER" -t 1 vethB > /dev/null 2> "$W/second.err"
	rc=$?
	[[ $rc -ne 0 ]] && grep -q 'already attached' "$W/second.err" &&
		res counts.second_link ok "$(cat "$W/second.err")" ||
		res counts.second_link FAIL "rc=$rc $(cat "$W/second.err")"
	"$LOADER" -N -t 1 vethB > /dev/null 2> "$W/second.err"
	rc=$?
	[[ $rc -ne 0 ]] && grep -q 'already attached' "$W/second.err" &&
		res counts.second_netlink ok "$(cat "$W/second.err")" ||
		res counts.second_netlink FAIL "rc=$rc $(cat "$W/second.err")"
	t=$(date +%s)
	run_rping 10 && res counts.rping ok "rping -C 10" ||
		res counts.rping FAIL "$RPING_MSG"
	run_write_bw 200 && res counts.write_bw ok "ib_write_bw -n 200 -s 65536: $(grep -A1 '#bytes' "$W/wbw-c.log" | tail -1 | tr -s ' ')" ||
		res counts.write_bw FAIL "$(tail -2 "$W/wbw-c.log" | tr '\n' ' ')"
	TRAFFIC_S=$(($(date +%s) - t))
	stop_loader
	stop_caps
	tail -1 "$W/counts.out" | tee "$OUT/counts.json"
	grep -m3 ' opcode ' "$W/counts.out"
	gzip -c "$W/counts.out" > "$OUT/counts-dump.txt.gz"
	compare_loader counts counts dump
	expect counts.detached 0 "$(xdp_json vethB mode)" "(xdp mode after the loader exited)"
else
	res counts.attach FAIL "loader did not attach"
	stop_caps
fi
}

# ------------------------------------------------------------------ coexist
phase_coexist() {
log "phase coexist: native XDP on vethB, generic XDP on vethA, RDMA mode on both"
ip link set dev vethB xdpdrv obj "$XDPCNT" sec xdp && ip link set dev vethA xdpgeneric obj "$XDPCNT" sec xdp ||
	res coexist.native FAIL "cannot attach xdp_count"
NID=$(xdp_json vethB id) GID=$(xdp_json vethA id)
start_caps coexist
if start_loader coexist 2 -j vethA vethB; then
	ip link show dev vethB | tee -a "$OUT/iplink-coexist.txt"
	ip link show dev vethA | tee -a "$OUT/iplink-coexist.txt"
	# the devices' own programs are reported exactly as without RDMA mode
	expect coexist.report_native "1 $NID" "$(xdp_json vethB mode) $(xdp_json vethB id)" "(vethB: XDP_ATTACHED_DRV, native id)"
	expect coexist.report_generic "2 $GID" "$(xdp_json vethA mode) $(xdp_json vethA id)" "(vethA: XDP_ATTACHED_SKB, generic id)"
	run_rping 10 && res coexist.rping ok "rping -C 10" ||
		res coexist.rping FAIL "$RPING_MSG"
	NCNT=$(xdp_cnt "$NID") GCNT=$(xdp_cnt "$GID")
	# "xdp off" without a mode flag addresses the packet path only
	ip link set dev vethB xdp off
	expect coexist.xdp_off "5 $(prog_id_of xdp_rdma_pkts)" "$(xdp_json vethB mode) $(xdp_json vethB id)" "(vethB after xdp off: RDMA mode left)"
	stop_loader
	stop_caps
	compare_loader coexist coexist
	expect coexist.native_count "$(pcount coexist vethB "dst host $B")" "$NCNT" "(native XDP counter on vethB)"
	expect coexist.generic_count "$(pcount coexist vethA "dst host $A")" "$GCNT" "(generic XDP counter on vethA)"
else
	res coexist.attach FAIL "loader did not attach next to native/generic XDP"
	stop_caps
fi
ip link set dev vethB xdpdrv off 2> /dev/null
ip link set dev vethA xdpgeneric off 2> /dev/null
expect coexist.clean "0 0" "$(xdp_json vethA mode) $(xdp_json vethB mode)"
}

# ------------------------------------------------------------------ detach
phase_detach() {
log "phase detach: netlink attach, SIGKILL of a link holder"
if start_loader netlink 1 -N vethB; then
	expect detach.netlink_attached 5 "$(xdp_json vethB mode)"
	stop_loader
	expect detach.netlink_detached 0 "$(xdp_json vethB mode)" "(after SIGINT)"
else
	res detach.netlink_attached FAIL "$(cat "$W/netlink.err")"
fi
if start_loader killed 1 vethB; then
	expect detach.link_attached 5 "$(xdp_json vethB mode)"
	kill -KILL $LPID
	wait $LPID 2> /dev/null
	sleep 0.5
	expect detach.sigkill 0 "$(xdp_json vethB mode)" "(after SIGKILL of the link holder)"
else
	res detach.link_attached FAIL "$(cat "$W/killed.err")"
fi
}

# ------------------------------------------------------------------ drop
phase_drop() {
local side dev rxe before dropped sent t
log "phase drop: XDP_DROP every 4th rx packet on vethB, then every 4th tx packet on vethA"
for side in rx tx; do
	if [[ $side == rx ]]; then dev=vethB rxe=rxeB; else dev=vethA rxe=rxeA; fi
	before=$(hwc $rxe xdp_${side}_drops)
	start_caps drop$side
	if start_loader drop$side 1 -j -d 4 -D $side $dev; then
		t=$(date +%s)
		run_rping 10 && res drop.$side.rping ok "rping -C 10 completed in $(($(date +%s) - t))s despite the drops" ||
			res drop.$side.rping FAIL "$RPING_MSG"
		stop_loader
		stop_caps
		cat "$W/drop$side.out"
		dropped=$(jget "$W/drop$side.out" $dev $side dropped)
		[[ $dropped =~ ^[0-9]+$ && $dropped -gt 0 ]] && res drop.$side.dropped ok "$dropped packets dropped" ||
			res drop.$side.dropped FAIL "dropped=$dropped"
		expect drop.$side.rxe_counter "$dropped" "$(( $(hwc $rxe xdp_${side}_drops) - before ))" "($rxe xdp_${side}_drops)"
		if [[ $side == tx ]]; then
			sent=$(jget "$W/droptx.out" vethA tx packets)
			expect drop.tx.tcpdump "$((sent - dropped))" "$(pcount droptx vethA "src host $A")" \
				"(tcpdump on vethA sees the transmissions that were not dropped)"
		fi
	else
		res drop.$side FAIL "loader did not attach"
		stop_caps
	fi
done
}

# ------------------------------------------------------------------ actions
phase_actions() {
local obj before_a before_b warn0 warn1 d addr
obj=$(dirname "$LOADER")/lab-actions.bpf.o
log "phase actions: bpf_redirect() + XDP_REDIRECT on every packet, XDP_ABORTED on every 5th RC rx packet"
[[ -r $obj ]] || { res actions FAIL "no $obj"; return; }
before_a=$(hwc rxeA xdp_rx_drops) before_b=$(hwc rxeB xdp_rx_drops)
warn0=$(dmesg | grep -c 'RDMA-mode XDP program .* returned unsupported action 4')
start_caps actions
if start_loader actions 2 -o "$obj" -j -d 5 -D rx vethA vethB; then
	run_rping 10 && res actions.rping ok "rping -C 10 with XDP_REDIRECT/XDP_ABORTED returned" ||
		res actions.rping FAIL "$RPING_MSG"
	stop_loader
	stop_caps
	tail -1 "$W/actions.out"
	for d in vethA vethB; do
		[[ $d == vethA ]] && addr=$A || addr=$B
		# XDP_REDIRECT passed every transmitted packet: all of them on the wire
		expect actions.$d.tx_passed "$(pcount actions $d "src host $addr")" \
			"$(jget "$W/actions.out" $d tx packets)" "(tcpdump on $d vs packets sent)"
		expect actions.$d.rx_seen "$(pcount actions $d "dst host $addr")" \
			"$(jget "$W/actions.out" $d rx packets)" "(tcpdump on $d vs packets received)"
	done
	expect actions.aborted_counted "$(jget "$W/actions.out" vethA rx dropped) $(jget "$W/actions.out" vethB rx dropped)" \
		"$(( $(hwc rxeA xdp_rx_drops) - before_a )) $(( $(hwc rxeB xdp_rx_drops) - before_b ))" \
		"(XDP_ABORTED: program's count = rxeA, rxeB xdp_rx_drops)"
	warn1=$(dmesg | grep -c 'RDMA-mode XDP program .* returned unsupported action 4')
	[[ $warn1 -gt $warn0 ]] && res actions.redirect_warned ok "$(dmesg | grep -m1 'returned unsupported action 4' | cut -c1-150)" ||
		res actions.redirect_warned FAIL "no warning for XDP_REDIRECT in dmesg"
else
	res actions.attach FAIL "$(cat "$W/actions.err")"
	stop_caps
fi
}

# ------------------------------------------------------------------ selftest
phase_selftest() {
local tp rc
tp=$(dirname "$LOADER")/selftest/test_progs
log "phase selftest: $tp -t xdp_rdma"
[[ -x $tp ]] || { res selftest FAIL "no $tp"; return; }
(cd /tmp && timeout 300 "$tp" -t xdp_rdma > "$OUT/selftest.log" 2>&1)
rc=$?
grep -E '^#[0-9]' "$OUT/selftest.log"
if [[ $rc -eq 0 ]]; then
	res selftest ok "$(grep -E '^#[0-9]+/' "$OUT/selftest.log" | tr -s ' \t' ' ' | tr '\n' ' ')$(grep -m1 '^Summary' "$OUT/selftest.log")"
else
	res selftest FAIL "rc=$rc $(grep -E ':FAIL' "$OUT/selftest.log" | head -3 | tr '\n' ' ') (selftest.log)"
fi
}

# ------------------------------------------------------------------ rdmatop
# window_check JSON PCAP: the kernel's PSN window of a sampled rdmatop against the PSNs of
# tcpdump's capture on the same veth (read here, apart from rdmatop), on every request flow
# it follows: distinct_psns = the PSNs the flow's requests carried (flows with READ requests
# aside: the window does not follow them), retransmitted_packets = its request packets less
# those, missing_psns = the PSNs between its lowest and highest that never came.
window_check() {
	local got
	got=$(python3 - "$1" "$2" <<'PYEOF' 2>&1
import json, socket, struct, sys
doc = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
# Request opcodes (IBTA 9.2.1, the low five bits): SEND, WRITE, atomics; READ requests (0x0C)
# mark a flow the window does not follow.
REQUEST = set(range(0x00, 0x0C)) | {0x13, 0x14}
flows, reads = {}, set()
off = 24
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    if len(pkt) < 14 or pkt[12:14] not in (b"\x08\x00", b"\x86\xdd"):
        continue
    if pkt[12:14] == b"\x08\x00":
        ihl = (pkt[14] & 15) * 4
        src, dst, udp = socket.inet_ntop(socket.AF_INET, pkt[26:30]), socket.inet_ntop(socket.AF_INET, pkt[30:34]), 14 + ihl
    else:
        src, dst, udp = socket.inet_ntop(socket.AF_INET6, pkt[22:38]), socket.inet_ntop(socket.AF_INET6, pkt[38:54]), 54
    if len(pkt) < udp + 20 or struct.unpack_from(">H", pkt, udp + 2)[0] != 4791:
        continue
    op = pkt[udp + 8]
    qpn = struct.unpack_from(">I", pkt, udp + 12)[0] & 0xFFFFFF
    psn = struct.unpack_from(">I", pkt, udp + 16)[0] & 0xFFFFFF
    key = (src, dst, qpn)
    if op & 0x1F == 0x0C:
        reads.add(key)
    if op < 0x20 and op & 0x1F in REQUEST:
        f = flows.setdefault(key, [])
        f.append(psn)
compared, wrong = 0, []
for q in doc.get("qps", []):
    key = (q["src"], q["dst"], q["qpn"])
    if key in reads or key not in flows or q.get("distinct_psns") is None:
        continue
    # PSNs relative to the flow's first, as signed 24-bit distances (a flow may wrap).
    psns = [((p - flows[key][0] + 2**23) & 0xFFFFFF) - 2**23 for p in flows[key]]
    distinct = len(set(psns))
    # Nothing is lost here, so no PSN comes after its successors: the missing ones are those
    # between the lowest and the highest that never came.
    missing = (max(psns) - min(psns) + 1) - distinct
    want = (distinct, len(psns) - distinct, missing)
    got = (q.get("distinct_psns"), q.get("retransmitted_packets"), q.get("missing_psns"))
    compared += 1
    if want != got:
        wrong.append(f"{key}: pcap {want}, kernel {got}")
source = doc.get("source", {})
ok = compared > 0 and not wrong and source.get("events") == "sampled" and source.get("psns") == "kernel"
print("ok" if ok else "FAIL", f"{compared} flows, events {source.get('events')}, psns {source.get('psns')}", "; ".join(wrong[:3]))
PYEOF
)
	if [[ $got == ok* ]]; then res rdmatop.vethA.window ok "${got#ok }"; else res rdmatop.vethA.window FAIL "$got"; fi
}

phase_rdmatop() { # the product's probe, same traffic, against tcpdump
	# --interval 600: the snapshot comes when the traffic is over and SIGINT asks for it, as
	# a user's Ctrl-C would (a fixed interval had to allow for rdmatop's start under TCG).
	local secs=600 d pids=() addr addr6
	# RoCE over IPv6 too: the RDMA-mode hooks hand the program IPv6 packets as well.
	G6A= G6B=
	rxe_pair_ipv6 $A6 $B6 && for _ in $(seq 1 80); do
		G6A=$(rxe_gid_of rxeA "fd00:*") && G6B=$(rxe_gid_of rxeB "fd00:*") && break
		sleep 0.25
	done
	[[ -n $G6A && -n $G6B ]] || res rdmatop.ipv6 FAIL "no IPv6 RoCE v2 GID on rxeA/rxeB"
	log "phase rdmatop: $RDMATOP IFACE --mode rdma --once --json --interval $secs, SIGINT after the traffic"
	start_caps rdmatop
	# vethA's with sampled events (--sample 0): its per-flow counts are still the kernel's,
	# and the PSN window runs through the RDMA-mode hooks (rdmatop.vethA.window below).
	for d in vethA vethB; do
		"$RDMATOP" $d --mode rdma --once --json --interval $secs $([[ $d == vethA ]] && echo --sample 0) \
			> "$W/rdmatop-$d.json" 2> "$W/rdmatop-$d.err" &
		pids+=($!)
	done
	for _ in $(seq 1 80); do
		[[ $(xdp_json vethA mode) == 5 && $(xdp_json vethB mode) == 5 ]] && break
		sleep 0.25
	done
	expect rdmatop.attached "5 5" "$(xdp_json vethA mode) $(xdp_json vethB mode)" "(RDMA mode on vethA vethB)"
	run_rping 10 || res rdmatop.rping FAIL "$RPING_MSG"
	run_write_bw 200 || res rdmatop.write_bw FAIL "$(tail -2 "$W/wbw-c.log" | tr '\n' ' ')"
	[[ -n $G6A && -n $G6B ]] && { run_pingpong6 50 || res rdmatop.pingpong6 FAIL "$(tail -2 "$W/pp6-c.log" | tr '\n' ' ')"; }
	sleep 2  # the last ACKs and the connections' teardown
	kill -INT "${pids[@]}" 2> /dev/null
	for d in 0 1; do
		for _ in $(seq 1 240); do kill -0 "${pids[$d]}" 2> /dev/null || break; sleep 0.25; done
		kill -0 "${pids[$d]}" 2> /dev/null && { res rdmatop.exit FAIL "no exit 60 s after SIGINT"; kill -KILL "${pids[$d]}"; }
		wait "${pids[$d]}" || res rdmatop.exit FAIL "rdmatop exited $?"
	done
	stop_caps
	cp "$W"/rdmatop-*.json "$OUT/" 2> /dev/null
	expect rdmatop.detached "0 0" "$(xdp_json vethA mode) $(xdp_json vethB mode)"
	for d in vethA vethB; do
		[[ $d == vethA ]] && { addr=$A addr6=$A6; } || { addr=$B addr6=$B6; }
		# snapshot schema: qps[].direction and qps[].packets (docs/json-schema.md)
		read -r mode lost rx tx v6 < <(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
q = j.get("qps", [])
s = j.get("source", {})
print(s.get("mode"), s.get("lost_events"),
      sum(x["packets"] for x in q if x.get("direction") == "rx"),
      sum(x["packets"] for x in q if x.get("direction") == "tx"),
      sum(x["packets"] for x in q if ":" in x["src"]))' "$W/rdmatop-$d.json" 2> /dev/null || echo "? ? ? ? ?")
		expect rdmatop.$d.mode rdma "$mode"
		expect rdmatop.$d.lost 0 "$lost"
		expect rdmatop.$d.rx "$(pcount rdmatop $d "dst host $addr or dst host $addr6")" "$rx" "packets (tcpdump on $d)"
		expect rdmatop.$d.tx "$(pcount rdmatop $d "src host $addr or src host $addr6")" "$tx" "packets (tcpdump on $d)"
		# The IPv6 ping-pong's 50 round trips of 2 KiB: 150 packets each way (2 SEND packets
		# and an ACK a message), so about 300 on each veth, which tcpdump must see too.
		[[ $d == vethA ]] && window_check "$W/rdmatop-$d.json" "$W/rdmatop-$d.pcap"
		n6=$(pcount rdmatop $d ip6)
		if (( n6 > 0 )); then
			expect rdmatop.$d.ipv6 "$n6" "$v6" "IPv6 RoCE packets (tcpdump on $d)"
		else
			res rdmatop.$d.ipv6 FAIL "no IPv6 RoCE packet on $d (tcpdump); rdmatop $v6"
		fi
	done
}
for phase in $PHASES; do
	if [[ $phase == rdmatop && -z $RDMATOP ]]; then
		log "phase rdmatop skipped (no RDMATOP)"
	elif [[ $phase == rdmatop && ! -x $RDMATOP ]]; then
		res rdmatop FAIL "not executable: $RDMATOP"
	else
		phase_"$phase"
	fi
done

dmesg > "$OUT/dmesg.txt"
if grep -qE 'BUG:|Oops|WARNING:|Call Trace|general protection' "$OUT/dmesg.txt"; then
	res dmesg FAIL "$(grep -m1 -E 'BUG:|Oops|WARNING:|Call Trace|general protection' "$OUT/dmesg.txt")"
else
	res dmesg ok "no BUG, WARNING or Oops in the kernel log"
fi
log "done: $FAILS failed check(s)"
column -t -s $'\t' "$OUT/results.tsv"
exit $FAILS
