/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * rdmatop_flow.h: the per-packet flow logic, written once. The BPF programs (rdmatop.bpf.c)
 * run it on every RoCE packet into the kernel's flow map; rdmatop's engine (Sources/Stats,
 * through the CFlow module) runs it on every packet of a capture file. So a flow's counts
 * from a file and from the kernel come from the same code and cannot drift apart.
 *
 * Pure C on fixed-width fields: no BPF helpers, no pointers into the packet (the caller reads
 * the header bytes it needs into struct rdmatop_packet_facts), bounded, no loops that the
 * verifier would have to unroll.
 */
#ifndef RDMATOP_FLOW_H
#define RDMATOP_FLOW_H

#include "rdmatop.h"

#ifdef __bpf__
#define RDMATOP_INLINE static __always_inline
#else
#define RDMATOP_INLINE static inline
#endif

/* The bytes of a RoCE packet's headers the counting reads, as they are on the wire (the
 * opcode, BTH byte 0, chooses the struct rdmatop_opcode_info passed beside them). */
struct rdmatop_packet_facts {
	__u32 frame_len;	/* the packet's length */
	__u16 udp_len;		/* the UDP header's length field */
	__u8 bth_flags;		/* BTH byte 1: SE, MigReq, PadCnt (bits 5-4), TVer */
	__u8 bth_becn_fecn;	/* BTH byte 4: FECN (bit 7), BECN (bit 6) */
	__u8 ecn;		/* the IP header's ECN field (3: Congestion Experienced) */
	__u8 has_aeth;		/* 1: the opcode has an AETH and its first byte was captured */
	__u8 syndrome;		/* that byte: the AETH syndrome */
};

/* What rdmatop_count_packet() found worth telling the caller. */
enum rdmatop_count_result {
	RDMATOP_COUNTED_NOTABLE = 1,	/* a NAK, an RNR NAK, a CNP or a CE mark */
	RDMATOP_COUNTED_ACK = 2,	/* an AETH with the ACK syndrome */
};

/* Bytes around a RoCE payload that the opcode table does not list: UDP header, BTH, ICRC. */
#define RDMATOP_UDP_HLEN 8
#define RDMATOP_BTH_LEN 12
#define RDMATOP_ICRC_LEN 4

/* The payload bytes of a packet: the UDP payload less BTH, extended headers, pad and ICRC. */
RDMATOP_INLINE __u32 rdmatop_payload_bytes(const struct rdmatop_opcode_info *op,
					   const struct rdmatop_packet_facts *p)
{
	__u32 headers = RDMATOP_UDP_HLEN + RDMATOP_BTH_LEN + op->headers +
			((p->bth_flags >> 4) & 3) + RDMATOP_ICRC_LEN;

	return p->udp_len > headers ? p->udp_len - headers : 0;
}

/*
 * Counts one RoCE packet of opcode info op into its flow's counts c: packets, bytes, payload
 * bytes, its opcode class, the AETH's ACK, NAK (by code) or RNR NAK, CNPs, ECN CE and the
 * BTH's FECN/BECN. Returns enum rdmatop_count_result flags.
 */
RDMATOP_INLINE __u32 rdmatop_count_packet(struct rdmatop_flow_counts *c,
					  const struct rdmatop_opcode_info *op,
					  const struct rdmatop_packet_facts *p)
{
	__u32 result = 0, code;

	c->packets++;
	c->bytes += p->frame_len;
	c->payload_bytes += rdmatop_payload_bytes(op, p);
	c->classes[op->opclass & (RDMATOP_NUM_CLASSES - 1)]++;
	if (op->opclass == RDMATOP_CLASS_CNP) {
		c->cnps++;
		result |= RDMATOP_COUNTED_NOTABLE;
	}
	if ((p->ecn & 3) == 3) {
		c->ecn_ce++;
		result |= RDMATOP_COUNTED_NOTABLE;
	}
	if (p->bth_becn_fecn & 0x80)
		c->fecn++;
	if (p->bth_becn_fecn & 0x40)
		c->becn++;
	if (!op->aeth || !p->has_aeth)
		return result;
	code = p->syndrome & 0x1f;
	switch (p->syndrome >> 5) {
	case 0:
		c->acks++;
		result |= RDMATOP_COUNTED_ACK;
		break;
	case 1:
		c->rnr_naks++;
		result |= RDMATOP_COUNTED_NOTABLE;
		break;
	case 3:
		if (code < RDMATOP_NUM_NAK_CODES)
			c->naks[code]++;
		else
			c->naks_reserved++;
		result |= RDMATOP_COUNTED_NOTABLE;
		break;
	}
	return result;
}

/* Adds the counts of from into to (a flow's share of another CPU, or of another map entry). */
RDMATOP_INLINE void rdmatop_add_counts(struct rdmatop_flow_counts *to,
				       const struct rdmatop_flow_counts *from)
{
	const __u64 *f = (const __u64 *)from;
	__u64 *t = (__u64 *)to;
	unsigned int i;

	for (i = 0; i < sizeof(*to) / sizeof(__u64); i++)
		t[i] += f[i];
}

/*
 * Whether a packet of opcode info op starts a round trip (a request its responder answers:
 * rdmatop.h, enum rdmatop_rtt_role), given its BTH byte 8 (AckReq: bit 7).
 */
RDMATOP_INLINE int rdmatop_rtt_asks(const struct rdmatop_opcode_info *op, __u8 bth_ackreq)
{
	return op->rtt == RDMATOP_RTT_ASKS ||
	       (op->rtt == RDMATOP_RTT_ASKS_IF_ACKREQ && (bth_ackreq & 0x80));
}

#endif /* RDMATOP_FLOW_H */
