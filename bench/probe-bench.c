// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * probe-bench: the kernel side of `make bench` (root).
 *
 *	probe-bench cost RDMATOP.o BENCH.o FOUR.pcap CONFIG.bin REPEAT
 *		ns per packet under BPF_PROG_TEST_RUN of rdmatop's XDP and tc programs and of
 *		bench_count, on the four frames of FOUR.pcap: a data packet of a known flow, a
 *		data packet of a new flow, an ACK, a NAK; rdmatop's programs twice: with every
 *		packet an event, and with sampled events (rdmatop --sample 0), loaded with
 *		CONFIG.bin: the struct rdmatop_config rdmatop loads (rdmatop-bench fixtures).
 *	probe-bench send BENCH.o TEMPLATE.pcap IFNAME PACKETS QPS SECONDS [RATE]
 *		the live sender: bench_send under BPF_PROG_TEST_RUN with
 *		BPF_F_TEST_XDP_LIVE_FRAMES, redirecting the first frame of TEMPLATE.pcap, given
 *		QPS QPs round robin, into IFNAME; stops after PACKETS frames or SECONDS. With
 *		RATE (packets/s), it sends in chunks of a tenth of a second, each started on
 *		schedule; without, as fast as it can.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <time.h>
#include <linux/bpf.h>

#include "pcap.h"
#include "rdmatop.h"

#define MAX_FRAMES 4

static void die(const char *what, int err)
{
	fprintf(stderr, "probe-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/*
 * Opens and loads a BPF object; with config, rdmatop's configuration (sample: with sampled
 * events, as rdmatop --sample 0 loads it).
 */
static struct bpf_object *open_object(const char *path, uint32_t ringbuf,
				      const struct rdmatop_config *given, int sample)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_map *map;
	int err;

	if (!obj)
		die(path, errno);
	map = bpf_object__find_map_by_name(obj, "events");
	if (map && ringbuf)
		bpf_map__set_max_entries(map, ringbuf);
	bpf_object__for_each_map(map, obj) {
		struct rdmatop_config config;
		size_t size;

		if (!given || !strstr(bpf_map__name(map), ".rodata"))
			continue;
		if (!bpf_map__initial_value(map, &size) || size != sizeof(config))
			die("the probe's configuration", EINVAL);
		config = *given;
		config.sample = sample;
		config.sample_per_second = 0;
		if (bpf_map__set_initial_value(map, &config, sizeof(config)))
			die("the probe's configuration", EINVAL);
	}
	err = bpf_object__load(obj);
	if (err)
		die(path, err);
	return obj;
}

static int prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	if (!p)
		die(name, ENOENT);
	return bpf_program__fd(p);
}

static int noop_event(void *ctx, void *data, size_t size)
{
	(void)ctx; (void)data; (void)size;
	return 0;
}

/* Deletes every entry of a hash map, so that the next packet starts a new flow. */
static void clear_map(int fd, uint32_t key_size)
{
	uint8_t key[64], next[64];

	if (fd < 0 || key_size > sizeof(key))
		return;
	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, key_size);
		if (bpf_map_delete_elem(fd, key))
			return;
	}
}

/*
 * ns per run of prog on frame: the median of 9 rounds of `repeat` runs, the ring buffer
 * drained between rounds so that rdmatop's programs always find room for their events.
 * With flows_fd (a per-flow map), repeat / 100 single runs, each after emptying the map.
 */
static double cost(int prog, const uint8_t *frame, uint32_t len, uint32_t repeat,
		   struct ring_buffer *rb, int flows_fd, uint32_t key_size)
{
	double rounds[9];

	for (int r = 0; r < 9; r++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
			    .repeat = flows_fd >= 0 ? 1 : repeat);
		uint64_t total = 0;
		/* Single runs cost a system call and a map walk each: fewer of them. */
		uint32_t runs = flows_fd >= 0 ? (repeat + 99) / 100 : 1;

