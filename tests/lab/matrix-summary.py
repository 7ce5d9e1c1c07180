#!/usr/bin/env python3
"""matrix-summary.py DIR [NAME...] -- what happened in make-matrix captures, read with tshark.

For each DIR/NAME.pcap (default: every run with a NAME.json) prints one TSV line: packets by
direction, request flows, PSN gaps seen at the capture point, NAKs (PSN sequence error) and
other AETH syndromes, and the requester's resend episodes, split by what preceded them:
  nak      a NAK for that QP reached the capture since the flow's previous resend episode
  gap      (READ/atomic) a response PSN gap was seen by the capture first: the requester
           notices missing responses itself, without a NAK
  timeout  neither: the retransmit timer (after lost ACKs or a lost last packet)
with the episodes' lengths (packets resent before the flow is past its highest PSN again) and
the gap in the requester's own timestamps before each episode (only same-direction timestamps
are comparable: rxe stamps the two directions from different clocks).
Numbers from tshark's reading of the capture; they are a description, not ground truth (the
ground truth is in NAME.json: netem's counters and the tools' reports).
"""
import collections, glob, json, os, statistics, subprocess, sys

RESPONSES = {13, 14, 15, 16, 17, 18}     # READ_RESP_*, ACK, ATOMIC_ACK (RC)


def rows(pcap):
    cmd = ["tshark", "-r", pcap, "-d", "udp.port==4791,infiniband", "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=f", "-e", "frame.time_epoch", "-e", "ip.src", "-e", "infiniband.bth.opcode",
           "-e", "infiniband.bth.destqp", "-e", "infiniband.bth.psn", "-e", "infiniband.aeth.syndrome",
           "-e", "infiniband.reth.dmalen"]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = (line.split("\t") + [""] * 7)[:7]
        if not f[2]:
            continue
        n = lambda s: int(s, 0) if s else None
        yield float(f[0]), f[1], n(f[2]), n(f[3]), n(f[4]), n(f[5]), n(f[6])


def summarize(pcap, meta):
    pmtu = (meta.get("active_mtu") or {}).get("rxeA") or meta.get("mtu") or 1024
    pmtu = min(pmtu, meta.get("mtu") or pmtu)
    # the peer of each QPN (client's local <-> remote, index-aligned in its report)
    rep = meta.get("client_report", {})
    peer = {}
    for l, r in zip(rep.get("local", []), rep.get("remote", [])):
        peer[l["qpn"]], peer[r["qpn"]] = r["qpn"], l["qpn"]
    addrs = ("10.0.0.1", "10.0.0.2")
    other = lambda a: addrs[1] if a == addrs[0] else addrs[0]
    req = {}       # (src, destqp) -> request flow state
    rsp = {}       # (src, destqp) -> response flow state
    flags = collections.defaultdict(set)   # request flow -> events seen since its last resend episode
    naks = collections.Counter()
    pkts = collections.Counter()
    episodes, open_ep = [], {}
    resp_dups = 0
    for t, src, op, dqp, psn, syn, dmalen in rows(pcap):
        pkts[src] += 1
        if op & 0x1f in RESPONSES and op >> 5 == 0:
            key = (src, dqp)
            target = (other(src), peer.get(dqp, dqp))     # the request flow this answers
            if syn is not None and syn >= 0x20:
                kind = {0x60: "psn_seq_err", 0x61: "invalid_req", 0x62: "remote_access", 0x63: "remote_op"}.get(
                    syn, "rnr" if syn < 0x40 else "syndrome_0x%x" % syn)
                naks[kind] += 1
                if syn >= 0x60:
                    flags[target].add("nak")
            st = rsp.setdefault(key, {"base": psn, "max": -1})
            rel = (psn - st["base"]) % (1 << 24)
            if rel >= (1 << 23):
                rel -= 1 << 24
            if rel > st["max"]:
                if op & 0x1f != 17 and rel > st["max"] + 1 and st["max"] >= 0:
                    flags[target].add("gap")
                st["max"] = rel
            elif op & 0x1f != 17:
                resp_dups += 1
            continue
        key = (src, dqp)
        span = 1
        if op & 0x1f == 12 and dmalen:          # READ_REQUEST reserves one PSN per response packet
            span = max(1, -(-dmalen // pmtu))
        st = req.setdefault(key, {"base": psn, "next": 0, "last_t": t, "gaps": 0})
        rel = (psn - st["base"]) % (1 << 24)
        if rel >= st["next"]:
            if rel > st["next"]:
                st["gaps"] += 1
            if key in open_ep:
                episodes.append(open_ep.pop(key))
            st["next"] = rel + span
        else:
            if key not in open_ep:
                fl = flags.pop(key, set())
                cause = "nak" if "nak" in fl else "gap" if "gap" in fl else "timeout"
                open_ep[key] = [cause, 0, t - st["last_t"]]
            open_ep[key][1] += 1
        st["last_t"] = t
    episodes.extend(open_ep.values())
    by = collections.defaultdict(list)
    for cause, n, gap in episodes:
        by[cause].append((n, gap))
    def fmt(c):
        v = by.get(c, [])
        if not v:
            return "0"
        lens = [n for n, _ in v]
        gaps = [g for _, g in v]
        return "%d (pkts %d, len %d-%d, median %g, single %d; idle before: median %.3fs)" % (
            len(v), sum(lens), min(lens), max(lens), statistics.median(lens), sum(1 for n in lens if n == 1),
            statistics.median(gaps))
    return {"from_requester": pkts["10.0.0.1"], "from_responder": pkts["10.0.0.2"],
            "request_flows": len(req), "psn_gaps": sum(f["gaps"] for f in req.values()),
            "naks": ",".join("%s=%d" % kv for kv in sorted(naks.items())), "duplicate_responses": resp_dups,
            "resends_after_nak": fmt("nak"), "resends_after_resp_gap": fmt("gap"),
            "resends_after_timeout": fmt("timeout")}


def main():
    d = sys.argv[1]
    names = sys.argv[2:] or sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(d, "*.json"))
                                   if not p.endswith(".live.json"))
    cols = ["name", "status", "netem_dropped", "from_requester", "from_responder", "request_flows", "psn_gaps",
            "naks", "duplicate_responses", "resends_after_nak", "resends_after_resp_gap", "resends_after_timeout"]
    print("\t".join(cols))
    for n in names:
        meta = json.load(open(os.path.join(d, n + ".json")))
        s = summarize(os.path.join(d, n + ".pcap"), meta)
        s.update(name=n, status=meta.get("status"), netem_dropped=meta.get("netem_dropped"))
        print("\t".join(str(s[c]) for c in cols), flush=True)


if __name__ == "__main__":
    main()
