// Ops that move element bits without computing on them (Transpose, Gather,
// Trilu...) copy unsigned integers as wide as the element: a float NaN's payload,
// -0 and any bool byte survive untouched, and one template serves every dtype.
#pragma once
#include <cstdint>

#include "aivm/dtype.h"

namespace aivm {

// Calls f with a value of the unsigned type as wide as one element of dtype.
template <class F> void by_width(DType dtype, F f) {
  switch (dtype_size(dtype)) {
    case 1: f(uint8_t{}); break;
    case 2: f(uint16_t{}); break;
    case 4: f(uint32_t{}); break;
    default: f(uint64_t{}); break;
  }
}

}  // namespace aivm
