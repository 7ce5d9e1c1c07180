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

/* PSNs are 24 bits; one less than 2^23 ahead of another is after it. */
#define RDMATOP_PSN_MASK 0xffffffu
#define RDMATOP_PSN_HALF 0x800000u
#define RDMATOP_PSN_WORDS (RDMATOP_PSN_WINDOW / 64)

/* The bits [0, n) of a word, n from 0 to 64, without a branch. */
RDMATOP_INLINE __u64 rdmatop_low_bits(__u64 n)
{
	return ((1ULL << (n & 63)) - 1) | (0 - (n >> 6));
}

/* x clamped to [0, max], without a branch (x may be negative). */
RDMATOP_INLINE __s64 rdmatop_clamp(__s64 x, __s64 max)
{
	x &= ~(x >> 63);
	x -= max;
	return max + (x & (x >> 63));
}

/*
 * Forgets whether count PSN positions from start were carried (count <= RDMATOP_PSN_WINDOW:
 * the whole window).
 * Every word's mask is arithmetic, with no branch: a loop over the positions, or one whose
 * index depends on start, takes the verifier past its limit (each path through it is checked
 * on its own); this one's 16 rounds each have one path.
 */
RDMATOP_INLINE void rdmatop_psn_clear(struct rdmatop_psn_window *w, __u32 start, __u32 count)
{
	start %= RDMATOP_PSN_WINDOW;
#ifdef __bpf__
#pragma clang loop unroll(disable)	/* unrolled, its registers spill past the BPF stack */
#endif
	for (__u32 j = 0; j < RDMATOP_PSN_WORDS; j++) {
		/* From start, the range reaches this word's first position and goes on into it... */
		__s64 into = (__s64)count - (__s64)((j * 64 - start) % RDMATOP_PSN_WINDOW);
		/* ...or starts inside the word, at bit off. */
		__u32 off = (start - j * 64) % RDMATOP_PSN_WINDOW;
		__s64 from_off = rdmatop_clamp(64 - (__s64)off, count);

		w->carried[j] &= ~(rdmatop_low_bits(rdmatop_clamp(into, 64)) |
				   (rdmatop_low_bits(from_off) << (off & 63)));
	}
}

/* Whether PSN a comes before PSN b (24 bits). */
RDMATOP_INLINE int rdmatop_psn_before(__u32 a, __u32 b)
{
	__u32 d = (b - a) & RDMATOP_PSN_MASK;

	return d && d < RDMATOP_PSN_HALF;
}

/*
 * Counts a message boundary (part: enum rdmatop_message_part) of PSN psn, carried for the
 * first time when first: a LAST or ONLY first carried ends a message (docs/analysis.md), whose
 * start is known when a FIRST, LAST or ONLY came before it; a LAST with none before it is a
 * partial message, until such a boundary at an earlier PSN comes after all (a FIRST lost and
 * resent after its LAST). Only the first partial message is held for that. A boundary in a
 * go-back-N round into the PSNs before the window's first (old) has a start before it only
 * if the round carried one since it went back that far.
 */
RDMATOP_INLINE void rdmatop_psn_message(struct rdmatop_psn_window *w, __u32 part, __u32 psn,
					int first, int old)
{
	int bounded = old ? w->old_bounded : w->bounded;

	if (part == RDMATOP_MESSAGE_MIDDLE)
		return;
	if (w->partial && rdmatop_psn_before(psn, w->partial_psn)) {
		w->partial = 0;
		w->counts.partial_messages--;
		w->counts.messages++;
	}
	if (old)
		w->old_bounded = 1;
	if (first && part == RDMATOP_MESSAGE_ONLY) {
		w->counts.messages++;
	} else if (first && part == RDMATOP_MESSAGE_LAST) {
		if (bounded) {
			w->counts.messages++;
		} else {
			w->counts.partial_messages++;
			if (!w->partial) {
				w->partial = 1;
				w->partial_psn = psn;
			}
		}
	}
	w->bounded = 1;
}

/*
 * Counts a request of PSN role role (enum rdmatop_psn_role), PSN psn and message part part
 * (enum rdmatop_message_part) into its flow's window w, by the definitions of
 * docs/analysis.md: a PSN at or past the next one expected is new, and the PSNs it passes are
 * missing; one behind it is new if the window has not seen it carried (a missing PSN, or one
 * before the flow's first), else retransmitted; and the messages (rdmatop_psn_message()). The
 * engine's ledger (Sources/Stats/PSNLedger.swift) counts the same numbers, and more, without
 * the window's bound; a READ request or a response only marks the flow as one whose PSNs, or
 * messages, the kernel cannot follow. Returns 1 when the PSN was carried for the first time.
 */
RDMATOP_INLINE int rdmatop_psn_observe(struct rdmatop_psn_window *w, __u32 role, __u32 psn,
				       __u32 part)
{
	__u32 ahead, behind, bit;
	__u64 *word;
	int first = 1, old = 0;

	if (role == RDMATOP_PSN_READ) {
		w->counts.reads++;
		return 0;
	}
	if (role == RDMATOP_PSN_RESPONSE) {
		w->counts.responses++;
		return 0;
	}
	if (role != RDMATOP_PSN_REQUEST)
		return 0;
	psn &= RDMATOP_PSN_MASK;
	bit = psn % RDMATOP_PSN_WINDOW;
	word = &w->carried[(bit / 64) & (RDMATOP_PSN_WORDS - 1)];
	if (!w->started) {
		w->started = 1;
		w->start = psn;
		w->low = psn;
		w->next = (psn + 1) & RDMATOP_PSN_MASK;
		*word |= 1ULL << (bit % 64);
		w->counts.distinct++;
	} else if ((ahead = (psn - w->next) & RDMATOP_PSN_MASK) < RDMATOP_PSN_HALF) {
		w->counts.missing += ahead;
		if (ahead)
			rdmatop_psn_clear(w, w->next, ahead < RDMATOP_PSN_WINDOW ? ahead : RDMATOP_PSN_WINDOW);
		*word |= 1ULL << (bit % 64);
		w->next = (psn + 1) & RDMATOP_PSN_MASK;
		w->counts.distinct++;
	} else if ((behind = (w->next - psn) & RDMATOP_PSN_MASK) <= RDMATOP_PSN_WINDOW &&
		   !(*word & (1ULL << (bit % 64)))) {
		*word |= 1ULL << (bit % 64);
		w->counts.distinct++;
		old = rdmatop_psn_before(psn, w->start);
		if (old && rdmatop_psn_before(psn, w->low)) {
			w->low = psn;	/* further back than any round before */
			w->old_bounded = 0;
		}
	} else {
		w->counts.retransmitted++;
		first = 0;
	}
	rdmatop_psn_message(w, part, psn, first, old);
	return first;
}

#endif /* RDMATOP_FLOW_H */
