/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * rdmatop.h: what the BPF programs (rdmatop.bpf.c) and rdmatop's Swift probe share:
 * the event layout, the counters, the load-time configuration and the constants.
 * Fixed-width fields only, no pointers, no kernel headers beyond linux/types.h.
 */
#ifndef RDMATOP_H
#define RDMATOP_H

#include <linux/types.h>

/* The RoCEv2 UDP destination port (IANA). */
#define RDMATOP_ROCE_PORT 4791

/* Largest number of packet bytes an event carries. */
#define RDMATOP_MAX_SNAPLEN 4096
/* Default: every header (Ethernet + QinQ + IPv6 + UDP + BTH + the longest extended headers,
 * 22 + 40 + 8 + 12 + 40 = 122 bytes) plus a 64-byte payload preview. */
#define RDMATOP_DEFAULT_SNAPLEN 186
/* Bytes the tc program makes linear before parsing: the headers of a RoCEv2 packet with
 * every VLAN tag and common IPv6 extension headers; a packet whose headers run past them is
 * made linear whole. */
#define RDMATOP_PARSE_LEN 256
/* What the probe skips, as the decoder (Sources/Decoder) does: VLAN tags (TPID 0x8100,
 * 0x88a8, 0x9100) and IPv6 extension headers (hop-by-hop, routing, fragment, destination
 * options), at most this many of each. */
#define RDMATOP_MAX_VLAN_TAGS 8
#define RDMATOP_MAX_IPV6_EXTENSIONS 8

/* Direction of a packet, and the index of its counters. */
enum rdmatop_direction {
	RDMATOP_DIR_RX = 0,
	RDMATOP_DIR_TX = 1,
	RDMATOP_NUM_DIRS = 2,
};

/* Where the packet bytes of an event start. */
enum rdmatop_framing {
	RDMATOP_FRAMING_ETH = 0,	/* Ethernet header (XDP on a NIC, tc) */
	RDMATOP_FRAMING_IP = 1,		/* IP header (XDP in RDMA mode, from rxe) */
};

/* Which program produced an event. */
enum rdmatop_hook {
	RDMATOP_HOOK_XDP = 0,
	RDMATOP_HOOK_TC = 1,
	RDMATOP_HOOK_RDMA = 2,
};

/* One captured packet in the ring buffer: this header, then cap_len packet bytes. */
struct rdmatop_event {
	__u64 timestamp_ns;	/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 ifindex;		/* interface the packet was seen on */
	__u32 orig_len;		/* length of the packet */
	__u32 cap_len;		/* bytes that follow this header */
	__u8 direction;		/* enum rdmatop_direction */
	__u8 framing;		/* enum rdmatop_framing */
	__u8 hook;		/* enum rdmatop_hook */
	__u8 reserved;
};

/* Exact counters, per CPU and per direction (the map's index); __u64 fields only (user space
 * adds them up as an array). */
struct rdmatop_counters {
	__u64 packets;		/* every packet the program saw */
	__u64 bytes;
	__u64 roce_packets;	/* UDP to the RoCEv2 port */
	__u64 roce_bytes;
	__u64 events;		/* events handed to the ring buffer */
	__u64 lost_events;	/* events dropped because the ring buffer was full */
	__u64 flows_created;	/* entries added to the flow map (evicted = created - present) */
	__u64 unsampled;	/* RoCE packets sampling left out of the events (counted all the same) */
	__u64 psn_refused;	/* request packets of flows the full PSN map had no room for */
};

/* Opcode classes counted per flow (struct rdmatop_flow.classes). */
enum rdmatop_opclass {
	RDMATOP_CLASS_SEND = 0,
	RDMATOP_CLASS_WRITE = 1,
	RDMATOP_CLASS_READ_REQUEST = 2,
	RDMATOP_CLASS_READ_RESPONSE = 3,
	RDMATOP_CLASS_ATOMIC = 4,	/* atomic requests and their acknowledgements */
	RDMATOP_CLASS_ACKNOWLEDGE = 5,
	RDMATOP_CLASS_CNP = 6,
	RDMATOP_CLASS_OTHER = 7,	/* FLUSH, reserved, vendor */
	RDMATOP_NUM_CLASSES = 8,
};

/* NAK codes counted one by one (IBTA: 0-4); the others are counted as reserved. */
#define RDMATOP_NUM_NAK_CODES 5

/*
 * A flow in the kernel's flow map, keyed as user space keys flows: source IP, destination
 * IP, destination QPN, and the direction. IPv4 addresses fill the last four bytes.
 */
struct rdmatop_flow_key {
	__u8 src[16];
	__u8 dst[16];
	__u32 qpn;
	__u8 direction;		/* enum rdmatop_direction */
	__u8 ipv6;		/* 1: IPv6 addresses, 0: IPv4 */
	__u8 reserved[2];
};