		for (uint32_t i = 0; i < runs; i++) {
			clear_map(flows_fd, key_size);
			int err = bpf_prog_test_run_opts(prog, &opts);

			if (err)
				die("BPF_PROG_TEST_RUN", errno);
			total += opts.duration;
		}
		rounds[r] = (double)total / runs;
		if (rb)
			ring_buffer__consume(rb);
	}
	for (int i = 1; i < 9; i++)	/* insertion sort for the median */
		for (int j = i; j > 0 && rounds[j] < rounds[j - 1]; j--) {
			double t = rounds[j];

			rounds[j] = rounds[j - 1];
			rounds[j - 1] = t;
		}
	return rounds[4];
}

/* The four frames' costs, with rdmatop's programs loaded with every packet an event or sampled. */
static void run_cost_table(char **argv, const struct rdmatop_config *config, int sample)
{
	static const char *names[MAX_FRAMES] = { "data, known flow", "data, new flow", "ACK", "NAK" };
	struct bpf_object *probe = open_object(argv[2], 64 << 20, config, sample);
	struct bpf_object *bench = open_object(argv[3], 0, NULL, 0);
	uint32_t repeat = (uint32_t)strtoul(argv[6], NULL, 0);
	const uint8_t *frames[MAX_FRAMES];
	uint32_t lens[MAX_FRAMES];
	struct bpf_map *flows = bpf_object__find_map_by_name(probe, "flows");
	int flows_fd = flows ? bpf_map__fd(flows) : -1;
	uint32_t key_size = flows ? bpf_map__key_size(flows) : 0;
	struct ring_buffer *rb = ring_buffer__new(bpf_object__find_map_fd_by_name(probe, "events"),
						  noop_event, NULL, NULL);
	int progs[3] = { prog_fd(probe, "rdmatop_xdp"), prog_fd(probe, "rdmatop_tc"),
			 prog_fd(bench, "bench_count") };
	struct pcap p;
	int n = 0;

	if (!rb || repeat == 0)
		die("ring buffer / repeat", EINVAL);
	pcap_open(&p, argv[4]);
	while (n < MAX_FRAMES && pcap_next(&p, &frames[n], &lens[n]))
		n++;
	if (n != MAX_FRAMES)
		die("FOUR.pcap needs four frames", EINVAL);
	printf("%s\n%-18s %6s %12s %12s %12s %10s %10s\n",
	       sample ? "events sampled (rdmatop --sample 0):" :
			"every RoCE packet an event (--sample off; auto while the ring buffer has room):",
	       "packet", "bytes", "xdp ns", "tc ns", "trivial ns", "xdp/triv", "tc/triv");
	for (int i = 0; i < n; i++) {
		int fresh = i == 1 ? flows_fd : -1;	/* the new flow: the flow map emptied per run */
		double x = cost(progs[0], frames[i], lens[i], repeat, rb, fresh, key_size);
		double t = cost(progs[1], frames[i], lens[i], repeat, rb, fresh, key_size);
		double c = cost(progs[2], frames[i], lens[i], repeat, rb, fresh, key_size);

		printf("%-18s %6u %12.1f %12.1f %12.1f %9.2fx %9.2fx\n", names[i], lens[i], x, t, c,
		       x / c, t / c);
	}
	printf("(median of 9 rounds of %u runs each%s)\n", repeat,
	       flows_fd >= 0 ? "; the new flow: repeat/100 single runs, the flow map emptied before each" :
	       "; no per-flow map: a new flow costs what a known one does");
	ring_buffer__free(rb);
	bpf_object__close(probe);
	bpf_object__close(bench);
}

static int run_cost(char **argv)
{
	struct rdmatop_config config;
	FILE *f = fopen(argv[5], "rb");

	if (!f || fread(&config, sizeof(config), 1, f) != 1)
		die(argv[5], f ? EINVAL : errno);
	fclose(f);
	run_cost_table(argv, &config, 0);
	run_cost_table(argv, &config, 1);
	return 0;
}

