// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * parse-count: the floor `rdmatop --read --once` is measured against. A plain C loop over a
 * classic pcap (Ethernet): VLAN tags, IPv4/IPv6, UDP to 4791, the BTH; packets and bytes per
 * flow (source, destination, destination QPN) in an open-addressing table, and per opcode.
 * No ICRC, no PSN analysis, no extension headers. Prints the totals and the flow count.
 *
 *	parse-count FILE.pcap
 */
#include "pcap.h"

struct flow {
	uint8_t src[16], dst[16];
	uint32_t qpn;
	uint32_t used;
	uint64_t packets, bytes;
};

static struct flow *table;
static size_t capacity = 1 << 16, used;

static uint64_t hash(const uint8_t *src, const uint8_t *dst, uint32_t qpn)
{
	uint64_t h = 1469598103934665603ULL;

	for (int i = 0; i < 16; i++)
		h = (h ^ src[i]) * 1099511628211ULL;
	for (int i = 0; i < 16; i++)
		h = (h ^ dst[i]) * 1099511628211ULL;
	return (h ^ qpn) * 1099511628211ULL;
}

static struct flow *lookup(const uint8_t *src, const uint8_t *dst, uint32_t qpn);

static void grow(void)
{
	struct flow *old = table;
	size_t n = capacity;

	capacity = n * 2;
	table = calloc(capacity, sizeof(*table));
	if (!table) {
		fprintf(stderr, "parse-count: out of memory\n");
		exit(1);
	}
	used = 0;
	for (size_t i = 0; i < n; i++) {
		if (old[i].used) {
			struct flow *f = lookup(old[i].src, old[i].dst, old[i].qpn);

			f->packets = old[i].packets;
			f->bytes = old[i].bytes;
		}
	}
	free(old);
}

static struct flow *lookup(const uint8_t *src, const uint8_t *dst, uint32_t qpn)
{
	size_t i;

	if (used * 2 >= capacity)
		grow();
	for (i = hash(src, dst, qpn) & (capacity - 1);; i = (i + 1) & (capacity - 1)) {
		struct flow *f = &table[i];

		if (!f->used) {
			memcpy(f->src, src, 16);
			memcpy(f->dst, dst, 16);
			f->qpn = qpn;
			f->used = 1;
			used++;
			return f;
		}
		if (f->qpn == qpn && !memcmp(f->src, src, 16) && !memcmp(f->dst, dst, 16))
			return f;
	}
}

int main(int argc, char **argv)
{
	uint64_t packets = 0, roce = 0, roce_bytes = 0, opcodes[256] = { 0 };
	struct pcap p;
	const uint8_t *d;
	uint32_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: parse-count FILE.pcap\n");
		return 64;
	}
	pcap_open(&p, argv[1]);
	if (p.linktype != 1) {
		fprintf(stderr, "%s: not Ethernet\n", argv[1]);
		return 1;
	}
	table = calloc(capacity, sizeof(*table));
	while (pcap_next(&p, &d, &len)) {
		uint8_t src[16] = { 0 }, dst[16] = { 0 };
		const uint8_t *udp;
		uint32_t off = 14, proto;

		packets++;
		if (len < 14)
			continue;
		proto = d[12] << 8 | d[13];
		for (int i = 0; i < 2 && (proto == 0x8100 || proto == 0x88a8); i++) {
			if (len < off + 4)
				break;
			proto = d[off + 2] << 8 | d[off + 3];
			off += 4;
		}
		if (proto == 0x0800) {
			uint32_t ihl;

			if (len < off + 20 || d[off + 9] != 17 || (d[off + 6] & 0x1f) || d[off + 7])
				continue;
			ihl = (d[off] & 0xf) * 4;
			memcpy(src + 12, d + off + 12, 4);
			memcpy(dst + 12, d + off + 16, 4);
			off += ihl;
		} else if (proto == 0x86dd) {
			if (len < off + 40 || d[off + 6] != 17)
				continue;
			memcpy(src, d + off + 8, 16);
			memcpy(dst, d + off + 24, 16);
			off += 40;
		} else {
			continue;
		}
		if (len < off + 8 + 12)
			continue;
		udp = d + off;
		if ((udp[2] << 8 | udp[3]) != 4791)
			continue;
		roce++;
		roce_bytes += len;
		opcodes[udp[8]]++;
		struct flow *f = lookup(src, dst, (uint32_t)udp[13] << 16 | udp[14] << 8 | udp[15]);
		f->packets++;
		f->bytes += len;
	}
	printf("packets %llu roce_packets %llu roce_bytes %llu flows %zu opcodes_seen",
	       (unsigned long long)packets, (unsigned long long)roce, (unsigned long long)roce_bytes, used);
	for (int i = 0; i < 256; i++)
		if (opcodes[i])
			printf(" 0x%02x:%llu", i, (unsigned long long)opcodes[i]);
	printf("\n");
	return 0;
}
