#!/bin/bash
# guest-matrix.sh OUTDIR [--rdmatop PATH] [--budget SEC] SPEC...  -- runs INSIDE the rxe-vm guest, as root.
#
# Real SoftRoCE (rdma_rxe) runs with a KNOWN loss: netem on the RoCE traffic of one side of the
# veth pair, tcpdump on vethB, and the tools' own numbers (perftest/ibv_rc_pingpong reports,
# netem's counters, rxe's hw_counters) written beside each capture as ground truth for rdmatop.
# tests/lab/make-matrix starts it (one VM boot per batch of runs); see that script and
# Tests/Fixtures/rxe-matrix/README.md.
#
# Topology (initial namespace; the 6.12 rxe opens its UDP socket only there), from rxe-pair.sh:
#     requester rxeA on vethA 10.0.0.1  <==veth==>  10.0.0.2 vethB rxeB responder
# Clients (requesters) run on rxeA, servers (responders) on rxeB. tcpdump listens on vethB, so
# it sees what vethB receives (after vethA's egress qdisc) and what vethB sends (after vethB's
# egress qdisc): packets netem drops never reach the capture.
#
# SPEC: a run name TOOL-qQPS-mMTU-SIDE-lLOSS[-sSIZE][-nITERS], e.g. write_bw-q2-m1024-req-l5
#   TOOL  send_bw | write_bw | read_bw | atomic_bw (perftest ib_TOOL) | rc_pingpong (ibv_rc_pingpong, q1 only)
#   MTU   1024 (veths at 1500) | 4096 (veths at 9000); the rxe links are recreated when it changes
#   SIDE  req: netem on vethA (requests lost before the capture) | resp: netem on vethB (responses
#         and ACKs lost before the capture) | none: no netem (LOSS must be 0)
#   defaults: send/write/read -s 8192 -n 150; atomic -n 150; rc_pingpong -s 4096 -n 100
# --rdmatop PATH (or RDMATOP=PATH in the environment): also run PATH live on vethB during each
#   run (`PATH vethB --once --interval 600 --json`, ended by SIGINT after the tool): NAME.live.json
# --sent PATH: on the runs with loss, also run PATH (rdmatop) on the lossy side's veth,
#   `PATH DEV --mode tc --dump -w NAME.sent.pcapng`: its tc egress hook sees every packet DEV
#   sends before DEV's qdisc, so this file holds what netem dropped too (per-flow ground truth:
#   a flow's packets in NAME.sent.pcapng minus those in NAME.pcap are the ones netem dropped).
#   tc only: an XDP program on a veth changes how it delivers (in order, through its NAPI ring).
#   On the responder's side DEV is vethB, which --rdmatop also watches: use one or the other.
# --budget SEC: start no run after SEC seconds (the rest is listed in OUTDIR/skipped.txt)
#
# Writes OUTDIR/runs/NAME.{pcap,log,json}[,NAME.live.{json,err}][,NAME.sent.{pcapng,err}], OUTDIR/guest.log,
# OUTDIR/guest-info.txt, OUTDIR/done.txt and OUTDIR/skipped.txt (one name a line), OUTDIR/dmesg.txt.
# Exit status: 0 when the setup worked (failed runs are data: see each NAME.json's "status"),
# 2 on a usage error, 3 when the rxe pair could not be set up.
set -u
OUT=${1:?usage: guest-matrix.sh OUTDIR [--rdmatop PATH] [--sent PATH] [--budget SEC] SPEC...}
shift
RDMATOP=${RDMATOP:-}
BUDGET=0 SENT=
while [[ $# -gt 0 ]]; do
	case $1 in
	--rdmatop) RDMATOP=$2; shift 2 ;;
	--budget) BUDGET=$2; shift 2 ;;
	--sent) SENT=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
SPECS=("$@")
A=10.0.0.1 B=10.0.0.2 CAPIF=vethB
W=/tmp/matrix            # guest tmpfs: pcaps are written here, then copied to OUTDIR
PY=/usr/bin/python3      # the host's /root (pyenv shims) is not visible in the guest
TOOL_TIMEOUT=90          # seconds, per server and per client
RUNS=$OUT/runs
mkdir -p "$W" "$RUNS"
exec > >(tee -a "$OUT/guest.log") 2>&1
TEE_PID=$!
T0=$SECONDS
log() { echo "== [$((SECONDS - T0))s] $*"; }

