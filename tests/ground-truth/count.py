#!/usr/bin/env python3
"""An independent count of rdmatop's exact per-flow counters, from tshark's fields.

Usage: count.py CAPTURE [--pmtu N] [--trace]

--trace prints the ledger's events (missing, late, recovered PSNs) on standard error.

Written from docs/analysis.md alone (never from Sources/), so that agreement with
`rdmatop --read CAPTURE --once --json` means something. Prints a JSON list of flows, one per
(source IP, destination IP, destination QPN), with rdmatop's key names:

  packets                 every RoCE packet of the flow
  counted_packets         the packets the PSN ledger counts (psns_of): requests, or READ
                          responses and atomic acknowledgements; = distinct + retransmitted
  psns_of                 "requests", "responses" or "none"
  distinct_psns, retransmitted_packets, missing_psns, late_psns, unrecovered_psns
  acks, naks {code: n}, rnr_naks
  messages, partial_messages, message_bytes {min, mean, max} or null
  reverse                 the paired flow (same UDP source port, addresses swapped) or null

lost_packets (an inference) is deliberately not counted here.

Decisions taken where analysis.md leaves room (kept explicit so a reader can challenge them):
- A flow's kind is decided over the whole capture: any request packet makes it a request
  flow, whose ledger counts only its requests.
- Reservations: a skip ahead in READ responses or atomic acknowledgements misses the PSNs
  that requests carried before it reserved (a request the capture carries only later, after
  a capture that dropped its first copy, does not make its responses missing after the fact).
- A READ request occupies PSNs PSN .. PSN+n-1, n = max(1, ceil(DMA length / path MTU)); a
  packet whose PSN lies in a range the flow already occupied is retransmitted, otherwise it
  adds one distinct PSN. Missing PSNs are PSN positions (a lost READ of n responses leaves
  n missing positions).
- The path MTU is --pmtu, else the largest payload of a FIRST or MIDDLE packet of the
  connection (the flow and its reverse), else of the capture, else 1024.
- "NAK" for late PSNs and retransmission runs: a NAK of any code or an RNR NAK carried by the
  reverse flow. "Followed directly": the flow's next counted packet.
- Messages are counted on every flow that carries their LAST/ONLY packet, in the PSN space of
  that packet (a flow carrying both its own requests and READ responses for the other side
  counts both kinds of message). A LAST counts when its PSN is first carried; its message's
  first PSN is the nearest FIRST before it, or one past the nearest LAST/ONLY before it,
  whichever is nearer, looked up over the whole capture (a FIRST seen only as a
  retransmission, or reordered after its LAST, still counts). Neither: partial_messages.
  A READ response LAST's message begins at the PSN of the READ request that asked for it
  (analysis.md): the nearest READ request at or before it that the reverse flow carried
  (first carried, before this LAST), if that READ's responses reach its PSN; else as above.
- A PSN behind the flow's first packet that was never passed by a jump ahead is new (distinct),
  not missing (the capture started after it was sent).
- Clocks: the 1 ms of late PSNs compares packets of one flow, which one sender stamps with one
  clock, so raw capture times are used.
"""

import json
import math
import subprocess
import sys

PSN_MOD = 1 << 24
HALF = 1 << 23

FIELDS = [
    "frame.number", "frame.time_epoch", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
    "udp.srcport", "udp.dstport", "udp.length",
    "infiniband.bth.opcode", "infiniband.bth.destqp", "infiniband.bth.psn",
    "infiniband.bth.a", "infiniband.bth.padcnt", "infiniband.aeth.syndrome",
    "infiniband.reth.dmalen", "frame.len", "ip.len",
]

# Operation codes (the low 5 bits) of RC and UC.
SEND_FIRST, SEND_MIDDLE, SEND_LAST, SEND_LAST_IMM, SEND_ONLY, SEND_ONLY_IMM = 0, 1, 2, 3, 4, 5
WRITE_FIRST, WRITE_MIDDLE, WRITE_LAST, WRITE_LAST_IMM, WRITE_ONLY, WRITE_ONLY_IMM = 6, 7, 8, 9, 10, 11
READ_REQUEST = 12
READ_RESP_FIRST, READ_RESP_MIDDLE, READ_RESP_LAST, READ_RESP_ONLY = 13, 14, 15, 16
ACKNOWLEDGE, ATOMIC_ACK, CMP_SWAP, FETCH_ADD = 17, 18, 19, 20
SEND_LAST_INV, SEND_ONLY_INV = 22, 23

