// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * send-imm: RC SENDs with immediate data over rdma_cm, for a real capture of
 * SEND_LAST_WITH_IMMEDIATE and SEND_ONLY_WITH_IMMEDIATE, which no rdma-core or perftest
 * tool sends. Built and run in the SoftRoCE VM by guest-shapes.sh (shape send_imm).
 *
 *   send-imm -s ADDR PORT COUNT   receives COUNT messages on ADDR:PORT and prints each
 *                                 receive completion: its length and immediate data
 *   send-imm -c ADDR PORT COUNT   connects and sends COUNT messages of 5000, 64 and 0
 *                                 bytes in turn, message i with immediate data 0x1000 + i
 *
 * The receiver's completions are rxe's own account of what arrived: the ground truth the
 * capture is checked against.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rdma/rdma_cma.h>
#include <rdma/rdma_verbs.h>

#define BIG 5000

static unsigned int size_of(int i)
{
	static const unsigned int sizes[] = { BIG, 64, 0 };

	return sizes[i % 3];
}

static void die(const char *what)
{
	fprintf(stderr, "send-imm: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int serve(struct rdma_cm_id *listen_id, int count)
{
	struct rdma_cm_id *id;
	struct ibv_mr *mr;
	struct ibv_wc wc;
	char *buf;
	int i;

	if (rdma_listen(listen_id, 0) || rdma_get_request(listen_id, &id))
		die("listen");
	buf = calloc(count, BIG);
	if (!buf)
		die("calloc");
	mr = rdma_reg_msgs(id, buf, (size_t)count * BIG);
	if (!mr)
		die("rdma_reg_msgs");
	/* Every receive posted before the client may send: no RNR NAK. */
	for (i = 0; i < count; i++)
		if (rdma_post_recv(id, NULL, buf + (size_t)i * BIG, BIG, mr))
			die("rdma_post_recv");
	if (rdma_accept(id, NULL))
		die("rdma_accept");
	for (i = 0; i < count; i++) {
		if (rdma_get_recv_comp(id, &wc) <= 0)
			die("rdma_get_recv_comp");
		printf("recv %d status %d bytes %u imm 0x%x%s\n", i, wc.status, wc.byte_len,
		       ntohl(wc.imm_data), wc.wc_flags & IBV_WC_WITH_IMM ? "" : " (none)");
	}
	/* A QP of a second is gone before tools that sample the QP table see it. */
	sleep(2);
	rdma_disconnect(id);
	rdma_dereg_mr(mr);
	rdma_destroy_ep(id);
	free(buf);
	return 0;
}

static int send_all(struct rdma_cm_id *id, int count)
{
	static char buf[BIG];
	struct ibv_send_wr wr, *bad;
	struct ibv_sge sge;
	struct ibv_mr *mr;
	struct ibv_wc wc;
	int i;

	memset(buf, 0x5a, sizeof(buf));
	mr = rdma_reg_msgs(id, buf, sizeof(buf));
	if (!mr)
		die("rdma_reg_msgs");
	if (rdma_connect(id, NULL))
		die("rdma_connect");
	for (i = 0; i < count; i++) {
		memset(&wr, 0, sizeof(wr));
		sge.addr = (uintptr_t)buf;
		sge.length = size_of(i);
		sge.lkey = mr->lkey;
		wr.wr_id = i;
		wr.opcode = IBV_WR_SEND_WITH_IMM;
		wr.imm_data = htonl(0x1000 + i);
		wr.sg_list = &sge;
		wr.num_sge = 1;
		wr.send_flags = IBV_SEND_SIGNALED;
		if (ibv_post_send(id->qp, &wr, &bad))
			die("ibv_post_send");
		if (rdma_get_send_comp(id, &wc) <= 0 || wc.status != IBV_WC_SUCCESS)
			die("rdma_get_send_comp");
		printf("sent %d bytes %u imm 0x%x\n", i, size_of(i), 0x1000 + i);
	}
	sleep(1);
	rdma_disconnect(id);
	rdma_dereg_mr(mr);
	return 0;
}

int main(int argc, char **argv)
{
	struct rdma_addrinfo hints, *res;
	struct ibv_qp_init_attr attr;
	struct rdma_cm_id *id;
	int server, count, err;

	if (argc != 5 || (strcmp(argv[1], "-s") && strcmp(argv[1], "-c"))) {
		fprintf(stderr, "usage: send-imm -s|-c ADDR PORT COUNT\n");
		return 2;
	}
	server = !strcmp(argv[1], "-s");
	count = atoi(argv[4]);
	if (count < 1 || count > 1000) {
		fprintf(stderr, "send-imm: COUNT must be from 1 to 1000\n");
		return 2;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_port_space = RDMA_PS_TCP;
	if (server)
		hints.ai_flags = RAI_PASSIVE;
	if (rdma_getaddrinfo(argv[2], argv[3], &hints, &res))
		die("rdma_getaddrinfo");
	memset(&attr, 0, sizeof(attr));
	attr.cap.max_send_wr = 4;
	attr.cap.max_recv_wr = count;
	attr.cap.max_send_sge = 1;
	attr.cap.max_recv_sge = 1;
	attr.qp_type = IBV_QPT_RC;
	attr.sq_sig_all = 1;
	if (rdma_create_ep(&id, res, NULL, &attr))
		die("rdma_create_ep");
	rdma_freeaddrinfo(res);
	err = server ? serve(id, count) : send_all(id, count);
	rdma_destroy_ep(id);
	return err;
}