# ------------------------------------------------------------------ helpers
# wait_for SECONDS COMMAND...: poll COMMAND every 0.2 s until it succeeds; 1 on timeout.
wait_for() {
	local limit=$(( SECONDS + $1 )); shift
	until "$@"; do
		(( SECONDS >= limit )) && return 1
		sleep 0.2
	done
}
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
# reap PID SECONDS: wait up to SECONDS for a child to end by itself, then stop it (TERM); its status.
REAPED=0
reap() {
	if wait_for "$2" gone "$1"; then wait "$1"; return; fi
	REAPED=1
	log "pid $1 still running after $2 s: SIGTERM"
	stop "$1" TERM 10
}
QUIET_SIZE=-1 QUIET_SINCE=0
file_quiet() { # FILE SECONDS: 0 once FILE's size has not changed for SECONDS
	local size; size=$(stat -c %s "$1" 2>/dev/null || echo 0)
	if [[ $size != "$QUIET_SIZE" ]]; then QUIET_SIZE=$size QUIET_SINCE=$SECONDS; return 1; fi
	(( SECONDS - QUIET_SINCE >= $2 ))
}
listening_tcp() { ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }
hw_counters() { # DEV: name=value of every rxe hw counter of port 1
	local f
	for f in /sys/class/infiniband/"$1"/ports/1/hw_counters/*; do
		[[ -r $f ]] && echo "$(basename "$f")=$(cat "$f")"
	done
}
active_mtu() { ibv_devinfo -d "$1" 2>/dev/null | sed -n 's/^[[:space:]]*active_mtu:[[:space:]]*\([0-9]*\).*/\1/p' | head -1; }

# ------------------------------------------------------------------ topology
log "kernel $(uname -r), $(nproc) cpus; ${#SPECS[@]} runs; budget ${BUDGET}s; rdmatop ${RDMATOP:-none}"
for m in rdma_rxe veth sch_prio sch_netem cls_u32; do modprobe "$m" || log "modprobe $m failed"; done
PAIR=
for d in "$OUT" "${RXEVM_SCRIPT_DIR:-}" "$(dirname "$(readlink -f "$0")")"; do
	[[ -n $d && -r $d/rxe-pair.sh ]] && { PAIR=$d/rxe-pair.sh; break; }
done
[[ -n $PAIR ]] || { log "no rxe-pair.sh in $OUT (make-matrix copies it there)"; exit 3; }
# shellcheck source=tests/lab/rxe-pair.sh
source "$PAIR"
rxe_pair_setup $A $B || { log "veth/rxe setup failed"; exit 3; }
rxe_pair_gids 20 || { log "no RoCE v2 IPv4 GID on rxeA/rxeB after 20 s"; exit 3; }
CUR_MTU=1024
log "rxe pair up: GID index rxeA=$GA rxeB=$GB, active_mtu rxeA=$(active_mtu rxeA) rxeB=$(active_mtu rxeB)"

# set_mtu IBMTU: veth MTU 1500 for 1024, 9000 for 4096; the rxe links are recreated after a change.
set_mtu() {
	local want=$1 eth
	[[ $want == "$CUR_MTU" ]] && return 0
	case $want in 1024) eth=1500 ;; 4096) eth=9000 ;; *) log "unsupported MTU $want"; return 1 ;; esac
	log "MTU $CUR_MTU -> $want: veth MTU $eth, recreating rxeA/rxeB"
	rdma link delete rxeA; rdma link delete rxeB
	ip link set vethA mtu $eth && ip link set vethB mtu $eth || return 1
	rdma link add rxeA type rxe netdev vethA && rdma link add rxeB type rxe netdev vethB || return 1
	rxe_pair_gids 20 || return 1
	CUR_MTU=$want
	log "GID index rxeA=$GA rxeB=$GB, active_mtu rxeA=$(active_mtu rxeA) rxeB=$(active_mtu rxeB)"
}

