// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rdmatop.bpf.c: rdmatop's probe. An XDP program (ingress, or RDMA mode where rxe hands over
 * its transmitted and received packets from the IP header) and a tc program (clsact egress).
 * Both find UDP packets to the RoCEv2 port, count them exactly in per-CPU counters and per
 * flow in an LRU flow map (account()), and copy the first snaplen bytes into a ring buffer
 * event. They never change or drop a packet.
 * The XDP program is frags-aware (xdp.frags: it reads only the first buffer directly, the length
 * with bpf_xdp_get_buff_len() and the event's bytes with bpf_xdp_load_bytes()), so it attaches
 * where the MTU is larger than a page: jumbo frames, and rxe's 4096-byte RoCE MTU on a veth.
 * No CO-RE: the lab's kernels have no BTF.
 */
#include <linux/bpf.h>
#include <linux/errno.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "rdmatop.h"
#include "rdmatop_flow.h"

const volatile struct rdmatop_config config = {
	.port = RDMATOP_ROCE_PORT,
	.snaplen = RDMATOP_DEFAULT_SNAPLEN,
	.framing = RDMATOP_FRAMING_ETH,
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);	/* set by the loader */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RDMATOP_NUM_DIRS);
	__type(key, __u32);
	__type(value, struct rdmatop_counters);
} counters SEC(".maps");

/* Exact per-flow counts, bounded: the least recently used flow makes room for a new one. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, RDMATOP_DEFAULT_KERNEL_FLOWS);	/* set by the loader */
	__type(key, struct rdmatop_flow_key);
	__type(value, struct rdmatop_flow);
} flows SEC(".maps");

/*
 * The PSN window of each flow's requests (rdmatop.h): one entry for all CPUs under a spin
 * lock, which an LRU map cannot hold, so it is bounded instead (the loader sizes it as the
 * flow map): a flow that finds it full is counted in psn_refused. User space deletes the
 * entries of flows the flow map has evicted.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RDMATOP_DEFAULT_KERNEL_FLOWS);	/* set by the loader */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rdmatop_flow_key);
	__type(value, struct rdmatop_psn_entry);
} psns SEC(".maps");

/* Requests awaiting their answer, for round trips (rdmatop.h); not per CPU, as the answer
 * may come in on another CPU than the request went out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RDMATOP_RTT_PENDING);
	__type(key, struct rdmatop_rtt_key);
	__type(value, struct rdmatop_rtt_pending);
} rtt_pending SEC(".maps");

/* An event under construction: too big for the 512-byte BPF stack. */
struct scratch {
	struct rdmatop_event event;
	__u8 data[RDMATOP_MAX_SNAPLEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

#define VLAN_HLEN 4
#define ETH_P_QINQ_9100 0x9100

/* is_roce's answers. */
enum { NOT_ROCE = 0, ROCE = 1, NEED_MORE = 2 };

/* Where is_roce() found the IP and UDP headers. */
struct roce_at {
	void *l3;
	struct udphdr *udp;
	int ipv6;
};

/*
 * Whether the packet in [data, data_end) is UDP to the RoCEv2 port, by the decoder's rules
 * (Sources/Decoder/LinkLayer.swift, PacketDecoder.swift), so that the kernel's exact totals
 * count what rdmatop decodes: with Ethernet framing up to RDMATOP_MAX_VLAN_TAGS tags of
 * TPID 0x8100, 0x88a8 or 0x9100 are skipped (more is not RoCE); with IP framing the version
 * nibble tells IPv4 from IPv6; IPv4 later fragments are not RoCE; IPv6 hop-by-hop, routing,
 * destination options and fragment headers (offset 0 only) are skipped, up to
 * RDMATOP_MAX_IPV6_EXTENSIONS. NEED_MORE: the headers run past data_end.
 */
static __always_inline int is_roce(void *data, void *data_end, __u32 framing, struct roce_at *at)
{
	struct udphdr *udp;
	__u16 proto;
	void *l3 = data;

	if (framing == RDMATOP_FRAMING_ETH) {
		struct ethhdr *eth = data;

		if ((void *)(eth + 1) > data_end)
			return NEED_MORE;
		proto = eth->h_proto;
		l3 = eth + 1;
#pragma unroll
		for (int i = 0; i < RDMATOP_MAX_VLAN_TAGS; i++) {
			if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD) &&
			    proto != bpf_htons(ETH_P_QINQ_9100))
				break;
			if (l3 + VLAN_HLEN > data_end)
				return NEED_MORE;
			proto = *(__u16 *)(l3 + 2);
			l3 += VLAN_HLEN;
		}
	} else {
		if (l3 + 1 > data_end)
			return NEED_MORE;
		proto = (*(__u8 *)l3 >> 4) == 6 ? bpf_htons(ETH_P_IPV6) : bpf_htons(ETH_P_IP);
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;
		__u32 ihl;

		if ((void *)(ip + 1) > data_end)
			return NEED_MORE;
		if (ip->protocol != IPPROTO_UDP || (ip->frag_off & bpf_htons(0x1fff)))
			return NOT_ROCE;
		ihl = ip->ihl * 4;
		if (ihl < sizeof(*ip))
			return NOT_ROCE;
		udp = l3 + ihl;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;
		void *x = ip6 + 1;
		__u8 next;

		if (x > data_end)
			return NEED_MORE;
		next = ip6->nexthdr;
#pragma unroll
		for (int i = 0; i < RDMATOP_MAX_IPV6_EXTENSIONS; i++) {
			__u8 *h = x;

			if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS &&
			    next != IPPROTO_FRAGMENT)
				break;
			if ((void *)(h + 8) > data_end)
				return NEED_MORE;
			if (next == IPPROTO_FRAGMENT) {
				if (*(__u16 *)(h + 2) & bpf_htons(0xfff8))
					return NOT_ROCE;	/* a later fragment */
				next = h[0];
				x += 8;
			} else {
				next = h[0];
				x += ((__u32)h[1] + 1) * 8;
			}
		}
		if (next != IPPROTO_UDP)
			return NOT_ROCE;
		udp = x;
	} else {
		return NOT_ROCE;
	}
	if ((void *)(udp + 1) > data_end)
		return NEED_MORE;
	at->l3 = l3;
	at->udp = udp;
	at->ipv6 = proto == bpf_htons(ETH_P_IPV6);
	return udp->dest == bpf_htons(config.port) ? ROCE : NOT_ROCE;
}