/*
 * Round trips measured in the kernel, per requester flow: a request that asks for an answer
 * (AckReq set, a READ or an atomic request) to the first ACK, READ response (FIRST or ONLY)
 * or atomic acknowledgement that carries the same PSN on the way back, as rxe answers every
 * such request. An answer that covers it with a later PSN (a coalesced ACK) is not matched.
 * Times go into log2 buckets of microseconds: bucket 0 holds round trips under 2 us, bucket i
 * those in [2^i, 2^(i+1)) us, the last one everything from 2^(RDMATOP_RTT_BUCKETS-1) us.
 */
#define RDMATOP_RTT_BUCKETS 24
/* Requests awaiting their answer, at most (an LRU map: the oldest make room). */
#define RDMATOP_RTT_PENDING 16384

/* A request awaiting its answer: its addresses (as in struct rdmatop_flow_key) and PSN. */
struct rdmatop_rtt_key {
	__u8 src[16];
	__u8 dst[16];
	__u32 psn;
};

/* When the request was seen, and its flow (whose round trips the answer adds to). */
struct rdmatop_rtt_pending {
	__u64 sent_ns;
	struct rdmatop_flow_key flow;
};

/*
 * What one flow's packets add up to, counted by rdmatop_count_packet() (rdmatop_flow.h) in the
 * kernel and for capture files alike: __u64 fields only, each a plain sum (user space adds
 * the CPUs' shares, and rdmatop_add_counts() adds two of them).
 */
struct rdmatop_flow_counts {
	__u64 packets;
	__u64 bytes;		/* frame lengths */
	__u64 payload_bytes;	/* UDP payload less BTH, extended headers, pad and ICRC */
	__u64 classes[RDMATOP_NUM_CLASSES];
	__u64 acks;		/* AETH ACK syndromes */
	__u64 naks[RDMATOP_NUM_NAK_CODES];
	__u64 naks_reserved;	/* NAKs with a reserved code */
	__u64 rnr_naks;
	__u64 cnps;
	__u64 ecn_ce;
	__u64 fecn;
	__u64 becn;
};

/* One flow in the kernel's flow map (per CPU; user space adds them up). */
struct rdmatop_flow {
	struct rdmatop_flow_counts counts;
	__u64 first_ns;		/* bpf_ktime_get_ns() of the first and last packet */
	__u64 last_ns;
	__u32 first_opcode;	/* the opcode of the first packet: the flow's transport */
	__u32 sampled;		/* events of the current second's sampling budget */
	__u64 sample_second_ns;	/* when that second started */
	__u64 unsampled;	/* packets sampling left out of the events (counted all the same) */
	__u64 rtt_sum_ns;	/* round trips of this flow's requests (above): their sum */
	__u32 rtt_log2_us[RDMATOP_RTT_BUCKETS];	/* and how many fell in each bucket */
};

/* What an opcode is to the PSN window (struct rdmatop_opcode_info.psn). */
enum rdmatop_psn_role {
	RDMATOP_PSN_NONE = 0,		/* not a request: ACKs, READ responses, CNPs, ... */
	RDMATOP_PSN_REQUEST = 1,	/* a request of one PSN: SEND, WRITE, atomic, FLUSH */
	RDMATOP_PSN_READ = 2,		/* a READ request: one PSN per response, which takes
					 * the path MTU the kernel does not know */
	RDMATOP_PSN_RESPONSE = 3,	/* a READ response or an atomic acknowledgement: its
					 * messages are not the window's */
};

/* Where a packet stands in its message (struct rdmatop_opcode_info.message). */
enum rdmatop_message_part {
	RDMATOP_MESSAGE_MIDDLE = 0,	/* or no message at all (ACK, CNP) */
	RDMATOP_MESSAGE_FIRST = 1,
	RDMATOP_MESSAGE_LAST = 2,
	RDMATOP_MESSAGE_ONLY = 3,
};

/*
 * The PSN window of a flow's requests (rdmatop_psn_observe(), rdmatop_flow.h): the counters of
 * docs/analysis.md that need only the PSNs themselves. The window remembers which of the last
 * RDMATOP_PSN_WINDOW PSN positions before the next one expected were carried; a PSN further
 * back counts as carried (a retransmission), where the engine's ledger tracks 2^22.
 */
#define RDMATOP_PSN_WINDOW 1024

struct rdmatop_psn_counts {
	__u64 distinct;		/* distinct_psns: PSNs carried at least once */
	__u64 retransmitted;	/* retransmitted_packets: packets whose PSN was carried before */
	__u64 missing;		/* missing_psns: PSNs the highest passed before they were seen */
	__u64 messages;		/* messages: a LAST or ONLY first carried, its start known */
	__u64 partial_messages;	/* partial_messages: a LAST first carried, no start before it */
	__u64 reads;		/* READ requests: the flow's PSNs are not measured in the kernel */
	__u64 responses;	/* READ responses, atomic acknowledgements: nor are its messages */
};

