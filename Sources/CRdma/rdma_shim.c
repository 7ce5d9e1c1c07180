/*
 * CRdma: RDMA netlink dumps through libmnl (see include/CRdma.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <rdma/rdma_netlink.h>

#include "CRdma.h"

struct rt_rdma {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	char buf[32768];	/* MNL_SOCKET_BUFFER_SIZE is at most 8 KiB; a dump fits pages */
};

int rt_rdma_open(struct rt_rdma **out)
{
	struct rt_rdma *nl = calloc(1, sizeof(*nl));
	struct timeval timeout = { .tv_sec = 1 };

	if (!nl)
		return -ENOMEM;
	nl->sock = mnl_socket_open(NETLINK_RDMA);
	if (!nl->sock) {
		int err = errno;

		free(nl);
		return -(err ? err : EPROTONOSUPPORT);
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		mnl_socket_close(nl->sock);
		free(nl);
		return -(err ? err : EPERM);
	}
	/* A dump that never ends must not hang the caller's poll loop. */
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	*out = nl;
	return 0;
}

void rt_rdma_close(struct rt_rdma *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

/* Sends a dump request for cmd (with dev_index when with_dev: index 0 is a device too) and runs cb over the answers. */
static int dump(struct rt_rdma *nl, int cmd, int with_dev, uint32_t dev_index, mnl_cb_t cb, void *data)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	unsigned int seq = ++nl->seq;
	int ret;

	nlh->nlmsg_type = RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (with_dev) {
		mnl_attr_put_u32(nlh, RDMA_NLDEV_ATTR_DEV_INDEX, dev_index);
		/* As `rdma -d`: without it, 6.12 leaves the QPs of processes out of the dump. */
		mnl_attr_put_u8(nlh, RDMA_NLDEV_ATTR_DRIVER_DETAILS, 1);
	}
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));

		if (n < 0)
			return -errno;
		ret = mnl_cb_run(nl->buf, n, seq, nl->portid, cb, data);
		if (ret < 0 && errno == ESRCH)
			continue;	/* the end of an earlier, failed dump */
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

/* Collects the attributes of one nest (or message) by type, ignoring unknown ones. */
struct attrs {
	const struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
};

static int collect(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	int type = mnl_attr_get_type(attr);

	if (type >= 0 && type < RDMA_NLDEV_ATTR_MAX)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static uint32_t get_u32(const struct attrs *a, int type)
{
	const struct nlattr *attr = a->tb[type];

	return attr && mnl_attr_get_payload_len(attr) >= 4 ? mnl_attr_get_u32(attr) : 0;
}

static void get_str(const struct attrs *a, int type, char *out, size_t size)
{
	const struct nlattr *attr = a->tb[type];
	size_t len;

	out[0] = 0;
	if (!attr)
		return;
	len = strnlen(mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr));
	if (len >= size)
		len = size - 1;
	memcpy(out, mnl_attr_get_payload(attr), len);
	out[len] = 0;
}

struct dev_list {
	struct rt_rdma_dev *out;
	int max, count;
};

static int dev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dev_list *l = data;
	struct attrs a = { 0 };

	mnl_attr_parse(nlh, 0, collect, &a);
	if (!a.tb[RDMA_NLDEV_ATTR_DEV_INDEX])
		return MNL_CB_OK;
	if (l->count < l->max) {
		struct rt_rdma_dev *d = &l->out[l->count];

		d->index = get_u32(&a, RDMA_NLDEV_ATTR_DEV_INDEX);
		d->ports = get_u32(&a, RDMA_NLDEV_ATTR_PORT_INDEX);
		get_str(&a, RDMA_NLDEV_ATTR_DEV_NAME, d->name, sizeof(d->name));
	}
	l->count++;
	return MNL_CB_OK;
}

int rt_rdma_devices(struct rt_rdma *nl, struct rt_rdma_dev *out, int max)
{
	struct dev_list l = { out, max, 0 };
	int ret = dump(nl, RDMA_NLDEV_CMD_GET, 0, 0, dev_cb, &l);

	return ret < 0 ? ret : l.count;
}

struct qp_list {
	struct rt_rdma_qp *out;
	int max, count;
};

static int qp_entry(const struct nlattr *entry, void *data)
{
	struct qp_list *l = data;
	struct attrs a = { 0 };

	if (mnl_attr_get_type(entry) != RDMA_NLDEV_ATTR_RES_QP_ENTRY)
		return MNL_CB_OK;
	mnl_attr_parse_nested(entry, collect, &a);
	if (!a.tb[RDMA_NLDEV_ATTR_RES_LQPN])
		return MNL_CB_OK;
	if (l->count < l->max) {
		struct rt_rdma_qp *q = &l->out[l->count];

		memset(q, 0, sizeof(*q));
		q->lqpn = get_u32(&a, RDMA_NLDEV_ATTR_RES_LQPN);
		q->port = get_u32(&a, RDMA_NLDEV_ATTR_PORT_INDEX);
		q->has_pid = a.tb[RDMA_NLDEV_ATTR_RES_PID] != NULL;
		q->pid = get_u32(&a, RDMA_NLDEV_ATTR_RES_PID);
		if (a.tb[RDMA_NLDEV_ATTR_RES_TYPE])
			q->type = mnl_attr_get_u8(a.tb[RDMA_NLDEV_ATTR_RES_TYPE]);
		if (a.tb[RDMA_NLDEV_ATTR_RES_STATE]) {
			q->has_state = 1;
			q->state = mnl_attr_get_u8(a.tb[RDMA_NLDEV_ATTR_RES_STATE]);
		}
		get_str(&a, RDMA_NLDEV_ATTR_RES_KERN_NAME, q->kern_name, sizeof(q->kern_name));
	}
	l->count++;
	return MNL_CB_OK;
}

static int qp_cb(const struct nlmsghdr *nlh, void *data)
{
	struct attrs a = { 0 };

	mnl_attr_parse(nlh, 0, collect, &a);
	if (a.tb[RDMA_NLDEV_ATTR_RES_QP])
		mnl_attr_parse_nested(a.tb[RDMA_NLDEV_ATTR_RES_QP], qp_entry, data);
	return MNL_CB_OK;
}

int rt_rdma_qps(struct rt_rdma *nl, uint32_t dev_index, struct rt_rdma_qp *out, int max)
{
	struct qp_list l = { out, max, 0 };
	int ret = dump(nl, RDMA_NLDEV_CMD_RES_QP_GET, 1, dev_index, qp_cb, &l);

	return ret < 0 ? ret : l.count;
}
