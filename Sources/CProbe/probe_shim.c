// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "CProbe.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct rt_object {
	struct bpf_object *obj;
};

/* ---- libbpf's messages, kept for error reports ---- */

static char log_buf[1 << 20];
static size_t log_len;

static int log_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	if (log_len >= sizeof(log_buf) - 1)
		return 0;
	n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, args);
	if (n > 0)
		log_len += (size_t)n < sizeof(log_buf) - log_len ? (size_t)n : sizeof(log_buf) - 1 - log_len;
	return 0;
}

/* Every libbpf call is quiet from the start (a tc query before any load included): its
 * messages go to the buffer, for the error reports that want them. */
__attribute__((constructor)) static void rt_quiet_libbpf(void)
{
	libbpf_set_print(log_print);
}

const char *rt_log(void)
{
	log_buf[log_len] = 0;
	return log_buf;
}

void rt_log_clear(void)
{
	log_len = 0;
	log_buf[0] = 0;
}

/* ---- loading ---- */

int rt_object_load(const void *buf, size_t size, const struct rdmatop_config *config,
		   uint32_t ringbuf_bytes, uint32_t flow_entries, struct rt_object **out)
{
	struct rt_object *r;
	struct bpf_map *map;
	int err;

	libbpf_set_print(log_print);
	rt_log_clear();
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->obj = bpf_object__open_mem(buf, size, NULL);
	if (!r->obj) {
		err = -errno;
		free(r);
		return err ? err : -EINVAL;
	}
	bpf_object__for_each_map(map, r->obj) {
		const char *name = bpf_map__name(map);

		if (strstr(name, ".rodata")) {
			size_t vsize;

			bpf_map__initial_value(map, &vsize);
			if (vsize != sizeof(*config)) {
				err = -EINVAL;
				goto fail;
			}
			err = bpf_map__set_initial_value(map, config, sizeof(*config));
			if (err)
				goto fail;
		} else if (!strcmp(name, "events") && ringbuf_bytes) {
			err = bpf_map__set_max_entries(map, ringbuf_bytes);
			if (err)
				goto fail;
		} else if ((!strcmp(name, "flows") || !strcmp(name, "psns")) && flow_entries) {
			err = bpf_map__set_max_entries(map, flow_entries);
			if (err)
				goto fail;
		}
	}
	err = bpf_object__load(r->obj);
	if (err)
		goto fail;
	*out = r;
	return 0;
fail:
	bpf_object__close(r->obj);
	free(r);
	return err < 0 ? err : -err;
}

void rt_object_close(struct rt_object *obj)
{
	if (!obj)
		return;
	bpf_object__close(obj->obj);
	free(obj);
}

int rt_prog_fd(struct rt_object *obj, const char *name)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj->obj, name);

	return prog ? bpf_program__fd(prog) : -ENOENT;
}

int rt_map_fd(struct rt_object *obj, const char *name)
{
	return bpf_object__find_map_fd_by_name(obj->obj, name);
}

/* ---- XDP ---- */

int rt_xdp_link(int prog_fd, int ifindex, uint32_t flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

int rt_link_detach(int link_fd)
{
	return bpf_link_detach(link_fd) ? -errno : 0;
}

int rt_xdp_query(int ifindex, uint32_t *attach_mode, uint32_t *drv_id, uint32_t *skb_id, uint32_t *hw_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, opts);
	int err = bpf_xdp_query(ifindex, 0, &opts);

	if (err)
		return err < 0 ? err : -err;
	*attach_mode = opts.attach_mode;
	*drv_id = opts.drv_prog_id;
	*skb_id = opts.skb_prog_id;
	*hw_id = opts.hw_prog_id;
	return 0;
}

int rt_prog_name(uint32_t id, char *name, size_t size)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd, err;

	memset(&info, 0, sizeof(info));
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	err = err ? -errno : 0;
	close(fd);
	if (!err)
		snprintf(name, size, "%s", info.name);
	return err;
}

int rt_prog_run_stats(int prog_fd, uint64_t *run_time_ns, uint64_t *run_cnt)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	*run_time_ns = info.run_time_ns;
	*run_cnt = info.run_cnt;
	return 0;
}

int rt_enable_run_stats(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	return fd < 0 ? -errno : fd;
}

/* ---- tc clsact egress ---- */