{
	echo "kernel: $(uname -r)"
	echo "uname: $(uname -a)"
	echo "cpus: $(nproc)"
	dpkg-query -W -f '${Package} ${Version}\n' perftest rdma-core ibverbs-utils ibverbs-providers \
		libibverbs1 tcpdump iproute2 2>/dev/null
	echo "ib_write_bw --version: $(ib_write_bw --version 2>&1 | head -1)"
	echo "tc: $(tc -V 2>&1 | head -1)"
	echo "tcpdump: $(tcpdump --version 2>&1 | head -1)"
	ibv_devinfo -d rxeA -v 2>&1 | grep -E 'fw_ver|max_qp_rd_atom|max_qp_init_rd_atom|atomic_cap|active_mtu|max_mtu' | sed 's/^[[:space:]]*/rxeA /'
	[[ -n $RDMATOP ]] && echo "rdmatop: $RDMATOP $("$RDMATOP" --version 2>&1 | head -1)"
} > "$OUT/guest-info.txt" 2>&1

# ------------------------------------------------------------------ JSON writer
cat > "$W/mkjson.py" <<'PYEOF'
import json, os, re, sys

d = sys.argv[1]            # the run's work folder: meta, files written by the shell
def rd(name, default=""):
    try:
        with open(os.path.join(d, name), errors="replace") as f:
            return f.read()
    except OSError:
        return default

meta = {}
for line in rd("meta").splitlines():
    k, _, v = line.partition("=")
    meta[k] = v
def num(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None

def counters(text):
    c = {}
    for line in text.splitlines():
        k, _, v = line.partition("=")
        if num(v) is not None:
            c[k] = int(v)
    return c
def delta(before, after):
    b, a = counters(before), counters(after)
    return {k: a[k] - b.get(k, 0) for k in sorted(a)}

def qdiscs(text):
    """tc -s qdisc show: {kind handle: {sent_bytes, sent_packets, dropped, overlimits, requeues, line}}"""
    out, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"qdisc (\S+) (\S+)", line)
        if m:
            cur = f"{m.group(1)} {m.group(2)}"
            out[cur] = {"line": line.strip()}
            continue
        m = re.match(r"\s*Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+) requeues (\d+)\)", line)
        if m and cur:
            out[cur].update(sent_bytes=int(m.group(1)), sent_packets=int(m.group(2)),
                            dropped=int(m.group(3)), overlimits=int(m.group(4)), requeues=int(m.group(5)))
    return out

def classes(text):
    """tc -s class show: {"1:1": {sent_bytes, sent_packets, dropped, line}}"""
    out, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"class \S+ (\S+)", line)
        if m:
            cur = m.group(1)
            out[cur] = {"line": line.strip()}
            continue
        m = re.match(r"\s*Sent (\d+) bytes (\d+) pkt \(dropped (\d+),", line)
        if m and cur:
            out[cur].update(sent_bytes=int(m.group(1)), sent_packets=int(m.group(2)), dropped=int(m.group(3)))
    return out

def link_delta(before, after):
    def load(t):
        try:
            return {l["ifname"]: l.get("stats64", {}) for l in json.loads(t)}
        except Exception:
            return {}
    b, a = load(before), load(after)
    res = {}
    for ifn, st in a.items():
        if ifn not in ("vethA", "vethB"):
            continue
        r = {}
        for dirn in ("rx", "tx"):
            for k, v in st.get(dirn, {}).items():
                if isinstance(v, int):
                    r[f"{dirn}_{k}"] = v - b.get(ifn, {}).get(dirn, {}).get(k, 0)
        res[ifn] = r
    return res

def perftest_report(text):
    rep = {"local": [], "remote": []}
    m = re.search(r"Number of qps\s*:\s*(\d+)", text)
    if m: rep["qps"] = int(m.group(1))
    m = re.search(r"Mtu\s*:\s*(\d+)\[B\]", text)
    if m: rep["mtu"] = int(m.group(1))
    for side, qpn, psn in re.findall(r"(local|remote) address: LID \S+ QPN (0x[0-9a-fA-F]+) PSN (0x[0-9a-fA-F]+)", text):
        rep[side].append({"qpn": int(qpn, 16), "psn": int(psn, 16)})
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("#bytes") and "#iterations" in line:
            for row in lines[i + 1:i + 3]:
                f = row.split()
                if len(f) >= 5 and f[0].isdigit():
                    rep.update(bytes=int(f[0]), iterations=int(f[1]), bw_peak_MBps=float(f[2]),
                               bw_average_MBps=float(f[3]), msg_rate_Mpps=float(f[4]))
                    break
    return rep