RC_REQUESTS = {SEND_FIRST, SEND_MIDDLE, SEND_LAST, SEND_LAST_IMM, SEND_ONLY, SEND_ONLY_IMM,
               WRITE_FIRST, WRITE_MIDDLE, WRITE_LAST, WRITE_LAST_IMM, WRITE_ONLY, WRITE_ONLY_IMM,
               READ_REQUEST, CMP_SWAP, FETCH_ADD, SEND_LAST_INV, SEND_ONLY_INV}
UC_REQUESTS = {SEND_FIRST, SEND_MIDDLE, SEND_LAST, SEND_LAST_IMM, SEND_ONLY, SEND_ONLY_IMM,
               WRITE_FIRST, WRITE_MIDDLE, WRITE_LAST, WRITE_LAST_IMM, WRITE_ONLY, WRITE_ONLY_IMM}
UD_REQUESTS = {SEND_ONLY, SEND_ONLY_IMM}
RESPONSES = {READ_RESP_FIRST, READ_RESP_MIDDLE, READ_RESP_LAST, READ_RESP_ONLY, ATOMIC_ACK}

FIRSTS = {SEND_FIRST, WRITE_FIRST, READ_RESP_FIRST}
MIDDLES = {SEND_MIDDLE, WRITE_MIDDLE, READ_RESP_MIDDLE}
LASTS = {SEND_LAST, SEND_LAST_IMM, SEND_LAST_INV, WRITE_LAST, WRITE_LAST_IMM, READ_RESP_LAST}
ONLYS = {SEND_ONLY, SEND_ONLY_IMM, SEND_ONLY_INV, WRITE_ONLY, WRITE_ONLY_IMM, READ_REQUEST,
         READ_RESP_ONLY, CMP_SWAP, FETCH_ADD, ATOMIC_ACK}
# A response message starts with these (a skip ahead there counts only reserved PSNs).
RESPONSE_STARTS = {READ_RESP_FIRST, READ_RESP_ONLY, ATOMIC_ACK}

NAK_NAMES = {0: "psn_sequence_error", 1: "invalid_request", 2: "remote_access_error",
             3: "remote_operational_error", 4: "invalid_rd_request"}

LATE_WINDOW_S = 0.001


def transport(opcode):
    return opcode >> 5  # 0 RC, 1 UC, 2 RD, 3 UD, 5 XRC, 4 CNP (0x81)


def is_request(opcode):
    t, op = transport(opcode), opcode & 0x1F
    return (t == 0 and op in RC_REQUESTS) or (t == 1 and op in UC_REQUESTS) or \
        (t == 3 and op in UD_REQUESTS)


def is_response(opcode):
    return transport(opcode) == 0 and (opcode & 0x1F) in RESPONSES


def header_bytes(opcode):
    """Extended transport headers after the BTH, by opcode (IBTA table 41)."""
    t, op = transport(opcode), opcode & 0x1F
    n = 0
    if t == 3:
        n += 8  # DETH
    if t == 0 or t == 1:
        if op in (WRITE_FIRST, WRITE_ONLY, WRITE_ONLY_IMM, READ_REQUEST):
            n += 16  # RETH
        if op in (CMP_SWAP, FETCH_ADD):
            n += 28  # AtomicETH
        if op in (READ_RESP_FIRST, READ_RESP_LAST, READ_RESP_ONLY, ACKNOWLEDGE, ATOMIC_ACK):
            n += 4  # AETH
        if op == ATOMIC_ACK:
            n += 8  # AtomicAckETH
    if op in (SEND_LAST_IMM, SEND_ONLY_IMM, WRITE_LAST_IMM, WRITE_ONLY_IMM, SEND_LAST_INV, SEND_ONLY_INV):
        n += 4  # ImmDt or IETH
    return n


def num(text):
    if text == "":
        return None
    text = text.split(",")[0]
    if text in ("True", "False"):
        return 1 if text == "True" else 0
    return int(text, 0)


TRACE = False


def trace(text):
    if TRACE:
        sys.stderr.write(text + "\n")


