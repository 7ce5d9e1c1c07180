/*
 * CSignals: how rdmatop stops. SIGINT, SIGTERM and SIGHUP set a flag that the run loops read
 * (and interrupt blocking polls, so the loops see it at once); SIGPIPE is ignored, so a closed
 * output is an error to handle, not a death that would skip detaching the probe or restoring
 * the terminal. One flag for the probe and the view alike.
 */
#ifndef CSIGNALS_H
#define CSIGNALS_H

/* Installs the handlers (idempotent) and unblocks the three signals, which a parent may have
 * started rdmatop with blocked (posix_spawn inherits the mask). */
void rdmatop_install_signal_handlers(void);

/* The signal received, or 0. */
int rdmatop_signal_received(void);

#endif /* CSIGNALS_H */
