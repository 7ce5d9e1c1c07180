#!/usr/bin/env bash
# setup.sh [demo|test|bench]: install the Debian packages rdmatop needs, quietly, skipping what is
# already installed. Safe to run again. Needs root (apt) only when something is missing.
set -euo pipefail
want=${1:-test}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Build: ncursesw, libbpf, libelf, zlib (libbpf's pkg-config needs it), libmnl (RDMA netlink),
# libdeflate (the ICRC's CRC-32), libcurl's development files (the release build links
# Foundation's networking statically, which needs -lcurl; FlyingFox links Foundation);
# live demo: iproute2, tcpreplay, tmux-free; tests: tshark (cross-checks), tcpdump, bpftool,
# tmux (the view), prometheus and promtool (the exporter scraped and queried by the real thing),
# curl (scrapes of /metrics and Prometheus' HTTP API, in the tests and make bench).
pkgs=(libncursesw5-dev libbpf-dev libelf-dev zlib1g-dev libmnl-dev libdeflate-dev libcurl4-openssl-dev pkg-config
	iproute2 tcpreplay)
if [[ $want == test || $want == bench ]]; then
	pkgs+=(tshark tcpdump bpftool tmux curl)
fi
if [[ $want == test ]]; then
	# prometheus: the exporter's tests query it; libibverbs-dev, librdmacm-dev: the SoftRoCE
	# VM test builds tests/lab/send-imm.c in the guest, which sees the host's files
	pkgs+=(prometheus libibverbs-dev librdmacm-dev)
	# kernel-patches/check and lab build in the background during `make test`: their build
	# dependencies come in this one apt run (and no apt runs beside the tests)
	mapfile -t -O "${#pkgs[@]}" pkgs < <(bash -c 'source "$1" && printf "%s\n" "${KP_BUILD_DEPS[@]}"' \
		_ "$ROOT/kernel-patches/lib.sh")
	# The lab VM's packages (qemu, the 6.12 kernel, rdma-core, perftest) and initramfs, first:
	# its runner always runs apt-get update when it installs, so ours can then skip it.
	# INITRD=No: Debian's initrd for that kernel (two update-initramfs runs, about a minute)
	# is never used; the runner boots its own. A failure here is left to the VM tests to
	# report (they skip where qemu cannot run).
	RXEVM=$ROOT/../shared/lab/rxe-vm
	if [[ -x $RXEVM && $EUID -eq 0 ]]; then
		log=$(mktemp)
		INITRD=No "$RXEVM" --install-only > "$log" 2>&1 ||
			echo "setup: warning: $RXEVM --install-only failed: $(tail -n 1 "$log")" >&2
		rm -f "$log"
	fi
fi
# make bench: its C programs (gcc), the timings (GNU time, bc) and the live figures (jq).
if [[ $want == bench ]]; then
	pkgs+=(gcc libc6-dev time bc jq)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
	if [[ $EUID -ne 0 ]]; then
		echo "setup: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
	# apt-get update only when the lists cannot provide them (none yet, or stale)
	timeout 1800 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
		timeout 900 apt-get update -qq >/dev/null
		timeout 1800 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	}
fi
# scapy: an independent RoCE ICRC implementation the tests compare with.
if [[ $want != demo ]] && ! python3 -c 'import scapy.contrib.roce' 2>/dev/null; then
	echo "setup: installing scapy (pip)"
	python3 -m pip install -q --disable-pip-version-check scapy >/dev/null 2>&1 \
		|| python3 -m pip install -q --disable-pip-version-check --break-system-packages scapy >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (expected /opt/swift/usr/bin)" >&2; exit 1; }