def ahead(a, b):
    """PSN a is after b (modulo 2^24)."""
    d = (a - b) % PSN_MOD
    return 0 < d < HALF


class Packet:
    __slots__ = ("number", "time", "src", "dst", "sport", "opcode", "qpn", "psn", "syndrome",
                 "dmalen", "payload", "flow")


def read_packets(path):
    args = ["tshark", "-n", "-r", path, "-Y", "infiniband", "-T", "fields",
            "-E", "separator=/t", "-E", "occurrence=f"]
    for f in FIELDS:
        args += ["-e", f]
    out = subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True).stdout
    packets = []
    for line in out.splitlines():
        row = line.split("\t")
        row += [""] * (len(FIELDS) - len(row))
        r = dict(zip(FIELDS, row))
        if r["infiniband.bth.opcode"] == "" or r["udp.length"] == "":
            continue
        p = Packet()
        p.number = int(r["frame.number"])
        p.time = float(r["frame.time_epoch"])
        p.src = r["ip.src"] or r["ipv6.src"]
        p.dst = r["ip.dst"] or r["ipv6.dst"]
        p.sport = num(r["udp.srcport"])
        p.opcode = num(r["infiniband.bth.opcode"])
        p.qpn = num(r["infiniband.bth.destqp"])
        p.psn = num(r["infiniband.bth.psn"])
        p.syndrome = num(r["infiniband.aeth.syndrome"])
        p.dmalen = num(r["infiniband.reth.dmalen"])
        pad = num(r["infiniband.bth.padcnt"]) or 0
        udp_len = num(r["udp.length"])
        p.payload = udp_len - 8 - 12 - header_bytes(p.opcode) - pad - 4
        p.flow = (p.src, p.dst, p.qpn)
        packets.append(p)
    return packets


class MessageSpace:
    """Messages of one PSN space of a flow: counted when a LAST or ONLY is first carried.

    A multi-packet message's first PSN is that of its FIRST packet, or one past the previous
    message's LAST (or ONLY). Both are looked up over the whole capture, so a FIRST that
    arrives after its LAST (reordered) still counts; a LAST with neither before it is a
    partial message (it began before the capture)."""

    def __init__(self):
        self.carried = set()   # PSN positions carried (for "first carries")
        self.firsts = set()    # PSNs of FIRST packets seen
        self.ends = set()      # last PSN position of each message end seen
        self.sizes = []
        self.lasts = []        # (PSN, payload, READ start or None) of each LAST first carried
        self.partial = 0

    def packet(self, p, n_positions, reads=None):
        """reads: for a READ response LAST, the READ requests the reverse flow carried so far."""
        op = p.opcode & 0x1F
        new = p.psn not in self.carried
        for i in range(n_positions):
            self.carried.add((p.psn + i) % PSN_MOD)
        if op in FIRSTS:
            self.firsts.add(p.psn)
        elif op in ONLYS:
            if new:
                if op == READ_REQUEST:
                    size = p.dmalen or 0
                elif op in (CMP_SWAP, FETCH_ADD, ATOMIC_ACK):
                    size = 8
                else:
                    size = p.payload
                self.sizes.append(size)
            self.ends.add((p.psn + n_positions - 1) % PSN_MOD)
        elif op in LASTS:
            if new:
                self.lasts.append((p.psn, p.payload, read_start(reads, p.psn) if reads is not None else None))
            self.ends.add(p.psn)

    def nearest_start(self, psn):
        """The nearest FIRST before `psn`, or one past the nearest LAST/ONLY, whichever is nearer."""
        for back in range(1, 1 << 16):
            q = (psn - back) % PSN_MOD
            if q in self.firsts:
                return q
            if q in self.ends:
                return (q + 1) % PSN_MOD
        return None

    def finish(self, pmtu):
        for psn, payload, first in self.lasts:
            if first is None:
                first = self.nearest_start(psn)
            if first is None:
                self.partial += 1
            else:
                self.sizes.append(((psn - first) % PSN_MOD) * pmtu + payload)
        self.lasts = []


