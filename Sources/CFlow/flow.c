/* CFlow is header-only (static inline functions of bpf/rdmatop_flow.h); SwiftPM wants a
 * source file in every C target. */
#include "CFlow.h"