def pingpong_report(text):
    rep = {"local": [], "remote": []}
    for side, qpn, psn in re.findall(r"(local|remote) address:\s+LID \S+ QPN (0x[0-9a-fA-F]+), PSN (0x[0-9a-fA-F]+)", text):
        rep[side].append({"qpn": int(qpn, 16), "psn": int(psn, 16)})
    m = re.search(r"^(\d+) bytes in ([\d.]+) seconds", text, re.M)
    if m: rep.update(bytes_total=int(m.group(1)), seconds=float(m.group(2)))
    m = re.search(r"^(\d+) iters in ([\d.]+) seconds", text, re.M)
    if m: rep["iterations"] = int(m.group(1))
    return rep

def tcpdump_stats(text):
    r = {}
    for key, pat in (("captured", r"(\d+) packets? captured"), ("received_by_filter", r"(\d+) packets? received by filter"),
                     ("dropped_by_kernel", r"(\d+) packets? dropped by kernel")):
        m = re.search(pat, text)
        r[key] = int(m.group(1)) if m else None
    return r

tool = meta["tool"]
parse = pingpong_report if tool == "rc_pingpong" else perftest_report
client_rep, server_rep = parse(rd("client.log")), parse(rd("server.log"))
req_size, req_iters = num(meta.get("size")), num(meta.get("iterations"))
# iterations: per QP (perftest's -n applies to every QP; its report's #iterations is the total
# over all QPs, which the clean captures confirm: -q 2 -n 150 gives 150 messages on each QP).
if tool == "rc_pingpong":
    size, iters = req_size, client_rep.get("iterations", req_iters)
    size_from = "command line (-s); ibv_rc_pingpong reports only bytes_total"
    iters_from = "ibv_rc_pingpong report (N iters)" if "iterations" in client_rep else "command line (-n)"
    total = iters
else:
    size = client_rep.get("bytes", req_size)
    size_from = "perftest report (#bytes)" if "bytes" in client_rep else "command line"
    total = client_rep.get("iterations")
    nq = client_rep.get("qps") or num(meta.get("qps"))
    if total is not None and nq and total % nq == 0:
        iters, iters_from = total // nq, "perftest report (#iterations / Number of qps)"
    else:
        iters, iters_from = req_iters, "command line (-n)"

tq = qdiscs(rd("tc_after.txt"))
netem = next((v for k, v in tq.items() if k.startswith("netem ")), {})
prio = next((v for k, v in tq.items() if k.startswith("prio ")), {})
tcls = classes(rd("tc_more.txt"))
band1 = tcls.get("1:1", {})
m = re.search(r"flowid 1:3.*\(rule hit (\d+) success (\d+)\)", rd("tc_more.txt"))
u32_hit, u32_success = (int(m.group(1)), int(m.group(2))) if m else (None, None)
td = tcpdump_stats(rd("tcpdump.err"))
dirs = rd("pcap_dirs").split()
pkt_from_a, pkt_from_b = (num(dirs[0]), num(dirs[1])) if len(dirs) >= 2 else (None, None)

rc_c, rc_s = num(meta.get("rc_client")), num(meta.get("rc_server"))
rc = rc_c if rc_c else rc_s
status = "ok"
if rc_c in (124, 137) or rc_s in (124, 137):
    status = "timeout"            # a tool ran into its own time limit (timeout -k 5 90)
elif meta.get("server_killed") == "1":
    status = "server_killed"      # the client ended, the server did not within 30 s (10 s after a failed client)
elif rc or meta.get("server_ready") != "1":
    status = "failed"

side = meta["side"]
checks = {}
if side != "none" and netem:
    # What netem passed must be exactly what the capture holds from the lossy side (the filter
    # sends RoCE, and only RoCE, to netem; tcpdump on vethB sees vethA's traffic after vethA's
    # qdisc and its own egress after vethB's qdisc).
    captured_from_lossy = pkt_from_a if side == "req" else pkt_from_b
    checks["netem_sent_equals_captured_from_lossy_side"] = netem.get("sent_packets") == captured_from_lossy
    checks["captured_from_lossy_side"] = captured_from_lossy
    checks["band_1_1_sent_packets"] = band1.get("sent_packets")     # TCP control etc., not through netem
    checks["tcp_control_bypassed_netem"] = (band1.get("sent_packets") or 0) > 0
    checks["u32_rule_hit"], checks["u32_rule_success"] = u32_hit, u32_success   # IP packets looked at / sent to netem
    checks["netem_sent_plus_dropped_equals_u32_success"] = (
        u32_success is not None and netem.get("sent_packets", 0) + netem.get("dropped", 0) == u32_success)