class Flow:
    def __init__(self, key):
        self.key = key
        self.packets = 0
        self.sports = {}
        self.has_requests = False
        self.has_responses = False
        self.acks = 0
        self.naks = {}
        self.rnr_naks = 0
        self.nak_events = 0     # NAKs and RNR NAKs carried so far (capture order)
        self.reverse = None
        self.pmtu = None
        # PSN ledger
        self.counted = 0
        self.covered = set()
        self.highest = None
        self.distinct = 0
        self.retransmitted = 0
        self.missing = 0
        self.late = 0
        self.pending = {}       # missing PSN -> (time it went missing, reverse NAKs, own retx)
        self.tentative = []     # late PSNs waiting for the flow's next counted packet
        self.reserved = set()   # PSN positions this flow's READs and atomics reserved
        self.read_requests = {} # PSN -> response count of each READ request first carried
        self.messages = {"requests": MessageSpace(), "responses": MessageSpace()}

    @property
    def psns_of(self):
        if self.has_requests:
            return "requests"
        if self.has_responses:
            return "responses"
        return "none"


def read_start(reads, psn):
    """The first PSN of the READ whose responses include `psn`: the nearest READ request at or
    before it (of those carried so far), if its responses reach that far."""
    for back in range(0, 1 << 16):
        q = (psn - back) % PSN_MOD
        if q in reads:
            return q if back < reads[q] else None
    return None


