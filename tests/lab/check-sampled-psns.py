#!/usr/bin/env python3
"""check-sampled-psns.py COUNT_JSON SAMPLED_JSON B[,B...]: one softroce-test verdict line (B: the
addresses of rxeB, IPv4, IPv6 and VLAN).

The guest's second rdmatop watched vethA with sampled events (--sample 0), so its per-flow
distinct_psns, retransmitted_packets and missing_psns (and, on flows without READ responses
or atomic acknowledgements, messages and partial_messages) are the kernel's PSN window's.
The flows from B reach vethA whole (netem drops only what leaves vethA), so for each of them
that carries requests and no READ request those numbers must be count.py's
(tests/ground-truth/count.py over tshark's fields of vethB's capture). Flows the window does
not follow must show null.
"""
import json
import sys

count_path, sampled_path, b = sys.argv[1:4]
b_addrs = set(b.split(","))


def verdict(ok, expected, got, detail=""):
    print(f"{'PASS' if ok else 'FAIL'} sampled_psns: expected {expected}, got {got}" + (f" ({detail})" if detail else ""))


try:
    truth = {(f["src"], f["dst"], int(f["qpn"])): f for f in json.load(open(count_path))}
    sampled = json.load(open(sampled_path))
except Exception as e:  # noqa: BLE001 - any unreadable input is the verdict
    verdict(False, "count.py's and the sampled rdmatop's JSON", "unreadable", str(e))
    sys.exit(0)

COUNTERS = ("distinct_psns", "retransmitted_packets", "missing_psns")
compared, resent, messages, wrong = 0, 0, 0, []
if sampled.get("source", {}).get("psns") != "kernel":
    wrong.append(f"source.psns {sampled.get('source', {}).get('psns')!r}")
for q in sampled.get("qps", []):
    if q["src"] not in b_addrs:
        continue
    key = (q["src"], q["dst"], int(q["qpn"]))
    name = f"{q['src']}>{q['dst']}/0x{int(q['qpn']):x}"
    expected = truth.get(key, {})
    reads = (q.get("classes") or {}).get("read_request", 0)
    if reads == 0 and expected.get("psns_of") == "requests":
        compared += 1
        resent += expected.get("retransmitted_packets", 0)
        counters = COUNTERS
        # Its messages too, when it carries no READ responses or atomic acknowledgements.
        if expected.get("response_messages", 0) == 0 and (q.get("classes") or {}).get("read_response", 0) == 0:
            counters += ("messages", "partial_messages")
            messages += expected.get("messages", 0)
        for c in counters:
            if q.get(c) != expected.get(c):
                wrong.append(f"{name} {c}: kernel {q.get(c)}, count.py {expected.get(c)}")
    else:
        wrong += [f"{name} {c}: {q.get(c)} (not followed)" for c in COUNTERS if q.get(c) is not None]
verdict(compared > 0 and not wrong,
        f"on every request flow from {b} without READs, the kernel's distinct/retransmitted/missing PSNs "
        "(and messages, without responses) = count.py's",
        f"{compared} flows compared ({resent} retransmitted packets, {messages} messages), {len(wrong)} differ",
        "; ".join(wrong[:4]))
