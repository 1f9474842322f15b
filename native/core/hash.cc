// Keccak-256 (the original Keccak padding used by Ethereum, not SHA3-256) and
// the canonical tensor encoding of docs/HASHING.md.
#include "aivm/hash.h"

#include "core/fault.h"
#include "math/convert.h"

#include <algorithm>
#include <cstring>

namespace aivm {

namespace {

constexpr uint64_t kRoundConstants[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808Aull, 0x8000000080008000ull,
    0x000000000000808Bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008Aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000Aull,
    0x000000008000808Bull, 0x800000000000008Bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800Aull, 0x800000008000000Aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull};

// rho and pi as one walk: lane kPiLanes[i] receives the previous lane of the
// walk rotated by kRotations[i] (the standard in-place formulation).
constexpr int kPiLanes[24] = {10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1};
constexpr int kRotations[24] = {1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44};

inline uint64_t rotl(uint64_t x, int n) { return (x << n) | (x >> (64 - n)); }

// The loops have constant trip counts and are unrolled, so every index is a
// constant and the state stays in registers: the modulo-indexed form this
// replaces ran about 3x slower, and every run hashes its inputs and outputs (a
// traced run every node's outputs too).
void keccak_f1600(uint64_t a[25]) {
  for (int round = 0; round < 24; ++round) {
    uint64_t c[5];
#pragma GCC unroll 5
    for (int x = 0; x < 5; ++x) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
#pragma GCC unroll 5
    for (int x = 0; x < 5; ++x) {
      const uint64_t d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
#pragma GCC unroll 5
      for (int y = 0; y < 25; y += 5) a[y + x] ^= d;
    }
    uint64_t carry = a[1];
#pragma GCC unroll 24
    for (int i = 0; i < 24; ++i) {
      const uint64_t next = a[kPiLanes[i]];
      a[kPiLanes[i]] = rotl(carry, kRotations[i]);
      carry = next;
    }
#pragma GCC unroll 5
    for (int y = 0; y < 25; y += 5) {
      uint64_t row[5];
#pragma GCC unroll 5
      for (int x = 0; x < 5; ++x) row[x] = a[y + x];
#pragma GCC unroll 5
      for (int x = 0; x < 5; ++x) a[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5]);
    }
    a[0] ^= kRoundConstants[round];  // iota
  }
}

// Incremental absorber so large tensors are hashed without building one buffer.
class Keccak256 {
 public:
  void update(const uint8_t* p, size_t n) {
    while (n > 0) {
      size_t take = std::min(n, kRate - fill_);
      std::memcpy(block_ + fill_, p, take);
      fill_ += take;
      p += take;
      n -= take;
      if (fill_ == kRate) absorb();
    }
  }
  Hash32 finish() {
    std::memset(block_ + fill_, 0, kRate - fill_);
    block_[fill_] ^= 0x01;  // Keccak padding (SHA-3 would use 0x06)
    block_[kRate - 1] ^= 0x80;
    absorb();
    Hash32 out;
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 8; ++j) out[size_t(8 * i + j)] = uint8_t(state_[i] >> (8 * j));
    }
    return out;
  }

 private:
  static constexpr size_t kRate = 136;  // 1088-bit rate for a 256-bit output
  void absorb() {
    for (size_t i = 0; i < kRate / 8; ++i) {
      uint64_t lane;  // little-endian lanes (asserted in encode_data)
      std::memcpy(&lane, block_ + 8 * i, 8);
      state_[i] ^= lane;
    }
    keccak_f1600(state_);
    fill_ = 0;
  }
  uint64_t state_[25] = {};
  uint8_t block_[kRate] = {};
  size_t fill_ = 0;
};

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
void put_u64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

constexpr char kMagic[8] = {'A', 'I', 'V', 'M', 'T', 'N', 'S', '1'};

// Header of the encoding: magic, tensor count; per tensor: dtype tag, rank, dims.
// The data bytes follow each tensor's header; see docs/HASHING.md.
void encode_header(std::vector<uint8_t>& out, const Tensor& t) {
  put_u32(out, uint32_t(t.dtype));
  put_u32(out, uint32_t(t.rank()));
  for (int64_t d : t.shape) put_u64(out, uint64_t(d));
}

