# rxe-pair.sh: sourced by the guest scripts (tests/lab/guest-softroce.sh,
# kernel-patches/lab-guest.sh). Two rxe devices on the two ends of one veth pair in the initial
# namespace (the 6.12 rxe opens its UDP socket only there):
#   rxeA on vethA $A  <== veth ==>  $B on vethB rxeB
# Both addresses are local, so policy routing sends locally generated packets to the peer's
# address out of the veth; the `local` table is consulted only after those rules.

# rxe_pair_setup A B: creates the pair; returns non-zero when a step fails.
rxe_pair_setup() {
	local a=$1 b=$2 c
	ip link add vethA type veth peer name vethB || return 1
	ip addr add "$a/24" dev vethA && ip addr add "$b/24" dev vethB || return 1
	ip link set vethA up && ip link set vethB up || return 1
	for c in all default vethA vethB; do
		sysctl -qw net.ipv4.conf.$c.accept_local=1 net.ipv4.conf.$c.rp_filter=0
	done
	ip rule add pref 1000 lookup local && ip rule del pref 0 || return 1
	ip route add "$b/32" dev vethA src "$a" table 100 || return 1
	ip route add "$a/32" dev vethB src "$b" table 101 || return 1
	ip rule add pref 100 iif lo to "$b/32" lookup 100 || return 1
	ip rule add pref 101 iif lo to "$a/32" lookup 101 || return 1
	ip neigh replace "$b" lladdr "$(cat /sys/class/net/vethB/address)" dev vethA nud permanent || return 1
	ip neigh replace "$a" lladdr "$(cat /sys/class/net/vethA/address)" dev vethB nud permanent || return 1
	rdma link add rxeA type rxe netdev vethA && rdma link add rxeB type rxe netdev vethB
}

# rxe_gid DEV: the index of DEV's RoCE v2 GID that holds an IPv4-mapped address.
rxe_gid() {
	local n g t
	for n in $(seq 0 15); do
		g=$(cat "/sys/class/infiniband/$1/ports/1/gids/$n" 2>/dev/null) || continue
		t=$(cat "/sys/class/infiniband/$1/ports/1/gid_attrs/types/$n" 2>/dev/null)
		if [[ $g == 0000:0000:0000:0000:0000:ffff:* && $t == "RoCE v2" ]]; then echo "$n"; return 0; fi
	done
	return 1
}

# rxe_pair_gids SECONDS: sets GA and GB (rxeA's and rxeB's GID index) once both exist.
rxe_pair_gids() {
	local limit=$(( SECONDS + $1 ))
	GA= GB=
	until GA=$(rxe_gid rxeA) && GB=$(rxe_gid rxeB); do
		(( SECONDS >= limit )) && return 1
		sleep 0.2
	done
}

# rxe_pair_ipv6 A6 B6: IPv6 addresses on vethA and vethB, each of which becomes a RoCE v2 GID
# of rxeA and rxeB, routed across the veth as rxe_pair_setup does for A and B.
rxe_pair_ipv6() {
	local a6=$1 b6=$2
	ip -6 addr add "$a6/64" dev vethA nodad && ip -6 addr add "$b6/64" dev vethB nodad || return 1
	ip -6 rule add pref 1000 lookup local && ip -6 rule del pref 0 || return 1
	ip -6 route add "$b6/128" dev vethA src "$a6" table 100 || return 1
	ip -6 route add "$a6/128" dev vethB src "$b6" table 101 || return 1
	ip -6 rule add pref 100 iif lo to "$b6/128" lookup 100 || return 1
	ip -6 rule add pref 101 iif lo to "$a6/128" lookup 101 || return 1
	ip -6 neigh replace "$b6" lladdr "$(cat /sys/class/net/vethB/address)" dev vethA nud permanent || return 1
	ip -6 neigh replace "$a6" lladdr "$(cat /sys/class/net/vethA/address)" dev vethB nud permanent
}

# rxe_pair_vlan AV BV: IPv4 addresses AV and BV on VLAN 100 over vethA and vethB (vethA.100,
# vethB.100; the 8021q module), whose GIDs of rxeA and rxeB send VLAN-tagged frames (rxe
# cannot be added to a VLAN device, but uses a GID of its netdev's VLAN device as a hardware
# NIC does), routed across the veth as rxe_pair_setup does for A and B.
rxe_pair_vlan() {
	local av=$1 bv=$2 c
	ip link add link vethA name vethA.100 type vlan id 100 || return 1
	ip link add link vethB name vethB.100 type vlan id 100 || return 1
	ip addr add "$av/24" dev vethA.100 && ip addr add "$bv/24" dev vethB.100 || return 1
	ip link set vethA.100 up && ip link set vethB.100 up || return 1
	for c in vethA/100 vethB/100; do
		sysctl -qw net.ipv4.conf.$c.accept_local=1 net.ipv4.conf.$c.rp_filter=0
	done
	ip route add "$bv/32" dev vethA.100 src "$av" table 102 || return 1
	ip route add "$av/32" dev vethB.100 src "$bv" table 103 || return 1
	ip rule add pref 102 iif lo to "$bv/32" lookup 102 || return 1
	ip rule add pref 103 iif lo to "$av/32" lookup 103 || return 1
	ip neigh replace "$bv" lladdr "$(cat /sys/class/net/vethB.100/address)" dev vethA.100 nud permanent || return 1
	ip neigh replace "$av" lladdr "$(cat /sys/class/net/vethA.100/address)" dev vethB.100 nud permanent
}