int rt_tc_attach(int ifindex, int prog_fd, uint32_t handle, uint32_t priority, int *created)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority, .prog_fd = prog_fd);
	int err = bpf_tc_hook_create(&hook);

	*created = err == 0;
	if (err && err != -EEXIST)
		return err;
	err = bpf_tc_attach(&hook, &opts);
	return err;
}

int rt_tc_detach(int ifindex, uint32_t handle, uint32_t priority)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);

	return bpf_tc_detach(&hook, &opts);
}

int rt_tc_query(int ifindex, uint32_t handle, uint32_t priority, uint32_t *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);
	int err = bpf_tc_query(&hook, &opts);

	*prog_id = 0;
	if (err == -ENOENT || err == -EINVAL)
		return 0;
	if (err)
		return err;
	*prog_id = opts.prog_id;
	return 0;
}

int rt_tc_destroy(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	return bpf_tc_hook_destroy(&hook);
}

/* Counts the RTM_NEWTFILTER messages of a filter dump of one clsact parent. */
static int count_filters(int fd, int ifindex, uint32_t parent)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req;
	static char buf[32768];
	int count = 0;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg));
	req.nh.nlmsg_type = RTM_GETTFILTER;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	req.tc.tcm_family = AF_UNSPEC;
	req.tc.tcm_ifindex = ifindex;
	req.tc.tcm_parent = parent;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				return count;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				return e->error ? e->error : count;
			}
			if (nh->nlmsg_type == RTM_NEWTFILTER)
				count++;
		}
	}
}

int rt_tc_filters(int ifindex)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int in, out;

	if (fd < 0)
		return -errno;
	in = count_filters(fd, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	out = in < 0 ? in : count_filters(fd, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));
	close(fd);
	return in < 0 ? in : out < 0 ? out : in + out;
}

/* ---- ring buffer ---- */

struct rt_ringbuf {
	struct ring_buffer *rb;
};

struct rt_ringbuf *rt_ringbuf_new(int map_fd, rt_event_fn fn, void *ctx)
{
	struct rt_ringbuf *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->rb = ring_buffer__new(map_fd, (ring_buffer_sample_fn)fn, ctx, NULL);
	if (!r->rb) {
		free(r);
		return NULL;
	}
	return r;
}

int rt_ringbuf_poll(struct rt_ringbuf *r, int timeout_ms)
{
	int n = ring_buffer__poll(r->rb, timeout_ms);

	return n < 0 && errno == EINTR ? -EINTR : n;
}

int rt_ringbuf_consume(struct rt_ringbuf *r)
{
	return ring_buffer__consume(r->rb);
}

void rt_ringbuf_free(struct rt_ringbuf *r)
{
	if (!r)
		return;
	ring_buffer__free(r->rb);
	free(r);
}

/* ---- counters ---- */

void rt_counters_add(struct rdmatop_counters *sum, const struct rdmatop_counters *c)
{
	__u64 *to = (__u64 *)sum;
	const __u64 *from = (const __u64 *)c;

	_Static_assert(sizeof(*sum) % sizeof(__u64) == 0, "rdmatop_counters holds __u64 counters only");
	for (size_t i = 0; i < sizeof(*sum) / sizeof(__u64); i++)
		to[i] += from[i];
}

int rt_read_counters(int map_fd, uint32_t direction, struct rdmatop_counters *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	struct rdmatop_counters *values;
	int err = 0;

	if (ncpus <= 0)
		return ncpus < 0 ? ncpus : -EINVAL;
	values = calloc((size_t)ncpus, sizeof(*values));
	if (!values)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(map_fd, &direction, values)) {
		err = -errno;
	} else {
		for (int i = 0; i < ncpus; i++)
			rt_counters_add(sum, &values[i]);
	}
	free(values);
	return err;
}

/* ---- the flow map ---- */

/* Adds one CPU's share of a flow to sum. */
static void add_flow(struct rdmatop_flow *sum, const struct rdmatop_flow *f)
{
	rdmatop_add_counts(&sum->counts, &f->counts);
	if (f->first_ns && (!sum->first_ns || f->first_ns < sum->first_ns)) {
		sum->first_ns = f->first_ns;
		sum->first_opcode = f->first_opcode;
	}
	if (f->last_ns > sum->last_ns)
		sum->last_ns = f->last_ns;
	sum->unsampled += f->unsampled;
	/* Round trips: each CPU holds those whose answer it saw. */
	sum->rtt_sum_ns += f->rtt_sum_ns;
	for (int b = 0; b < RDMATOP_RTT_BUCKETS; b++)
		sum->rtt_log2_us[b] += f->rtt_log2_us[b];
}

