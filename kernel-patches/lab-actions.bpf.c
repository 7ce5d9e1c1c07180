// SPDX-License-Identifier: GPL-2.0
/* Lab program for the return codes of RDMA mode (kernel-patches/lab, phase "actions").
 *
 * Same map and program names as samples/bpf/xdp_rdma_pkts.bpf.c, so that the sample's
 * loader runs it with -o. Every packet is counted; every drop_every-th RC packet of
 * direction drop_dir returns XDP_ABORTED (the kernel traces and drops it), and every other
 * packet returns what bpf_redirect() returns, XDP_REDIRECT, which RDMA mode does not
 * support: do_xdp_rdma() must warn and let the packet pass. bpf_redirect() writes to the
 * task's BPF net context, which rxe's transmit path (process context) only has because
 * do_xdp_rdma() sets one.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xdp_rdma_pkts.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 512);
	__type(key, struct rdma_pkts_key);
	__type(value, struct rdma_pkts_count);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rdma_pkts_config);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("xdp")
int xdp_rdma_pkts(struct xdp_md *ctx)
{
	struct rdma_pkts_key key = {
		.ifindex = ctx->ingress_ifindex,
		.dir = ctx->rx_queue_index,
	};
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct rdma_pkts_count *cnt, zero = {};
	struct rdma_pkts_config *cfg;
	__u32 zero_key = 0;
	__u8 opcode;
	__u8 ihl;

	cnt = bpf_map_lookup_elem(&counts, &key);
	if (!cnt) {
		bpf_map_update_elem(&counts, &key, &zero, BPF_NOEXIST);
		cnt = bpf_map_lookup_elem(&counts, &key);
		if (!cnt)
			return XDP_PASS;
	}
	cnt->packets++;
	cnt->bytes += data_end - data;
	/* IPv4 only here: the BTH opcode after the IP and UDP headers */
	if (data + 1 > data_end)
		return XDP_PASS;
	ihl = (*(__u8 *)data & 0xf) * 4;
	if (bpf_xdp_load_bytes(ctx, ihl + 8, &opcode, 1))
		return XDP_PASS;
	cfg = bpf_map_lookup_elem(&config, &zero_key);
	if (cfg && opcode >> 5 == 0) {
		cnt->rc++;
		if (cfg->drop_every && key.dir == cfg->drop_dir &&
		    cnt->rc % cfg->drop_every == 0) {
			cnt->dropped++;
			return XDP_ABORTED;
		}
	}
	return bpf_redirect(key.ifindex, 0);
}

char _license[] SEC("license") = "GPL";