/* The entry flow_entry() inserts: zero but for the two fields it sets (a struct rdmatop_flow
 * is too big for the BPF stack beside the rest of account()). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rdmatop_flow);
} fresh_flow SEC(".maps");

/* The flow's entry, created when missing (counted in c->flows_created). */
static __always_inline struct rdmatop_flow *flow_entry(struct rdmatop_flow_key *key, __u32 opcode,
							struct rdmatop_counters *c)
{
	struct rdmatop_flow *f = bpf_map_lookup_elem(&flows, key);
	__u32 zero = 0;

	if (f)
		return f;
	f = bpf_map_lookup_elem(&fresh_flow, &zero);
	if (!f)
		return NULL;
	f->first_opcode = opcode;
	f->first_ns = bpf_ktime_get_ns();
	if (!bpf_map_update_elem(&flows, key, f, BPF_NOEXIST)) {
		c->flows_created++;
		/* A flow the LRU evicted comes back with its counts at 0: so does its PSN window,
		 * which user space may not have deleted yet. */
		if (config.sample == RDMATOP_SAMPLE_ALWAYS)
			bpf_map_delete_elem(&psns, key);
	}
	return bpf_map_lookup_elem(&flows, key);
}

/* A zero PSN entry to insert (too big for the BPF stack), as plain bytes: a per-CPU array
 * cannot hold a spin lock. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[sizeof(struct rdmatop_psn_entry)]);
} fresh_psn SEC(".maps");

/*
 * Counts a request's PSN and message part in its flow's window (rdmatop_psn_observe(),
 * rdmatop_flow.h), under
 * the entry's spin lock, and a flow the full PSN map has no room for in c->psn_refused. A
 * packet of PSN role RDMATOP_PSN_NONE is left alone. A global function, so that the verifier
 * checks it once on its own, and its callers see one path through it: inlined, it was
 * checked again on every path that reaches it, past the verifier's limit.
 */
