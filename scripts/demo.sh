#!/usr/bin/env bash
# demo.sh: rdmatop on its built-in demo lab.
#
# Two network namespaces joined by a veth pair; rocegen's simulated RoCEv2 sessions (RC SEND,
# WRITE, READ and atomics with their ACKs, UD, 1% loss answered by NAKs and go-back-N, ECN CE
# marks answered by CNPs) are replayed with tcpreplay out of one end, lap after lap (each lap's
# PSNs continue the previous one's, so it reads as one long session), a bounded number, and
# rdmatop watches the other end live: the interactive view in a terminal, snapshots when
# there is none. Everything is torn down on exit. Without root (no namespaces, no BPF) it
# shows the snapshot of the generated capture instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/.build/release
work=$(mktemp -d /tmp/rdmatop-demo.XXXXXX)
nsA=rdmatop-demo-a nsB=rdmatop-demo-b
replay_pid=

cleanup() {
	set +e
	if [[ -n $replay_pid ]]; then
		# The replay loop and what it runs now (rocegen, or timeout and its tcpreplay).
		pkill -TERM -P "$replay_pid" 2>/dev/null
		kill "$replay_pid" 2>/dev/null
		wait "$replay_pid" 2>/dev/null
	fi
	ip netns del "$nsA" 2>/dev/null
	ip netns del "$nsB" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [[ $EUID -ne 0 ]]; then
	"$bin/rocegen" -o "$work/demo.pcap" --loss 0.01 --ecn 0.02
	echo "demo: not root, so no live capture; the snapshot of the generated capture:"
	exec "$bin/rdmatop" --read "$work/demo.pcap" --once
fi

# The lab: nsA (dA, 10.0.0.1) <== veth ==> (dB, 10.0.0.2) nsB. Leftovers of a killed demo go first.
ip netns del "$nsA" 2>/dev/null || true
ip netns del "$nsB" 2>/dev/null || true
ip netns add "$nsA"
ip netns add "$nsB"
ip link add dA netns "$nsA" type veth peer name dB netns "$nsB"
ip -n "$nsA" addr add 10.0.0.1/24 dev dA
ip -n "$nsB" addr add 10.0.0.2/24 dev dB
ip -n "$nsA" link set dA up
ip -n "$nsB" link set dB up

# Replay 50 laps at 4000 packets/s (about two minutes), never longer than five minutes.
replay() {
	local lap deadline=$((SECONDS + 300))
	sleep 1
	for lap in $(seq 0 49); do
		(( SECONDS < deadline )) || break
		"$bin/rocegen" -o "$work/lap.pcap" --lap "$lap" --seed $((lap + 1)) --loss 0.01 --ecn 0.02 || break
		timeout 60 ip netns exec "$nsA" tcpreplay -q --pps 4000 -i dA "$work/lap.pcap" || break
	done
}
replay >/dev/null 2>&1 &
replay_pid=$!

if [[ -t 1 ]]; then
	echo "demo: replaying simulated RoCEv2 sessions into dB; press q to quit"
	ip netns exec "$nsB" "$bin/rdmatop" dB --interval 1
else
	ip netns exec "$nsB" "$bin/rdmatop" dB --interval 2 --count 4
fi
