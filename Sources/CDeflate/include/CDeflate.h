/* libdeflate (Debian's libdeflate-dev) for Swift: its CRC-32, which folds with PCLMULQDQ
 * where the CPU has it, for the ICRC of every RoCE packet. */
#ifndef RDMATOP_CDEFLATE_H
#define RDMATOP_CDEFLATE_H
#include <libdeflate.h>
#endif