doc = {
    "name": meta["name"], "tool": tool, "side": side,
    "loss_percent": num(meta["loss"]), "qps": num(meta["qps"]), "mtu": num(meta["mtu"]),
    "size": size, "iterations": iters, "messages_total": total,
    "size_from": size_from, "iterations_from": iters_from,
    "requested": {"size": req_size, "iterations": req_iters, "qps": num(meta["qps"]), "mtu": num(meta["mtu"])},
    "active_mtu": {"rxeA": num(meta.get("active_mtu_a")), "rxeB": num(meta.get("active_mtu_b"))},
    "veth_mtu": num(meta.get("veth_mtu")),
    "netem_dev": meta.get("netem_dev") or None,
    "netem_sent": netem.get("sent_packets", 0 if side == "none" else None),
    "netem_dropped": netem.get("dropped", 0 if side == "none" else None),
    "netem_sent_bytes": netem.get("sent_bytes"),
    "prio_sent": prio.get("sent_packets"), "prio_dropped": prio.get("dropped"),
    "rc": rc, "rc_client": rc_c, "rc_server": rc_s, "status": status,
    "server_ready": meta.get("server_ready") == "1", "server_killed": meta.get("server_killed") == "1",
    "tcpdump_captured": td["captured"], "tcpdump_received_by_filter": td["received_by_filter"],
    "tcpdump_dropped_by_kernel": td["dropped_by_kernel"],
    "pcap_packets_from_requester": pkt_from_a, "pcap_packets_from_responder": pkt_from_b,
    "rxe_counters_delta": {"rxeA": delta(rd("hw_rxeA.before"), rd("hw_rxeA.after")),
                           "rxeB": delta(rd("hw_rxeB.before"), rd("hw_rxeB.after"))},
    "veth_stats_delta": link_delta(rd("link.before"), rd("link.after")),
    "requester": {"dev": "rxeA", "netdev": "vethA", "ip": "10.0.0.1", "gid_index": num(meta.get("gid_a"))},
    "responder": {"dev": "rxeB", "netdev": "vethB", "ip": "10.0.0.2", "gid_index": num(meta.get("gid_b"))},
    "capture": {"interface": "vethB", "snaplen": num(meta.get("snaplen")), "filter": "udp port 4791"},
    "client_report": client_rep, "server_report": server_rep,
    "tc_qdiscs_after": tq, "tc_classes_after": tcls, "filter_checks": checks,
    "commands": {k[4:]: v for k, v in meta.items() if k.startswith("cmd_")},
    "port": num(meta.get("port")), "seconds": num(meta.get("seconds")),
    "kernel": meta.get("kernel"), "started_utc": meta.get("started"),
}
if meta.get("rdmatop"):
    doc["rdmatop_live"] = {"command": meta.get("cmd_rdmatop"), "rc": num(meta.get("rc_rdmatop")),
                           "attached": meta.get("rdmatop_attached") == "1", "file": meta["name"] + ".live.json"}
json.dump(doc, sys.stdout, indent=1, sort_keys=False)
print()
PYEOF

