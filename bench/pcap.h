/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pcap.h: the classic-pcap reading the bench's C programs share (microsecond or nanosecond,
 * either byte order). The whole file is mapped; pcap_next() hands out borrowed frames.
 */
#ifndef BENCH_PCAP_H
#define BENCH_PCAP_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct pcap {
	const uint8_t *base, *pos, *end;
	size_t size;
	int swapped;
	uint32_t linktype;
};

static inline uint32_t pcap_u32(const struct pcap *p, const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return p->swapped ? __builtin_bswap32(v) : v;
}

/* Maps path; exits with a one-line error when it is not a classic pcap. */
static inline void pcap_open(struct pcap *p, const char *path)
{
	struct stat st;
	uint32_t magic;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) || st.st_size < 24) {
		fprintf(stderr, "%s: cannot read a pcap\n", path);
		exit(1);
	}
	p->size = (size_t)st.st_size;
	p->base = mmap(NULL, p->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p->base == MAP_FAILED) {
		fprintf(stderr, "%s: mmap failed\n", path);
		exit(1);
	}
	memcpy(&magic, p->base, 4);
	p->swapped = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	if (!p->swapped && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
		fprintf(stderr, "%s: not a classic pcap\n", path);
		exit(1);
	}
	p->linktype = pcap_u32(p, p->base + 20) & 0xffff;
	p->pos = p->base + 24;
	p->end = p->base + p->size;
}

/* The next frame's captured bytes and length; 0 at the end or at a truncated record. */
static inline int pcap_next(struct pcap *p, const uint8_t **data, uint32_t *len)
{
	uint32_t caplen;

	if (p->end - p->pos < 16)
		return 0;
	caplen = pcap_u32(p, p->pos + 8);
	if ((size_t)(p->end - p->pos - 16) < caplen)
		return 0;
	*data = p->pos + 16;
	*len = caplen;
	p->pos += 16 + caplen;
	return 1;
}

#endif /* BENCH_PCAP_H */
