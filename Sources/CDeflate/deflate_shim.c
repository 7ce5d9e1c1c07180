/* Nothing to add to libdeflate: SwiftPM wants a source file in a C target. */
#include "CDeflate.h"
