// Canonical tensor hashing (docs/HASHING.md): keccak256 over a byte encoding
// that another implementation can rebuild from the spec alone.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "aivm/tensor.h"

namespace aivm {

using Hash32 = std::array<uint8_t, 32>;

Hash32 keccak256(const uint8_t* data, size_t size);
// Canonical encoding of a list of tensors (NaN canonicalized to 0x7FC00000).
std::vector<uint8_t> encode_tensors(const std::vector<const Tensor*>& tensors);
Hash32 hash_tensors(const std::vector<const Tensor*>& tensors);
std::string hex(const Hash32& h);  // "0x" + 64 lowercase hex digits

}  // namespace aivm