// Data in little-endian order (this engine only builds for little-endian
// targets), every float NaN (float16, bfloat16, float32, float64) replaced by
// its format's canonical quiet NaN, booleans as one byte 0 or 1, the sub-byte
// types as the canonical byte of their low bits, every other dtype's bytes as they are.
template <class Sink> void encode_data(const Tensor& t, Sink&& sink) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "aivm hashing assumes a little-endian host");
  int64_t n = t.numel();
  uint8_t chunk[4096];
  size_t fill = 0;
  auto flush = [&] {
    sink(chunk, fill);
    fill = 0;
  };
  // Elements as unsigned integers U, each rewritten by f.
  auto put_each = [&](auto u_tag, auto f) {
    using U = decltype(u_tag);
    const U* p = static_cast<const U*>(t.data);
    for (int64_t i = 0; i < n; ++i) {
      const U bits = f(p[i]);
      std::memcpy(chunk + fill, &bits, sizeof(U));
      fill += sizeof(U);
      if (fill == sizeof(chunk)) flush();
    }
  };
  // A NaN is any value above infinity once the sign is cleared.
  auto floats = [&](auto u_tag, math::FloatFormat f) {
    using U = decltype(u_tag);
    const U abs_mask = U(~f.sign_bit()), inf = U(f.inf_bits()), nan = U(f.nan_bits());
    put_each(u_tag, [&](U b) { return U(b & abs_mask) > inf ? nan : b; });
  };
  switch (t.dtype) {
    case DType::F32: floats(uint32_t{}, math::kF32); break;
    case DType::F64: floats(uint64_t{}, math::kF64); break;
    case DType::F16: floats(uint16_t{}, math::kF16); break;
    case DType::BF16: floats(uint16_t{}, math::kBF16); break;
    case DType::BOOL: put_each(uint8_t{}, [](uint8_t b) { return uint8_t(b ? 1 : 0); }); break;
    // float8: E4M3FN's two NaNs (S.1111.111) hash as 0x7F, E5M2's (S.11111.xx, xx != 0) as
    // 0x7E; E4M3FNUZ, E5M2FNUZ and E8M0 have one NaN each (0x80, 0x80, 0xFF).
    case DType::F8E4M3FN: put_each(uint8_t{}, [](uint8_t b) { return uint8_t((b & 0x7F) == 0x7F ? 0x7F : b); }); break;
    case DType::F8E5M2: put_each(uint8_t{}, [](uint8_t b) { return uint8_t((b & 0x7F) > 0x7C ? 0x7E : b); }); break;
    // The sub-byte types: an element byte's low bits only, as Cast reads them (dtype.h).
    case DType::U4: case DType::F4E2M1: put_each(uint8_t{}, [](uint8_t b) { return uint8_t(b & 0xF); }); break;
    case DType::U2: put_each(uint8_t{}, [](uint8_t b) { return uint8_t(b & 0x3); }); break;
    case DType::I4: put_each(uint8_t{}, [](uint8_t b) { return uint8_t(math::sub_byte_int(b, 4, true)); }); break;
    case DType::I2: put_each(uint8_t{}, [](uint8_t b) { return uint8_t(math::sub_byte_int(b, 2, true)); }); break;
    default: sink(static_cast<const uint8_t*>(t.data), t.nbytes());
  }
  if (fill) flush();
}

}  // namespace

Hash32 keccak256(const uint8_t* data, size_t size) {
  Keccak256 k;
  k.update(data, size);
  return k.finish();
}

std::vector<uint8_t> encode_tensors(const std::vector<const Tensor*>& tensors) {
  std::vector<uint8_t> out(kMagic, kMagic + 8);
  put_u32(out, uint32_t(tensors.size()));
  for (const Tensor* t : tensors) {
    encode_header(out, *t);
    encode_data(*t, [&](const uint8_t* p, size_t n) { out.insert(out.end(), p, p + n); });
  }
  return out;
}

Hash32 hash_tensors(const std::vector<const Tensor*>& tensors) {
  fault::inject(fault::Site::HASH, "hash");
  Keccak256 k;
  std::vector<uint8_t> header(kMagic, kMagic + 8);
  put_u32(header, uint32_t(tensors.size()));
  k.update(header.data(), header.size());
  for (const Tensor* t : tensors) {
    header.clear();
    encode_header(header, *t);
    k.update(header.data(), header.size());
    encode_data(*t, [&](const uint8_t* p, size_t n) { k.update(p, n); });
  }
  return k.finish();
}

std::string hex(const Hash32& h) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x";
  for (uint8_t b : h) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

}  // namespace aivm