# rxe_gid_of DEV PATTERN: the index of DEV's RoCE v2 GID that matches the shell PATTERN.
rxe_gid_of() {
	local n g
	for n in $(seq 0 15); do
		g=$(cat "/sys/class/infiniband/$1/ports/1/gids/$n" 2>/dev/null) || continue
		if [[ $g == $2 && $(cat "/sys/class/infiniband/$1/ports/1/gid_attrs/types/$n" 2>/dev/null) == "RoCE v2" ]]; then
			echo "$n"
			return 0
		fi
	done
	return 1
}

# roce_ce_marking DEV: ECN CE on every 10th RoCEv2 packet (UDP 4791, IPv4 or IPv6) leaving DEV:
# a prio root qdisc whose u32 filters send each such packet through gact, which passes 9 of
# 10 and pipes every 10th (`random determ`) into pedit (ECN field := 11) and, for IPv4, csum
# (the header checksum). The ICRC masks the ECN bits, so rxe still accepts them. VLAN-tagged
# frames are not marked (at the root qdisc their protocol is 802.1Q). pedit's statistics
# (`tc -s -j filter show dev DEV parent 1:`) count the marks. Remove with `tc qdisc del dev
# DEV root`.
roce_ce_marking() {
	tc qdisc add dev "$1" root handle 1: prio bands 3 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 &&
	tc filter add dev "$1" parent 1: protocol ip prio 1 u32 match ip protocol 17 0xff \
		match ip dport 4791 0xffff flowid 1:1 action gact ok random determ pipe 10 \
		action pedit ex munge ip dsfield set 0x03 retain 0x03 pipe action csum ip &&
	tc filter add dev "$1" parent 1: protocol ipv6 prio 2 u32 match ip6 protocol 17 0xff \
		match ip6 dport 4791 0xffff flowid 1:1 action gact ok random determ pipe 10 \
		action pedit ex munge ip6 traffic_class set 0x03 retain 0x03
}

# nvmeof_target ADDR: NVMe over Fabrics target: nvmet-rdma listening on ADDR:4420, exporting a
# 1 GiB null_blk device (/dev/nullb0) as subsystem "rdmatop" to any host; once (a second call
# returns at once). Connect with
#   nvmeof_connect ADDR
nvmeof_target() {
	local cfg=/sys/kernel/config/nvmet addr=$1
	[ -d $cfg/subsystems/rdmatop ] && return 0
	modprobe null_blk nr_devices=1 gb=1 && modprobe nvmet && modprobe nvmet-rdma && modprobe nvme-rdma || return 1
	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config || return 1
	mkdir $cfg/subsystems/rdmatop && echo 1 > $cfg/subsystems/rdmatop/attr_allow_any_host || return 1
	mkdir $cfg/subsystems/rdmatop/namespaces/1 && echo /dev/nullb0 > $cfg/subsystems/rdmatop/namespaces/1/device_path &&
		echo 1 > $cfg/subsystems/rdmatop/namespaces/1/enable || return 1
	mkdir $cfg/ports/1 && echo rdma > $cfg/ports/1/addr_trtype && echo ipv4 > $cfg/ports/1/addr_adrfam &&
		echo "$addr" > $cfg/ports/1/addr_traddr && echo 4420 > $cfg/ports/1/addr_trsvcid || return 1
	ln -s $cfg/subsystems/rdmatop $cfg/ports/1/subsystems/rdmatop
}

# nvmeof_connect ADDR: connects nvme-rdma to nvmeof_target's subsystem at ADDR and prints the
# name of its block device (nvme0n1) once it appears, within 20 s; non-zero when it does not
nvmeof_connect() {
	local dev= _
	echo "transport=rdma,traddr=$1,trsvcid=4420,nqn=rdmatop" > /dev/nvme-fabrics || return 1
	for _ in $(seq 1 80); do dev=$(ls /sys/block | grep -m1 '^nvme[0-9]*n1$') && break; sleep 0.25; done
	[ -n "$dev" ] && echo "$dev"
}

# nvmeof_disconnect DEV: removes the controller of block device DEV (nvme0n1: nvme0)
nvmeof_disconnect() { echo 1 > "/sys/class/nvme/${1%n1}/delete_controller"; }

# roce_loss DEV PERCENT: netem drops PERCENT % of RoCEv2 (UDP 4791) leaving DEV, nothing else.
roce_loss() {
	tc qdisc add dev "$1" root handle 1: prio bands 3 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 &&
	tc qdisc add dev "$1" parent 1:3 handle 30: netem loss "$2%" &&
	tc filter add dev "$1" parent 1: protocol ip prio 1 u32 match ip protocol 17 0xff \
		match ip dport 4791 0xffff flowid 1:3
}