/*
 * Reads a hash map whole, chunk entries at a time (keys of key_size bytes, values of
 * value_size: a per-CPU map's hold every CPU's share), handing each batch to take(), which
 * returns the number of entries it could keep: fewer than it was given stops the read.
 * Returns 0 or -errno.
 */
typedef __u32 (*batch_fn)(void *ctx, const void *keys, const void *values, __u32 n);

static int read_batches(int map_fd, __u32 chunk, size_t key_size, size_t value_size,
			__u64 elem_flags, batch_fn take, void *ctx)
{
	void *keys = calloc(chunk, key_size), *values = calloc(chunk, value_size);
	__u64 in_batch = 0, out_batch = 0;
	int err = 0, first = 1;

	if (!keys || !values) {
		free(keys);
		free(values);
		return -ENOMEM;
	}
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = elem_flags);
		__u32 n = chunk;

		err = bpf_map_lookup_batch(map_fd, first ? NULL : &in_batch, &out_batch, keys, values,
					   &n, &opts);
		err = err ? -errno : 0;
		first = 0;
		if (take(ctx, keys, values, n) < n || err == -ENOENT) {	/* full, or the last batch */
			err = 0;
			break;
		}
		if (err)
			break;
		in_batch = out_batch;
	}
	free(keys);
	free(values);
	return err;
}

/* Where rt_read_flows() and rt_read_psns() put what read_batches() hands them. */
struct batch_out {
	struct rdmatop_flow_key *keys;
	void *values;		/* struct rdmatop_flow or struct rdmatop_psn_counts */
	uint32_t max, count;
	int ncpus;
};

/* Keeps a batch of the flow map, each flow summed over the CPUs. */
static __u32 take_flows(void *ctx, const void *keys, const void *values, __u32 n)
{
	const struct rdmatop_flow *v = values;
	struct batch_out *out = ctx;
	__u32 i;

	for (i = 0; i < n && out->count < out->max; i++, out->count++) {
		struct rdmatop_flow *sum = (struct rdmatop_flow *)out->values + out->count;

		memset(sum, 0, sizeof(*sum));
		for (int cpu = 0; cpu < out->ncpus; cpu++)
			add_flow(sum, &v[(size_t)i * out->ncpus + cpu]);
		out->keys[out->count] = ((const struct rdmatop_flow_key *)keys)[i];
	}
	return i;
}

int rt_read_flows(int map_fd, struct rdmatop_flow_key *keys, struct rdmatop_flow *flows,
		  uint32_t max, uint32_t *count)
{
	struct batch_out out = { .keys = keys, .values = flows, .max = max };
	int err;

	*count = 0;
	out.ncpus = libbpf_num_possible_cpus();
	if (out.ncpus <= 0)
		return out.ncpus < 0 ? out.ncpus : -EINVAL;
	err = read_batches(map_fd, 1024, sizeof(*keys), sizeof(*flows) * out.ncpus, 0, take_flows, &out);
	*count = out.count;
	return err;
}

/* ---- the PSN map ---- */

/* Keeps a batch of the PSN map: each window's counts. */
static __u32 take_psns(void *ctx, const void *keys, const void *values, __u32 n)
{
	const struct rdmatop_psn_entry *v = values;
	struct batch_out *out = ctx;
	__u32 i;

	for (i = 0; i < n && out->count < out->max; i++, out->count++) {
		((struct rdmatop_psn_counts *)out->values)[out->count] = v[i].window.counts;
		out->keys[out->count] = ((const struct rdmatop_flow_key *)keys)[i];
	}
	return i;
}

int rt_read_psns(int map_fd, struct rdmatop_flow_key *keys, struct rdmatop_psn_counts *counts,
		 uint32_t max, uint32_t *count)
{
	struct batch_out out = { .keys = keys, .values = counts, .max = max };
	int err;

	err = read_batches(map_fd, 1024, sizeof(*keys), sizeof(struct rdmatop_psn_entry), BPF_F_LOCK,
			   take_psns, &out);
	*count = out.count;
	return err;
}

int rt_map_delete(int map_fd, const void *key)
{
	return bpf_map_delete_elem(map_fd, key) ? -errno : 0;
}

/* ---- feature probes ---- */

int rt_probe_ringbuf(void)
{
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
}
