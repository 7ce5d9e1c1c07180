#!/usr/bin/env bash
# demo.sh: rdmatop on its built-in demo. Generates a capture of simulated RoCEv2 sessions
# (RC SEND / WRITE / READ / atomics with ACKs, UD, 1% loss with NAKs and go-back-N, ECN CE
# marks and CNPs) and shows rdmatop's snapshot of it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release
work=$(mktemp -d /tmp/rdmatop-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$bin/rocegen" -o "$work/demo.pcap" --loss 0.01 --ecn 0.02
echo "== rdmatop --read demo.pcap --once"
"$bin/rdmatop" --read "$work/demo.pcap" --once
echo
echo "== rdmatop --read demo.pcap --dump --opcode nak (first NAKs)"
"$bin/rdmatop" --read "$work/demo.pcap" --dump --opcode nak --preview 0 | head -16