def count(path, pmtu_option=None):
    packets = read_packets(path)
    flows = {}
    for p in packets:
        f = flows.get(p.flow)
        if f is None:
            f = flows[p.flow] = Flow(p.flow)
        f.packets += 1
        f.sports[p.sport] = f.sports.get(p.sport, 0) + 1
        if is_request(p.opcode):
            f.has_requests = True
        elif is_response(p.opcode):
            f.has_responses = True

    # Pairing: the other direction of a connection shares the UDP source port (RoCEv2 derives
    # it from both QPNs) with the addresses swapped.
    for f in flows.values():
        best, best_n = None, 0
        for g in flows.values():
            if g.key[0] != f.key[1] or g.key[1] != f.key[0]:
                continue
            shared = sum(min(n, g.sports.get(port, 0)) for port, n in f.sports.items())
            if shared > best_n:
                best, best_n = g, shared
        f.reverse = best

    # Path MTU: the largest FIRST/MIDDLE payload of the connection, else of the capture.
    learned = {}
    for p in packets:
        if transport(p.opcode) in (0, 1) and (p.opcode & 0x1F) in FIRSTS | MIDDLES:
            learned[p.flow] = max(learned.get(p.flow, 0), p.payload)
    capture_mtu = max(learned.values()) if learned else 1024
    for f in flows.values():
        if pmtu_option:
            f.pmtu = pmtu_option
            continue
        own = max(learned.get(f.key, 0), learned.get(f.reverse.key, 0) if f.reverse else 0)
        f.pmtu = own or capture_mtu

    def positions(p, f):
        if transport(p.opcode) == 0 and (p.opcode & 0x1F) == READ_REQUEST:
            return max(1, math.ceil((p.dmalen or 0) / f.pmtu))
        return 1

    def reserves(p):
        return transport(p.opcode) == 0 and (p.opcode & 0x1F) in (READ_REQUEST, CMP_SWAP, FETCH_ADD)

    for p in packets:
        f = flows[p.flow]
        op = p.opcode & 0x1F

        # Reservations of request flows so far (a READ response or atomic acknowledgement that
        # skips ahead misses only the PSNs of requests carried before it).
        if reserves(p):
            if op == READ_REQUEST and p.psn not in f.reserved:
                f.read_requests[p.psn] = positions(p, f)
            f.reserved.update((p.psn + i) % PSN_MOD for i in range(positions(p, f)))

        # ACKs and NAKs, on the flow that carries them.
        if p.syndrome is not None and transport(p.opcode) == 0 and op in (
                READ_RESP_FIRST, READ_RESP_LAST, READ_RESP_ONLY, ACKNOWLEDGE, ATOMIC_ACK):
            kind = p.syndrome >> 5
            if kind == 0:
                f.acks += 1
            elif kind == 1:
                f.rnr_naks += 1
                f.nak_events += 1
            elif kind == 3:
                code = p.syndrome & 0x1F
                name = NAK_NAMES.get(code, "reserved")  # undefined codes: as rdmatop's JSON (v10)
                f.naks[name] = f.naks.get(name, 0) + 1
                f.nak_events += 1

        request, response = is_request(p.opcode), is_response(p.opcode)
        if request or response:
            space = "requests" if request else "responses"
            reads = f.reverse.read_requests if f.reverse and op == READ_RESP_LAST else None
            f.messages[space].packet(p, positions(p, f) if request else 1, reads)

        counted = (request and f.has_requests) or (response and not f.has_requests)
        if not counted:
            continue
        f.counted += 1
        n = positions(p, f) if request else 1
        span = [(p.psn + i) % PSN_MOD for i in range(n)]
        reverse_naks = f.reverse.nak_events if f.reverse else 0

        retransmitted = p.psn in f.covered
        # "not followed directly by a retransmitted packet"
        for q in f.tentative:
            if not retransmitted:
                f.late += 1
            else:
                trace("%s #%d psn %d not late: followed by a retransmission" % (f.key, p.number, q))
        f.tentative = []

        if retransmitted:
            f.retransmitted += 1
        else:
            f.distinct += 1
        if f.highest is None:
            f.highest = span[-1]
        else:
            if ahead(p.psn, f.highest) and p.psn != (f.highest + 1) % PSN_MOD:
                skipped = [(f.highest + 1 + i) % PSN_MOD
                           for i in range((p.psn - f.highest - 1) % PSN_MOD)]
                if response and op in RESPONSE_STARTS:
                    reserved = f.reverse.reserved if f.reverse else set()
                    skipped = [q for q in skipped if q in reserved]
                for q in skipped:
                    if q not in f.covered and q not in f.pending:
                        f.missing += 1
                        f.pending[q] = (p.time, reverse_naks, f.retransmitted)
                        trace("%s #%d psn %d missing" % (f.key, p.number, q))
            if ahead(span[-1], f.highest):
                f.highest = span[-1]
        for q in span:
            if q in f.covered:
                continue
            f.covered.add(q)
            gone = f.pending.pop(q, None)
            if gone is not None:
                t, naks, retx = gone
                if p.time < t:
                    # stamped before the packet that skipped it: reordered, whatever came between
                    f.late += 1
                    trace("%s #%d psn %d late: stamped %.6f s before the packet that skipped it" % (
                        f.key, p.number, q, t - p.time))
                elif p.time - t < LATE_WINDOW_S and naks == reverse_naks and retx == f.retransmitted:
                    f.tentative.append(q)
                    trace("%s #%d psn %d late candidate (%.6f s)" % (f.key, p.number, q, p.time - t))
                else:
                    trace("%s #%d psn %d recovered (%.6f s, naks %d, retx %d)" % (
                        f.key, p.number, q, p.time - t, reverse_naks - naks, f.retransmitted - retx))
    result = []
    for f in flows.values():
        f.late += len(f.tentative)
        for space in f.messages.values():
            space.finish(f.pmtu)
        sizes = f.messages["requests"].sizes + f.messages["responses"].sizes
        counted = f.psns_of != "none"
        result.append({
            "src": f.key[0], "dst": f.key[1], "qpn": f.key[2],
            "packets": f.packets,
            "counted_packets": f.counted,
            "psns_of": f.psns_of,
            "distinct_psns": f.distinct if counted else 0,
            "retransmitted_packets": f.retransmitted,
            "missing_psns": f.missing,
            "late_psns": f.late,
            "unrecovered_psns": len(f.pending),
            "acks": f.acks,
            "naks": f.naks,
            "rnr_naks": f.rnr_naks,
            "messages": len(sizes),
            "request_messages": len(f.messages["requests"].sizes),
            "response_messages": len(f.messages["responses"].sizes),
            "partial_messages": f.messages["requests"].partial + f.messages["responses"].partial,
            "message_bytes": {"min": min(sizes), "mean": sum(sizes) / len(sizes), "max": max(sizes)}
            if sizes else None,
            "pmtu": f.pmtu,
            "reverse": {"src": f.reverse.key[0], "dst": f.reverse.key[1], "qpn": f.reverse.key[2]}
            if f.reverse else None,
        })
    result.sort(key=lambda r: (-r["packets"], r["src"], r["dst"], r["qpn"]))
    return result


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: count.py CAPTURE [--pmtu N] [--trace]\n")
        return 2
    global TRACE
    TRACE = "--trace" in argv
    pmtu = None
    if "--pmtu" in argv:
        pmtu = int(argv[argv.index("--pmtu") + 1])
    json.dump(count(argv[1], pmtu), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
