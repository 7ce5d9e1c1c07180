// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "CSignals.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t received_signal;

static void on_signal(int sig)
{
	received_signal = sig;
}

void rdmatop_install_signal_handlers(void)
{
	struct sigaction sa;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked poll returns EINTR and the loop sees the flag. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int rdmatop_signal_received(void)
{
	return received_signal;
}
