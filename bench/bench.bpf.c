// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench.bpf.c: the BPF side of `make bench`, never shipped in rdmatop.
 *
 * bench_count: the trivial RoCE counting program the probe is measured against: Ethernet,
 * IPv4, UDP to the RoCEv2 port, one per-CPU counter. No VLANs, no IPv6, no events.
 *
 * bench_send: the live sender. Run by BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES on
 * a template frame (Ethernet, IPv4, UDP, BTH), it gives each frame the next QP of
 * `sender.qps` (round robin from `sender.first_qpn`) and that QP's next PSN, and redirects it to
 * `sender.ifindex`. Frames are recycled by the kernel's page pool, so every field the program
 * relies on is written on every run.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "rdmatop.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} count_map SEC(".maps");

/* Set by the sender before loading (the layout of struct sender_config in probe-bench.c);
 * `sent` counts the frames sent (the run is single-threaded: one CPU). */
volatile struct {
	__u32 ifindex, qps, first_qpn, pad;
	__u64 sent;
} sender = { .qps = 1, .first_qpn = 0x100 };

#define BTH_LEN 12

static __always_inline struct udphdr *roce_udp(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	if ((void *)(udp + 1) > data_end)
		return NULL;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return NULL;
	if (udp->dest != bpf_htons(RDMATOP_ROCE_PORT))
		return NULL;
	return udp;
}

SEC("xdp")
int bench_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	__u64 *n;

	if (!roce_udp(data, data_end))
		return XDP_PASS;
	n = bpf_map_lookup_elem(&count_map, &zero);
	if (n)
		(*n)++;
	return XDP_PASS;
}

SEC("xdp")
int bench_send(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *bth = data + sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct udphdr);
	__u64 n = sender.sent;
	__u32 qpn, psn;

	if ((void *)(bth + BTH_LEN) > data_end || !roce_udp(data, data_end))
		return XDP_ABORTED;
	qpn = sender.first_qpn + (__u32)(n % sender.qps);
	psn = (__u32)(n / sender.qps) & 0xffffff;
	bth[5] = qpn >> 16;
	bth[6] = qpn >> 8;
	bth[7] = qpn;
	bth[9] = psn >> 16;
	bth[10] = psn >> 8;
	bth[11] = psn;
	sender.sent = n + 1;
	return bpf_redirect(sender.ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