__attribute__((noinline)) int psn_update(struct rdmatop_flow_key *key, __u32 role, __u32 psn,
					 __u32 part, struct rdmatop_counters *c)
{
	struct rdmatop_psn_entry *e;
	__u32 zero = 0;
	void *fresh;

	if (!key || !c || role == RDMATOP_PSN_NONE)
		return 0;
	e = bpf_map_lookup_elem(&psns, key);
	if (!e) {
		fresh = bpf_map_lookup_elem(&fresh_psn, &zero);
		if (!fresh)
			return 0;
		if (bpf_map_update_elem(&psns, key, fresh, BPF_NOEXIST) == -E2BIG) {
			c->psn_refused++;
			return 0;
		}
		e = bpf_map_lookup_elem(&psns, key);
		if (!e)
			return 0;
	}
	bpf_spin_lock(&e->lock);
	rdmatop_psn_observe(&e->window, role, psn, part);
	bpf_spin_unlock(&e->lock);
	return 0;
}

/* The log2 bucket of a round trip of us microseconds (rdmatop.h). */
static __always_inline __u32 rtt_bucket(__u64 us)
{
	__u32 b = 0;

	if (us >= 1ULL << 32) {
		us >>= 32;
		b += 32;
	}
	if (us >= 1 << 16) {
		us >>= 16;
		b += 16;
	}
	if (us >= 1 << 8) {
		us >>= 8;
		b += 8;
	}
	if (us >= 1 << 4) {
		us >>= 4;
		b += 4;
	}
	if (us >= 1 << 2) {
		us >>= 2;
		b += 2;
	}
	if (us >= 1 << 1)
		b += 1;
	return b < RDMATOP_RTT_BUCKETS ? b : RDMATOP_RTT_BUCKETS - 1;
}

/*
 * Round trips (rdmatop.h): a request that asks for an answer (rdmatop_rtt_asks(), by the
 * opcode's round-trip role from rdmatop's opcode table) is remembered by its addresses and
 * PSN (a resend keeps the first time); the answer that carries that PSN back (an opcode that
 * answers, acked: an AETH with the ACK syndrome) adds the time between them to the request's
 * flow, in this CPU's share of its entry.
 */
static __always_inline void round_trip(struct rdmatop_flow_key *key, __u8 *bth,
				       const struct rdmatop_opcode_info *op, int acked)
{
	struct rdmatop_rtt_pending fresh = {}, *p;
	struct rdmatop_rtt_key rk = {};
	struct rdmatop_flow *req;
	__u64 now, ns;
	__u32 b;

	rk.psn = (__u32)bth[9] << 16 | (__u32)bth[10] << 8 | bth[11];
	if (rdmatop_rtt_asks(op, bth[8])) {
		__builtin_memcpy(rk.src, key->src, 16);
		__builtin_memcpy(rk.dst, key->dst, 16);
		fresh.sent_ns = bpf_ktime_get_ns();
		fresh.flow = *key;
		bpf_map_update_elem(&rtt_pending, &rk, &fresh, BPF_NOEXIST);
		return;
	}
	if (!acked || op->rtt != RDMATOP_RTT_ANSWERS)
		return;
	__builtin_memcpy(rk.src, key->dst, 16);
	__builtin_memcpy(rk.dst, key->src, 16);
	p = bpf_map_lookup_elem(&rtt_pending, &rk);
	if (!p)
		return;
	now = bpf_ktime_get_ns();
	req = bpf_map_lookup_elem(&flows, &p->flow);
	if (req && now >= p->sent_ns) {
		ns = now - p->sent_ns;
		b = rtt_bucket(ns / 1000);
		if (b < RDMATOP_RTT_BUCKETS) {
			req->rtt_sum_ns += ns;
			req->rtt_log2_us[b]++;
		}
	}
	bpf_map_delete_elem(&rtt_pending, &rk);
}

/*
 * Counts a RoCE packet in its flow's entry with rdmatop_count_packet() (rdmatop_flow.h, the
 * logic capture files are counted with too), stamps the entry's last packet and times round
 * trips (round_trip(), for requests and answers whose headers are all there). A packet whose
 * BTH lies beyond data_end names no flow: it is counted only in the totals. Returns the
 * flow's entry (NULL: none); *notable is set for a NAK, an RNR NAK, a CNP or a CE mark.
 */