struct sender_config {
	uint32_t ifindex, qps, first_qpn, pad;
	uint64_t sent;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int run_send(char **argv)
{
	struct bpf_object *obj = bpf_object__open_file(argv[2], NULL);
	uint64_t packets = strtoull(argv[5], NULL, 0);
	uint32_t qps = (uint32_t)strtoul(argv[6], NULL, 0);
	double seconds = strtod(argv[7], NULL), start, elapsed;
	double rate = argv[8] ? strtod(argv[8], NULL) : 0;
	uint64_t chunk = rate > 0 ? (uint64_t)(rate / 10) : 100000;
	unsigned int ifindex = if_nametoindex(argv[4]);
	const struct sender_config *cfg;
	struct sender_config initial;
	uint64_t sent = 0;
	uint32_t zero = 0;
	struct bpf_map *data;
	const uint8_t *frame;
	uint32_t len;
	struct pcap p;
	size_t size;
	int fd, err;

	if (!obj)
		die(argv[2], errno);
	if (!ifindex)
		die(argv[4], ENODEV);
	if (qps == 0 || packets == 0 || !(seconds > 0) || seconds > 600)
		die("PACKETS, QPS and SECONDS (at most 600) must be positive", EINVAL);
	if (argv[8] && !(rate >= 100 && rate <= 1e8))
		die("RATE must be from 100 to 100000000 packets/s", EINVAL);
	if (chunk > 100000)
		chunk = 100000;
	pcap_open(&p, argv[3]);
	if (!pcap_next(&p, &frame, &len))
		die("TEMPLATE.pcap has no frame", EINVAL);
	data = bpf_object__find_map_by_name(obj, ".data");
	if (!data)
		die(".data", ENOENT);
	cfg = bpf_map__initial_value(data, &size);
	if (!cfg || size != sizeof(*cfg))
		die(".data layout", EINVAL);
	initial = *cfg;
	initial.ifindex = ifindex;
	initial.qps = qps;
	err = bpf_map__set_initial_value(data, &initial, sizeof(initial));
	if (!err)
		err = bpf_object__load(obj);
	if (err)
		die("loading bench.bpf.o", err);
	fd = prog_fd(obj, "bench_send");
	start = now();
	/* Chunks of at most 100k frames, so that the time bound holds at any rate. */
	while (sent < packets && now() - start < seconds) {
		uint64_t left = packets - sent;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
			    .repeat = left < chunk ? (uint32_t)left : (uint32_t)chunk,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);

		if (rate > 0) {	/* the next chunk starts when the rate says it is due */
			double due = start + sent / rate, wait = due - now();

			if (wait > 0) {
				struct timespec t = { (time_t)wait, (long)((wait - (time_t)wait) * 1e9) };

				nanosleep(&t, NULL);
			}
		}

		if (bpf_prog_test_run_opts(fd, &opts))
			die("BPF_PROG_TEST_RUN (live frames)", errno);
		/* bench_send's own count, read back from its .data map. */
		if (bpf_map_lookup_elem(bpf_map__fd(data), &zero, &initial))
			die("reading the sender's count", errno);
		sent = initial.sent;
	}
	elapsed = now() - start;
	printf("sent %llu frames of %u bytes over %u QPs in %.3f s: %.0f packets/s\n",
	       (unsigned long long)sent, len, qps, elapsed, sent / elapsed);
	bpf_object__close(obj);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && !strcmp(argv[1], "cost"))
		return run_cost(argv);
	if ((argc == 8 || argc == 9) && !strcmp(argv[1], "send"))
		return run_send(argv);
	fprintf(stderr, "usage: probe-bench cost RDMATOP.o BENCH.o FOUR.pcap CONFIG.bin REPEAT\n"
		"       probe-bench send BENCH.o TEMPLATE.pcap IFNAME PACKETS QPS SECONDS [RATE]\n");
	return 64;
}
