/*
 * CProbe: the C side of rdmatop's probe. The event layout comes from the header the BPF
 * program uses (bpf/rdmatop.h, through CFlow); the functions below wrap what libbpf does with macros,
 * option structs and callbacks that Swift cannot use directly.
 */
#ifndef CPROBE_H
#define CPROBE_H

#include <stddef.h>
#include <stdint.h>
#include "CFlow.h"

/* XDP attach flags (linux/if_link.h), and the RDMA mode of rdmatop's kernel series. */
#define RT_XDP_FLAGS_UPDATE_IF_NOEXIST (1U << 0)
#define RT_XDP_FLAGS_SKB_MODE (1U << 1)
#define RT_XDP_FLAGS_DRV_MODE (1U << 2)
#define RT_XDP_FLAGS_HW_MODE (1U << 3)
#define RT_XDP_FLAGS_RDMA (1U << 5)

/* XDP_ATTACHED_* of IFLA_XDP_ATTACHED. */
#define RT_XDP_ATTACHED_NONE 0
#define RT_XDP_ATTACHED_DRV 1
#define RT_XDP_ATTACHED_SKB 2
#define RT_XDP_ATTACHED_HW 3
#define RT_XDP_ATTACHED_MULTI 4

/* An opened and loaded BPF object. */
struct rt_object;

/*
 * Opens the ELF object in buf, sets the configuration (.rodata) and the ring buffer size,
 * and loads it. Returns 0 or a negative errno; libbpf's messages (the verifier's log among
 * them) are kept and can be read with rt_log().
 */
int rt_object_load(const void *buf, size_t size, const struct rdmatop_config *config,
		   uint32_t ringbuf_bytes, uint32_t flow_entries, struct rt_object **out);
void rt_object_close(struct rt_object *obj);
int rt_prog_fd(struct rt_object *obj, const char *name);
int rt_map_fd(struct rt_object *obj, const char *name);

/* libbpf's messages since the last rt_log_clear(): warnings, and the verifier log. */
const char *rt_log(void);
void rt_log_clear(void);

/* bpf_link_create(BPF_XDP) with flags: a link fd, or a negative errno. */
int rt_xdp_link(int prog_fd, int ifindex, uint32_t flags);
/* bpf_link__detach of an XDP link fd. */
int rt_link_detach(int link_fd);
/* The program attached to ifindex: ids per mode (0 when none). Returns 0 or -errno. */
int rt_xdp_query(int ifindex, uint32_t *attach_mode, uint32_t *drv_id, uint32_t *skb_id, uint32_t *hw_id);
/* The name of a BPF program by id, into name (NUL-terminated). Returns 0 or -errno. */
int rt_prog_name(uint32_t id, char *name, size_t size);
/* The kernel's run time (ns) and run count of a loaded program (BPF run-time stats). 0 or -errno. */
int rt_prog_run_stats(int prog_fd, uint64_t *run_time_ns, uint64_t *run_cnt);
/* Turns BPF run-time stats on while the returned fd is open. Returns the fd or -errno. */
int rt_enable_run_stats(void);

/* tc clsact egress. rt_tc_attach creates the clsact qdisc when missing (*created = 1). */
int rt_tc_attach(int ifindex, int prog_fd, uint32_t handle, uint32_t priority, int *created);
int rt_tc_detach(int ifindex, uint32_t handle, uint32_t priority);
/* The program id of the egress filter at handle/priority, 0 when none. Returns 0 or -errno. */
int rt_tc_query(int ifindex, uint32_t handle, uint32_t priority, uint32_t *prog_id);
/* Removes the clsact qdisc (and every filter on it): call only when rt_tc_filters says 0. */
int rt_tc_destroy(int ifindex);
/* The filters (any kind, anyone's) on the clsact qdisc's ingress and egress, from a netlink
 * dump; -errno when the dump fails (no clsact qdisc, for one). */
int rt_tc_filters(int ifindex);

/* Ring buffer: the callback gets each event's bytes (struct rdmatop_event + data). */
typedef int (*rt_event_fn)(void *ctx, void *data, size_t size);
struct rt_ringbuf;
struct rt_ringbuf *rt_ringbuf_new(int map_fd, rt_event_fn fn, void *ctx);
/* Waits up to timeout_ms; returns events consumed or a negative errno (-EINTR on a signal). */
int rt_ringbuf_poll(struct rt_ringbuf *rb, int timeout_ms);
int rt_ringbuf_consume(struct rt_ringbuf *rb);
void rt_ringbuf_free(struct rt_ringbuf *rb);

/* Adds every counter of c to sum's (the struct holds __u64 counters only). */
void rt_counters_add(struct rdmatop_counters *sum, const struct rdmatop_counters *c);
/* Sums the per-CPU counters of one direction. Returns 0 or -errno. */
int rt_read_counters(int map_fd, uint32_t direction, struct rdmatop_counters *sum);

/*
 * Reads up to max entries of the flow map (an LRU per-CPU hash) into keys and flows, each
 * flow summed over the CPUs (first_ns the earliest, last_ns the latest). *count gets the
 * number read. Returns 0 or -errno.
 */
int rt_read_flows(int map_fd, struct rdmatop_flow_key *keys, struct rdmatop_flow *flows,
		  uint32_t max, uint32_t *count);

/*
 * Reads up to max entries of the PSN map (a hash of struct rdmatop_psn_entry, each read under
 * its spin lock) into keys and counts. *count gets the number read. Returns 0 or -errno.
 */
int rt_read_psns(int map_fd, struct rdmatop_flow_key *keys, struct rdmatop_psn_counts *counts,
		 uint32_t max, uint32_t *count);

/* Deletes the entry of key from a hash map. Returns 0 or -errno. */
int rt_map_delete(int map_fd, const void *key);

/* Whether the kernel supports a BPF map type / program type (libbpf probes): 1, 0 or -errno. */
int rt_probe_ringbuf(void);

#endif /* CPROBE_H */