static __always_inline struct rdmatop_flow *account(struct roce_at *at, void *data_end, __u32 dir,
						     __u32 pkt_len, struct rdmatop_counters *c,
						     int *notable)
{
	struct rdmatop_packet_facts facts = {};
	struct rdmatop_flow_key key = {};
	struct rdmatop_opcode_info op;
	__u8 *bth = (__u8 *)(at->udp + 1);
	struct rdmatop_flow *f;
	__u32 counted, opcode;

	if ((void *)(bth + RDMATOP_BTH_LEN) > data_end)
		return NULL;
	opcode = bth[0];
	facts.bth_flags = bth[1];
	facts.bth_becn_fecn = bth[4];
	facts.frame_len = pkt_len;
	facts.udp_len = bpf_ntohs(at->udp->len);
	op = config.opcodes[opcode];
	key.qpn = (__u32)bth[5] << 16 | (__u32)bth[6] << 8 | bth[7];
	key.direction = dir;
	if (at->ipv6) {
		struct ipv6hdr *ip6 = at->l3;

		if ((void *)(ip6 + 1) > data_end)
			return NULL;
		__builtin_memcpy(key.src, &ip6->saddr, 16);
		__builtin_memcpy(key.dst, &ip6->daddr, 16);
		facts.ecn = (ip6->flow_lbl[0] >> 4) & 3;
		key.ipv6 = 1;
	} else {
		struct iphdr *ip = at->l3;

		if ((void *)(ip + 1) > data_end)
			return NULL;
		__builtin_memcpy(&key.src[12], &ip->saddr, 4);
		__builtin_memcpy(&key.dst[12], &ip->daddr, 4);
		facts.ecn = ip->tos & 3;
	}
	if (op.aeth) {
		__u8 *aeth = bth + RDMATOP_BTH_LEN + ((op.aeth - 1) & 0x1f);

		if ((void *)(aeth + 1) <= data_end) {
			facts.has_aeth = 1;
			facts.syndrome = *aeth;
		}
	}
	f = flow_entry(&key, opcode, c);
	if (!f)
		return NULL;
	counted = rdmatop_count_packet(&f->counts, &op, &facts);
	f->last_ns = bpf_ktime_get_ns();
	/* The PSN window stands in for the events' PSN analysis only when they are sampled
	 * (under backlog, at 90 ns a request, it would cost every packet for the few sampled). */
	if (config.sample == RDMATOP_SAMPLE_ALWAYS)
		psn_update(&key, op.psn, (__u32)bth[9] << 16 | (__u32)bth[10] << 8 | bth[11], op.message,
			   c);
	if (counted & RDMATOP_COUNTED_NOTABLE)
		*notable = 1;
	if (!facts.has_aeth && op.aeth)
		return f;	/* the AETH lies beyond data_end: no round trip either */
	round_trip(&key, bth, &op, counted & RDMATOP_COUNTED_ACK);
	return f;
}

/*
 * Whether a RoCE packet becomes an event: always, unless events are sampled (config.sample,
 * rdmatop.h), or under backlog and the ring buffer holds config.sample_backlog unread bytes;
 * then when it is notable, one of its flow's first packets, or within its flow's budget for
 * the current second. A packet left out is counted in c->unsampled and f->unsampled.
 */
static __always_inline int sampled_in(struct rdmatop_flow *f, int notable, struct rdmatop_counters *c)
{
	if (config.sample == RDMATOP_SAMPLE_OFF || !f || notable ||
	    f->counts.packets <= RDMATOP_SAMPLE_FIRST)
		return 1;
	if (config.sample == RDMATOP_SAMPLE_BACKLOG &&
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < config.sample_backlog)
		return 1;
	if (f->last_ns - f->sample_second_ns >= 1000000000ULL) {
		f->sample_second_ns = f->last_ns;
		f->sampled = 0;
	}
	if (f->sampled < config.sample_per_second) {
		f->sampled++;
		return 1;
	}
	f->unsampled++;
	c->unsampled++;
	return 0;
}

/* Counts a packet; returns the counters to continue with when it is RoCE, else NULL. */
static __always_inline struct rdmatop_counters *count(__u32 dir, __u32 pkt_len, int roce)
{
	struct rdmatop_counters *c = bpf_map_lookup_elem(&counters, &dir);

	if (!c)
		return NULL;
	c->packets++;
	c->bytes += pkt_len;
	if (!roce)
		return NULL;
	c->roce_packets++;
	c->roce_bytes += pkt_len;
	return c;
}

