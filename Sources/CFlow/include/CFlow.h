/*
 * CFlow: the per-packet flow logic the BPF programs run (bpf/rdmatop_flow.h), and the layouts
 * it counts into (bpf/rdmatop.h), for rdmatop's engine to run the same code on capture files.
 * The one module that includes the shared headers: CProbe takes them from here.
 */
#ifndef CFLOW_H
#define CFLOW_H

#include "../../../bpf/rdmatop_flow.h"

#endif /* CFLOW_H */
