#!/usr/bin/env python3
"""scapy_icrc.py PCAP: an independent ICRC check with scapy's RoCE layer.

Prints one line per packet: frame number, "ok" or "bad" (stored ICRC vs the one scapy's
BTH.compute_icrc computes, IPv4 and IPv6).
"""
import sys

from scapy.all import raw, rdpcap
from scapy.contrib.roce import BTH

for number, packet in enumerate(rdpcap(sys.argv[1]), start=1):
    if BTH not in packet:
        print(number, "not-roce")
        continue
    stored = raw(packet)[-4:]
    print(number, "ok" if packet[BTH].compute_icrc(None) == stored else "bad")