/* How many bytes of a pkt_len-byte packet an event carries. */
static __always_inline __u32 snap(__u32 pkt_len)
{
	__u32 len = pkt_len;

	if (len > config.snaplen)
		len = config.snaplen;
	if (len > RDMATOP_MAX_SNAPLEN)
		len = RDMATOP_MAX_SNAPLEN;
	return len;
}

static __always_inline struct scratch *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch_map, &zero);
}

/* Fills in the event header of s (whose data holds cap_len bytes) and sends it. */
static __always_inline void submit(struct rdmatop_counters *c, struct scratch *s, __u32 cap_len,
				   __u32 pkt_len, __u32 ifindex, __u32 dir, __u32 framing, __u32 hook)
{
	s->event.timestamp_ns = bpf_ktime_get_ns();
	s->event.ifindex = ifindex;
	s->event.orig_len = pkt_len;
	s->event.cap_len = cap_len;
	s->event.direction = dir;
	s->event.framing = framing;
	s->event.hook = hook;
	s->event.reserved = 0;
	if (cap_len > RDMATOP_MAX_SNAPLEN)	/* for the verifier: cap_len is snap()'s */
		return;
	if (bpf_ringbuf_output(&events, s, sizeof(s->event) + cap_len, 0))
		c->lost_events++;
	else
		c->events++;
}

SEC("xdp.frags")
int rdmatop_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 framing = config.framing;
	__u32 pkt_len = bpf_xdp_get_buff_len(ctx);
	/* RDMA mode: rxe hands over its packets from the IP header, TX with queue index 1. */
	__u32 dir = framing == RDMATOP_FRAMING_IP && ctx->rx_queue_index == 1 ?
		    RDMATOP_DIR_TX : RDMATOP_DIR_RX;
	__u32 hook = framing == RDMATOP_FRAMING_IP ? RDMATOP_HOOK_RDMA : RDMATOP_HOOK_XDP;
	struct roce_at at = {};
	struct rdmatop_counters *c = count(dir, pkt_len, is_roce(data, data_end, framing, &at) == ROCE);
	struct rdmatop_flow *f;
	struct scratch *s;
	int notable = 0;
	__u32 cap_len;

	if (!c)
		return XDP_PASS;
	f = account(&at, data_end, dir, pkt_len, c, &notable);
	if (!sampled_in(f, notable, c))
		return XDP_PASS;
	s = scratch();
	cap_len = snap(pkt_len);
	if (!s || cap_len == 0 || bpf_xdp_load_bytes(ctx, 0, s->data, cap_len)) {
		c->lost_events++;
		return XDP_PASS;
	}
	submit(c, s, cap_len, pkt_len, ctx->ingress_ifindex, dir, framing, hook);
	return XDP_PASS;
}

SEC("tc")
int rdmatop_tc(struct __sk_buff *skb)
{
	struct roce_at at = {};
	struct rdmatop_counters *c;
	struct rdmatop_flow *f;
	void *data, *data_end;
	struct scratch *s;
	int notable = 0;
	__u32 cap_len;
	int roce;

	/* The headers must be in the linear part for direct access. */
	if (skb->len > skb->data_end - skb->data)
		bpf_skb_pull_data(skb, skb->len < RDMATOP_PARSE_LEN ? skb->len : RDMATOP_PARSE_LEN);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	roce = is_roce(data, data_end, RDMATOP_FRAMING_ETH, &at);
	if (roce == NEED_MORE && skb->len > skb->data_end - skb->data) {
		/* Headers past RDMATOP_PARSE_LEN: the whole packet linear, then again. */
		bpf_skb_pull_data(skb, skb->len);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		roce = is_roce(data, data_end, RDMATOP_FRAMING_ETH, &at);
	}
	c = count(RDMATOP_DIR_TX, skb->len, roce == ROCE);
	if (!c)
		return TC_ACT_OK;
	f = account(&at, data_end, RDMATOP_DIR_TX, skb->len, c, &notable);
	if (!sampled_in(f, notable, c))
		return TC_ACT_OK;
	s = scratch();
	cap_len = snap(skb->len);
	if (!s || cap_len == 0 || bpf_skb_load_bytes(skb, 0, s->data, cap_len)) {
		c->lost_events++;
		return TC_ACT_OK;
	}
	submit(c, s, cap_len, skb->len, skb->ifindex, RDMATOP_DIR_TX, RDMATOP_FRAMING_ETH,
	       RDMATOP_HOOK_TC);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
