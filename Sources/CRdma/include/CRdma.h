/*
 * CRdma: RDMA netlink (NETLINK_RDMA, the nldev client) through libmnl: the RDMA devices, and
 * the QPs of one device with their owners, as `rdma dev` and `rdma resource show qp` list them.
 * libmnl builds and parses the messages; this file only says which ones.
 */
#ifndef CRDMA_H
#define CRDMA_H

#include <stdint.h>

/* One RDMA device (RDMA_NLDEV_CMD_GET). */
struct rt_rdma_dev {
	uint32_t index;
	uint32_t ports;		/* the highest port index */
	char name[64];
};

/* One QP (RDMA_NLDEV_CMD_RES_QP_GET, one RDMA_NLDEV_ATTR_RES_QP_ENTRY). */
struct rt_rdma_qp {
	uint32_t lqpn;
	uint32_t port;		/* 0 when the QP has no port yet (RESET state) */
	uint32_t pid;		/* the owning process; 0 for a kernel QP */
	uint8_t type;		/* enum ib_qp_type: 2 RC, 3 UC, 4 UD, 1 GSI, 0 SMI, ... */
	uint8_t state;		/* enum ib_qp_state: 0 RESET, 1 INIT, 2 RTR, 3 RTS, 4 SQD, 5 SQE, 6 ERR */
	uint8_t has_pid;
	uint8_t has_state;
	char kern_name[32];	/* a kernel QP's owner (the module, e.g. "ib_core"); "" otherwise */
};

struct rt_rdma;

/* Opens an RDMA netlink socket. Returns 0 or a negative errno (-EPROTONOSUPPORT: a kernel
 * without RDMA). */
int rt_rdma_open(struct rt_rdma **out);
void rt_rdma_close(struct rt_rdma *nl);

/* The RDMA devices: fills up to max entries and returns how many there are (more than max
 * means: call again with a larger array), or a negative errno. */
int rt_rdma_devices(struct rt_rdma *nl, struct rt_rdma_dev *out, int max);

/* The QPs of device dev_index, in the same manner. */
int rt_rdma_qps(struct rt_rdma *nl, uint32_t dev_index, struct rt_rdma_qp *out, int max);

#endif