# ------------------------------------------------------------------ one run
# run_one SPEC INDEX
run_one() {
	local name=$1 idx=$2
	local re='^(send_bw|write_bw|read_bw|atomic_bw|rc_pingpong)-q([0-9]+)-m(1024|4096)-(req|resp|none)-l([0-9]+)(-s([0-9]+))?(-n([0-9]+))?$'
	if [[ ! $name =~ $re ]]; then log "SKIP $name: not TOOL-qN-mMTU-SIDE-lLOSS[-sSIZE][-nITERS]"; return 1; fi
	local tool=${BASH_REMATCH[1]} qps=${BASH_REMATCH[2]} mtu=${BASH_REMATCH[3]} side=${BASH_REMATCH[4]}
	local loss=${BASH_REMATCH[5]} size=${BASH_REMATCH[7]} iters=${BASH_REMATCH[9]}
	case $tool in
	atomic_bw) : "${iters:=150}" size=8 ;;
	rc_pingpong) : "${iters:=100}" "${size:=4096}" ;;
	*) : "${iters:=150}" "${size:=8192}" ;;
	esac
	if [[ $side == none && $loss != 0 ]] || [[ $side != none && $loss == 0 ]] || [[ $tool == rc_pingpong && $qps != 1 ]]; then
		log "SKIP $name: inconsistent spec"; return 1
	fi
	local port=$((18600 + idx)) d=$W/$name snap=128 dev=
	rm -rf "$d"; mkdir -p "$d"
	set_mtu "$mtu" || { log "FAIL $name: MTU $mtu setup failed"; return 1; }
	[[ $side == req ]] && dev=vethA
	[[ $side == resp ]] && dev=vethB
	local srv cli
	case $tool in
	rc_pingpong)
		srv=(ibv_rc_pingpong -d rxeB -g "$GB" -p $port -n "$iters" -s "$size" -m "$mtu")
		cli=(ibv_rc_pingpong -d rxeA -g "$GA" -p $port -n "$iters" -s "$size" -m "$mtu" $B) ;;
	atomic_bw)
		srv=(ib_atomic_bw -d rxeB -x "$GB" -p $port -q "$qps" -n "$iters" -m "$mtu" -F)
		cli=(ib_atomic_bw -d rxeA -x "$GA" -p $port -q "$qps" -n "$iters" -m "$mtu" -F $B) ;;
	*)
		srv=(ib_$tool -d rxeB -x "$GB" -p $port -q "$qps" -n "$iters" -s "$size" -m "$mtu" -F)
		cli=(ib_$tool -d rxeA -x "$GA" -p $port -q "$qps" -n "$iters" -s "$size" -m "$mtu" -F $B) ;;
	esac
	local t=$SECONDS
	log "RUN $name (port $port)"
	{
		echo "name=$name"; echo "tool=$tool"; echo "side=$side"; echo "loss=$loss"; echo "qps=$qps"
		echo "mtu=$mtu"; echo "size=$size"; echo "iterations=$iters"; echo "port=$port"; echo "snaplen=$snap"
		echo "gid_a=$GA"; echo "gid_b=$GB"; echo "netem_dev=$dev"; echo "kernel=$(uname -r)"
		echo "active_mtu_a=$(active_mtu rxeA)"; echo "active_mtu_b=$(active_mtu rxeB)"
		echo "veth_mtu=$(cat /sys/class/net/vethB/mtu)"; echo "started=$(date -u +%FT%TZ)"
	} > "$d/meta"

	# netem on the RoCE traffic of the lossy side only: everything else stays in band 1:1
	local tcq=() tcn=() tcf=()
	if [[ -n $dev ]]; then
		tcq=(tc qdisc add dev $dev root handle 1: prio bands 3 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)
		tcn=(tc qdisc add dev $dev parent 1:3 handle 30: netem loss "${loss}%")
		tcf=(tc filter add dev $dev parent 1: protocol ip prio 1 u32 match ip protocol 17 0xff match ip dport 4791 0xffff flowid 1:3)
		"${tcq[@]}" && "${tcn[@]}" && "${tcf[@]}" || log "$name: tc setup failed"
		{ echo "cmd_tc_prio=${tcq[*]}"; echo "cmd_tc_netem=${tcn[*]}"; echo "cmd_tc_filter=${tcf[*]}"; } >> "$d/meta"
	fi
	tc -s qdisc show dev vethA > "$d/tc_before.txt" 2>&1; tc -s qdisc show dev vethB >> "$d/tc_before.txt" 2>&1
	hw_counters rxeA > "$d/hw_rxeA.before"; hw_counters rxeB > "$d/hw_rxeB.before"
	ip -s -j link show > "$d/link.before" 2>/dev/null
	ip -s link show dev vethA > "$d/iplink.before" 2>&1; ip -s link show dev vethB >> "$d/iplink.before" 2>&1

	# capture
	local pcap=$d/cap.pcap
	# -B: a 32 MiB buffer (2 MiB by default dropped 17,719 packets of a READ run at 10 %).
	local tdc=(tcpdump -Z root -i $CAPIF -n -s $snap -B 32768 -U -w "$pcap" udp port 4791)
	"${tdc[@]}" 2> "$d/tcpdump.err" &
	local tdp=$!
	wait_for 20 grep -q 'listening on' "$d/tcpdump.err" || log "$name: tcpdump not listening after 20 s"
	echo "cmd_tcpdump=${tdc[*]}" >> "$d/meta"

	# optional live rdmatop (one snapshot, ended by SIGINT after the tool)
	local rtp= rtc=()
	if [[ -n $RDMATOP ]]; then
		rtc=("$RDMATOP" $CAPIF --once --interval 600 --json)
		"${rtc[@]}" > "$d/live.json" 2> "$d/live.err" &
		rtp=$!
		attached_or_gone() { grep -q "watching $CAPIF" "$d/live.err" || gone $rtp; }
		wait_for 90 attached_or_gone
		if grep -q "watching $CAPIF" "$d/live.err"; then echo "rdmatop_attached=1" >> "$d/meta"
		else log "$name: rdmatop did not attach: $(head -c 300 "$d/live.err")"; echo "rdmatop_attached=0" >> "$d/meta"; fi
		{ echo "rdmatop=1"; echo "cmd_rdmatop=${rtc[*]}"; } >> "$d/meta"
	fi

	# optional: what the lossy side sent, before its qdisc (see --sent)
	local stp= stc=()
	if [[ -n $SENT && -n $dev ]]; then
		# 64 MiB of ring buffer: with 1 MiB, read_bw with 4 QPs lost 4,902 events
		stc=("$SENT" $dev --mode tc --buffer-size 64 --dump -w "$d/sent.pcapng")
		"${stc[@]}" > /dev/null 2> "$d/sent.err" &
		stp=$!
		sent_attached_or_gone() { grep -q "watching $dev" "$d/sent.err" || gone $stp; }
		wait_for 90 sent_attached_or_gone || log "$name: rdmatop on $dev did not attach: $(head -c 300 "$d/sent.err")"
		echo "cmd_rdmatop_sent=${stc[*]}" >> "$d/meta"
	fi

	# traffic
	{ echo "cmd_server=timeout -k 5 $TOOL_TIMEOUT ${srv[*]}"; echo "cmd_client=timeout -k 5 $TOOL_TIMEOUT ${cli[*]}"; } >> "$d/meta"
	timeout -k 5 $TOOL_TIMEOUT "${srv[@]}" > "$d/server.log" 2>&1 &
	local sp=$! crc=125 src ready=0
	if wait_for 30 listening_tcp $port; then
		ready=1
		timeout -k 5 $TOOL_TIMEOUT "${cli[@]}" > "$d/client.log" 2>&1
		crc=$?
	else
		log "$name: server not listening on $port after 30 s"
		echo "(client not started: the server did not listen on $port within 30 s)" > "$d/client.log"
	fi
	REAPED=0
	if [[ $crc == 0 ]]; then reap $sp 30; else reap $sp 10; fi
	src=$?
	{ echo "rc_client=$crc"; echo "rc_server=$src"; echo "server_ready=$ready"; echo "server_killed=$REAPED"; } >> "$d/meta"

	# let retransmissions and the last ACKs land, then stop the observers
	QUIET_SIZE=-1
	wait_for 20 file_quiet "$pcap" 2 || log "$name: capture still growing after 20 s"
	if [[ -n $rtp ]]; then stop $rtp INT 60; echo "rc_rdmatop=$?" >> "$d/meta"; fi
	if [[ -n $stp ]]; then stop $stp INT 60; echo "rc_rdmatop_sent=$?" >> "$d/meta"; fi
	stop $tdp INT 20
	hw_counters rxeA > "$d/hw_rxeA.after"; hw_counters rxeB > "$d/hw_rxeB.after"
	ip -s -j link show > "$d/link.after" 2>/dev/null
	ip -s link show dev vethA > "$d/iplink.after" 2>&1; ip -s link show dev vethB >> "$d/iplink.after" 2>&1
	: > "$d/tc_after.txt"
	if [[ -n $dev ]]; then
		{ tc -s qdisc show dev $dev; } > "$d/tc_after.txt" 2>&1
		{ echo "# tc -s class show dev $dev"; tc -s class show dev $dev
		  echo "# tc -s filter show dev $dev"; tc -s filter show dev $dev; } > "$d/tc_more.txt" 2>&1
		tc qdisc del dev $dev root || log "$name: could not remove the qdisc on $dev"
	fi
	tcpdump -r "$pcap" -n -q 2>/dev/null | awk -v a="$A." -v b="$B." '
		$2 == "IP" && index($3, a) == 1 { fa++ }
		$2 == "IP" && index($3, b) == 1 { fb++ }
		END { print fa + 0, fb + 0 }' > "$d/pcap_dirs"
	echo "seconds=$((SECONDS - t))" >> "$d/meta"

	# outputs
	cp "$pcap" "$RUNS/$name.pcap"
	"$PY" "$W/mkjson.py" "$d" > "$RUNS/$name.json" 2> "$d/mkjson.err" || log "$name: JSON writer failed: $(cat "$d/mkjson.err")"
	{
		echo "### run $name ($(sed -n 's/^started=//p' "$d/meta"), kernel $(uname -r))"
		[[ -n $dev ]] && printf '### netem: %s\n### netem: %s\n### netem: %s\n' "${tcq[*]}" "${tcn[*]}" "${tcf[*]}"
		echo "### capture: ${tdc[*]}"
		echo "### server: timeout -k 5 $TOOL_TIMEOUT ${srv[*]}   (exit $src)"
		cat "$d/server.log"
		echo "### client: timeout -k 5 $TOOL_TIMEOUT ${cli[*]}   (exit $crc)"
		cat "$d/client.log"
		echo "### tcpdump stderr"; cat "$d/tcpdump.err"
		if [[ -n $dev ]]; then echo "### tc -s qdisc show dev $dev (after the run)"; cat "$d/tc_after.txt"; cat "$d/tc_more.txt"; fi
		echo "### rxe hw_counters before -> after"
		paste -d' ' "$d/hw_rxeA.before" "$d/hw_rxeA.after" | sed 's/^/rxeA /'
		paste -d' ' "$d/hw_rxeB.before" "$d/hw_rxeB.after" | sed 's/^/rxeB /'
		echo "### ip -s link before"; cat "$d/iplink.before"
		echo "### ip -s link after"; cat "$d/iplink.after"
		if [[ -n $rtp ]]; then echo "### rdmatop: ${rtc[*]}   (exit $(sed -n 's/^rc_rdmatop=//p' "$d/meta"))"; cat "$d/live.err"; fi
	} > "$RUNS/$name.log"
	if [[ -n $rtp ]]; then cp "$d/live.json" "$RUNS/$name.live.json"; cp "$d/live.err" "$RUNS/$name.live.err"; fi
	if [[ -n $stp ]]; then cp "$d/sent.pcapng" "$RUNS/$name.sent.pcapng"; cp "$d/sent.err" "$RUNS/$name.sent.err"; fi
	echo "$name" >> "$OUT/done.txt"
	log "DONE $name in $((SECONDS - t))s: client rc=$crc server rc=$src; $(grep -E 'captured' "$d/tcpdump.err" | tr '\n' ' ')" \
		"netem: $(grep -A1 '^qdisc netem' "$d/tc_after.txt" | sed -n 's/^ *Sent \([0-9]*\) bytes \([0-9]*\) pkt (dropped \([0-9]*\).*/sent \2 dropped \3/p')"
	tail -n 3 "$d/client.log"
	rm -f "$pcap"
}

: > "$OUT/skipped.txt"
i=0
for s in "${SPECS[@]}"; do
	if (( BUDGET > 0 && SECONDS - T0 >= BUDGET )); then
		echo "$s" >> "$OUT/skipped.txt"
		continue
	fi
	run_one "$s" $i
	i=$((i + 1))
done
log "$i runs attempted, $(wc -l < "$OUT/skipped.txt") skipped (budget)"
dmesg > "$OUT/dmesg.txt" 2>&1
grep -E 'rxe|rdma|WARNING|BUG|Oops' "$OUT/dmesg.txt" | tail -n 20
rdma link delete rxeA 2>/dev/null
rdma link delete rxeB 2>/dev/null
ip link del vethA 2>/dev/null
log "done"
exec >&- 2>&-
wait $TEE_PID 2>/dev/null
exit 0