struct rdmatop_psn_window {
	struct rdmatop_psn_counts counts;
	__u32 next;		/* one past the highest PSN position seen (modulo 2^24) */
	__u8 started;		/* 1 once the first request was seen */
	__u8 bounded;		/* 1 once a FIRST, LAST or ONLY was seen: a message start is known */
	__u8 partial;		/* 1 while partial_psn holds a partial message's LAST */
	__u8 old_bounded;	/* as bounded, for the PSNs before start from low on */
	__u32 partial_psn;	/* that LAST: a FIRST, LAST or ONLY before it, seen later (a
				 * FIRST resent after its LAST), makes its message whole */
	__u32 start;		/* the first PSN carried */
	__u64 carried[RDMATOP_PSN_WINDOW / 64];	/* bit (psn % WINDOW): carried */
	__u32 low;		/* the oldest PSN carried: a go-back-N round into what came
				 * before start (the window began in mid-session) */
	__u32 reserved;
};

/*
 * An entry of the kernel's PSN map (keyed as the flow map): one window per flow for all CPUs,
 * under a spin lock (the BPF programs' struct bpf_spin_lock, 4 bytes; user space reads the
 * entry with BPF_F_LOCK and sees a __u32 it leaves alone).
 */
struct rdmatop_psn_entry {
#ifdef __bpf__
	struct bpf_spin_lock lock;
#else
	__u32 lock;
#endif
	__u32 reserved;
	struct rdmatop_psn_window window;
};

/* What an opcode is to round trips (struct rdmatop_opcode_info.rtt). */
enum rdmatop_rtt_role {
	RDMATOP_RTT_NONE = 0,
	RDMATOP_RTT_ASKS_IF_ACKREQ = 1,	/* any other RC/XRC request (SEND, WRITE, FLUSH):
					 * answered when it sets AckReq */
	RDMATOP_RTT_ASKS = 2,		/* an RC/XRC READ or atomic request: always answered */
	RDMATOP_RTT_ANSWERS = 3,	/* the answer that carries the request's PSN back: READ
					 * response FIRST or ONLY, ACKNOWLEDGE, ATOMIC ACKNOWLEDGE */
};

/* What the programs need of each opcode, set from rdmatop's opcode table at load time. */
struct rdmatop_opcode_info {
	__u8 opclass;		/* enum rdmatop_opclass */
	__u8 headers;		/* bytes of extended headers after the BTH */
	__u8 aeth;		/* offset of the AETH after the BTH, plus one; 0: none */
	__u8 rtt;		/* enum rdmatop_rtt_role */
	__u8 psn;		/* enum rdmatop_psn_role */
	__u8 message;		/* enum rdmatop_message_part */
};

/* Load-time configuration, in the object's .rodata. */
struct rdmatop_config {
	__u16 port;		/* UDP destination port, host order */
	__u16 reserved;
	__u32 snaplen;		/* bytes per event, at most RDMATOP_MAX_SNAPLEN */
	__u32 framing;		/* enum rdmatop_framing of the XDP program's packets */
	__u32 sample;		/* enum rdmatop_sampling */
	__u32 sample_per_second;	/* sampled: events per flow and second beyond the notable */
	__u32 sample_backlog;	/* RDMATOP_SAMPLE_BACKLOG: from how many unread bytes on */
	__u32 reserved2;
	struct rdmatop_opcode_info opcodes[256];
};

/* Which RoCE packets become events (struct rdmatop_config.sample). */
enum rdmatop_sampling {
	RDMATOP_SAMPLE_OFF = 0,		/* every one */
	RDMATOP_SAMPLE_ALWAYS = 1,	/* sampled (below), and the PSN window counts requests */
	RDMATOP_SAMPLE_BACKLOG = 2,	/* every one while the ring buffer holds fewer than
					 * config.sample_backlog unread bytes; sampled beyond */
};

/*
 * Sampled events (config.sample): a RoCE packet becomes an event when it is one of the first
 * RDMATOP_SAMPLE_FIRST packets of its flow (per CPU: the flow map's entries are per CPU), a
 * NAK, an RNR NAK, a CNP or ECN CE-marked, or within its flow's budget of
 * config.sample_per_second events a second. Every packet is counted all the same, and those
 * left out in the flow's unsampled.
 */
#define RDMATOP_SAMPLE_FIRST 8

/* RDMATOP_SAMPLE_BACKLOG's budget per flow and second, for payload previews. */
#define RDMATOP_BACKLOG_SAMPLE_PER_SECOND 10

/* Default number of flows the kernel's flow map holds (the loader sets it). */
#define RDMATOP_DEFAULT_KERNEL_FLOWS 65536

#endif /* RDMATOP_H */
