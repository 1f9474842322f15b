// The one GEMM engine behind MatMul, Gemm and Conv (BLIS-style blocking).
//
// Contract (docs/numerics/matmul.md): every output C[i,j] is ONE fma chain over
// k = 0..K-1 in increasing order, starting from acc = -0:
//     acc = fma(A[i,k], B[k,j], acc)
// and K == 0 gives +0. Nothing here may change that order:
//  - SIMD lanes hold different j (or i); threads take disjoint output blocks;
//  - k is blocked by KC, but the partial acc of a block is stored into C as a
//    float (exact) and the next block continues the same chain from it;
//  - packed panels are padded with zeros past M and N; padded rows/columns only
//    produce outputs that are thrown away (edge tiles go through a local
//    buffer), so they never enter a valid output's chain. K is never padded.
// The portable micro-kernel (scalar, NEON) does the same chain with
// math::fma_f32, so every ISA gives the same bits by construction.
//
// Included only from files compiled once per ISA (native/cpu/ops/*.cc).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "ops/op.h"
#include "cpu/isa.h"
#include "math/fma.h"

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

namespace aivm::cpu::AIVM_ISA_NS {
namespace gemm {

// Register tile MR x NR and cache blocks. None of these affects a bit.
#if defined(__AVX512F__)
constexpr int MR = 6;  // 24 zmm accumulators + 4 for B + 1 broadcast (best measured on Zen 4)
constexpr int NR = 64;
constexpr int64_t KC = 512;
constexpr int64_t MC = MR * 12;
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int MR = 6;  // 12 ymm accumulators + 2 for B + 1 broadcast
constexpr int NR = 16;
constexpr int64_t KC = 512;
constexpr int64_t MC = MR * 24;
#else
constexpr int MR = 4;
constexpr int NR = 16;
constexpr int64_t KC = 256;
constexpr int64_t MC = MR * 32;
#endif
// Columns per packed B block (kc x NC floats, in L2/L3); each A tile of the
// block reuses it.
constexpr int64_t NC = 512;

// ---- Micro-kernels ------------------------------------------------------------
// c[r*ldc + j] (r < MR, j < NR) = chain continued over kc steps of the packed
// panels a (kc x MR, k-major) and b (kc x NR, k-major). first: the chain starts
// at -0 (else it continues from the floats already in c).

#if defined(__AVX512F__)
inline void ukernel(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict c,
                    int64_t ldc, bool first) {
  constexpr int NV = NR / 16;
  __m512 acc[MR][NV];
  if (first) {
    const __m512 z = _mm512_set1_ps(-0.0f);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = z;
  } else {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_loadu_ps(c + r * ldc + 16 * v);
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_load_ps(b + 16 * v);
    _mm_prefetch(reinterpret_cast<const char*>(a + 8 * MR), _MM_HINT_T0);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const __m512 av = _mm512_set1_ps(a[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm512_storeu_ps(c + r * ldc + 16 * v, acc[r][v]);
}
#elif defined(__AVX2__) && defined(__FMA__)
inline void ukernel(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict c,
                    int64_t ldc, bool first) {
  __m256 acc0[MR], acc1[MR];
  if (first) {
    const __m256 z = _mm256_set1_ps(-0.0f);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) acc0[r] = acc1[r] = z;
  } else {
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      acc0[r] = _mm256_loadu_ps(c + r * ldc);
      acc1[r] = _mm256_loadu_ps(c + r * ldc + 8);
    }
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * NR), _MM_HINT_T0);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r);
      acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
      acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_ps(c + r * ldc, acc0[r]);
    _mm256_storeu_ps(c + r * ldc + 8, acc1[r]);
  }
}
#else
// Portable: the same chain, one math::fma_f32 per step (software fma on the
// scalar backend, fmadd on AArch64).
inline void ukernel(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict c,
                    int64_t ldc, bool first) {
  float acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j) acc[r][j] = first ? -0.0f : c[r * ldc + j];
  for (int64_t k = 0; k < kc; ++k) {
    for (int r = 0; r < MR; ++r) {
      const float av = a[r];
      for (int j = 0; j < NR; ++j) acc[r][j] = math::fma_f32(av, b[j], acc[r][j]);
    }
    a += MR;
    b += NR;
  }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j) c[r * ldc + j] = acc[r][j];
}
#endif

// ---- Scratch ------------------------------------------------------------------
// Packing buffers, one pair per thread, grown on demand and reused (a fresh
// allocation per call would page-fault on every run). Per thread, so safe for
// the engine's threads and for Node worker threads alike.
struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};
struct Scratch {
  std::unique_ptr<float, AlignedFree> buf;
  size_t cap = 0;
  float* get(size_t n) {
    if (n > cap) {
      size_t bytes = ((n * sizeof(float)) + 63) / 64 * 64;
      buf.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
      if (!buf) throw std::bad_alloc();
      cap = bytes / sizeof(float);
    }
    return buf.get();
  }
};
inline Scratch& scratch_a() {
  thread_local Scratch s;
  return s;
}
inline Scratch& scratch_b() {
  thread_local Scratch s;
  return s;
}

// ---- Packing ------------------------------------------------------------------
// A packer fills ceil(mc/MR) panels of kc x MR (rows past mc are 0) from rows
// [i0, i0+mc) and k in [k0, k0+kc); a B packer fills ceil(nc/NR) panels of
// kc x NR (columns past nc are 0). The strided ones read a matrix element (i,k)
// at p[i*rs + k*cs].
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
// Full 6-row panel from row-major rows (stride rs): d[k*6 + r] = s[r*rs + k],
// PW k at a time by permutes (a pure copy, so no bit depends on it).
#if defined(__AVX512F__)
constexpr int PW = 16;
#else
constexpr int PW = 8;
#endif
struct APack6Tables {
  alignas(64) int32_t idx[6][PW];
  alignas(64) int32_t sel[6][6][PW];  // all-ones where lane comes from row r
  uint16_t mask[6][6];
};
inline const APack6Tables& apack6_tables() {
  static const APack6Tables t = [] {
    APack6Tables t{};
    for (int j = 0; j < 6; ++j)
      for (int l = 0; l < PW; ++l) {
        const int e = PW * j + l;
        t.idx[j][l] = e / 6;
        t.mask[j][e % 6] = uint16_t(t.mask[j][e % 6] | (1u << l));
        t.sel[j][e % 6][l] = -1;
      }
    return t;
  }();
  return t;
}
inline void pack_a6(const float* s, int64_t rs, int64_t kc, float* d) {
  const APack6Tables& t = apack6_tables();
  int64_t k = 0;
  for (; k + PW <= kc; k += PW) {
#if defined(__AVX512F__)
    __m512 row[6];
    for (int r = 0; r < 6; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(s + r * rs + k + 128), _MM_HINT_T0);
      row[r] = _mm512_loadu_ps(s + r * rs + k);
    }
    for (int j = 0; j < 6; ++j) {
      const __m512i idx = _mm512_load_si512(t.idx[j]);
      __m512 o = _mm512_maskz_permutexvar_ps(__mmask16(t.mask[j][0]), idx, row[0]);
      for (int r = 1; r < 6; ++r) o = _mm512_mask_permutexvar_ps(o, __mmask16(t.mask[j][r]), idx, row[r]);
      _mm512_storeu_ps(d + k * 6 + PW * j, o);
    }
#else
    __m256 row[6];
    for (int r = 0; r < 6; ++r) {
      if ((k & 15) == 0) _mm_prefetch(reinterpret_cast<const char*>(s + r * rs + k + 128), _MM_HINT_T0);
      row[r] = _mm256_loadu_ps(s + r * rs + k);
    }
    for (int j = 0; j < 6; ++j) {
      const __m256i idx = _mm256_load_si256(reinterpret_cast<const __m256i*>(t.idx[j]));
      __m256 o = _mm256_permutevar8x32_ps(row[0], idx);
      for (int r = 1; r < 6; ++r)
        o = _mm256_blendv_ps(o, _mm256_permutevar8x32_ps(row[r], idx),
                             _mm256_load_ps(reinterpret_cast<const float*>(t.sel[j][r])));
      _mm256_storeu_ps(d + k * 6 + PW * j, o);
    }
#endif
  }
  for (; k < kc; ++k)
    for (int r = 0; r < 6; ++r) d[k * 6 + r] = s[r * rs + k];
}
#endif

struct StridedA {
  const float* p;
  int64_t rs, cs;
  void operator()(int64_t i0, int64_t mc, int64_t k0, int64_t kc, float* dst) const {
    for (int64_t ip = 0; ip < mc; ip += MR) {
      int64_t rows = std::min<int64_t>(MR, mc - ip);
      float* d = dst + ip * kc;
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
      if (cs == 1 && rows == MR && MR == 6) {
        pack_a6(p + (i0 + ip) * rs + k0, rs, kc, d);
        continue;
      }
#endif
      for (int64_t r = 0; r < rows; ++r) {
        const float* s = p + (i0 + ip + r) * rs + k0 * cs;
        if (cs == 1) {
          for (int64_t k = 0; k < kc; ++k) d[k * MR + r] = s[k];
        } else {
          for (int64_t k = 0; k < kc; ++k) d[k * MR + r] = s[k * cs];
        }
      }
      for (int64_t r = rows; r < MR; ++r)
        for (int64_t k = 0; k < kc; ++k) d[k * MR + r] = 0.0f;
    }
  }
};

struct StridedB {
  const float* p;
  int64_t rs, cs;  // element (k, j) at p[k*rs + j*cs]
  void operator()(int64_t j0, int64_t nc, int64_t k0, int64_t kc, float* dst) const {
    for (int64_t jp = 0; jp < nc; jp += NR) {
      int64_t cols = std::min<int64_t>(NR, nc - jp);
      float* d = dst + jp * kc;
      if (cs == 1) {
        for (int64_t k = 0; k < kc; ++k) {
          const float* s = p + (k0 + k) * rs + j0 + jp;
          float* dk = d + k * NR;
          if (cols == NR) {
            std::memcpy(dk, s, sizeof(float) * NR);
          } else {
            for (int64_t j = 0; j < cols; ++j) dk[j] = s[j];
            for (int64_t j = cols; j < NR; ++j) dk[j] = 0.0f;
          }
        }
      } else {
        for (int64_t j = 0; j < cols; ++j) {
          const float* s = p + (j0 + jp + j) * cs + k0 * rs;
          for (int64_t k = 0; k < kc; ++k) d[k * NR + j] = s[k * rs];
        }
        for (int64_t k = 0; k < kc; ++k)
          for (int64_t j = cols; j < NR; ++j) d[k * NR + j] = 0.0f;
      }
    }
  }
};

// ---- One output block -------------------------------------------------------
// Computes C[i, j] (row stride ldc) for i in [m0, m1), j in [n0, n1): the raw
// chain value acc (no epilogue). pack_a / pack_b are packers as above.
// control (may be null) is checked before each MC x NR x KC panel (at most
// ~0.6 M multiply-adds: well under a millisecond even on scalar), so one large
// GEMM can be stopped too. The check costs a load and a clock read.
template <class PackA, class PackB>
void gemm_block(int64_t m0, int64_t m1, int64_t n0, int64_t n1, int64_t K, const PackA& pack_a,
                const PackB& pack_b, float* C, int64_t ldc, const RunControl* control = nullptr) {
  if (m1 <= m0 || n1 <= n0) return;
  if (K == 0) {
    for (int64_t i = m0; i < m1; ++i)
      for (int64_t j = n0; j < n1; ++j) C[i * ldc + j] = 0.0f;
    return;
  }
  const int64_t kc_max = std::min(KC, K);
  const int64_t mc_max = (std::min(MC, m1 - m0) + MR - 1) / MR * MR;  // whole panels
  const int64_t nc_max = (std::min(NC, n1 - n0) + NR - 1) / NR * NR;
  float* bp = scratch_b().get(size_t(kc_max * nc_max));
  float* ap = scratch_a().get(size_t(kc_max * mc_max));
  alignas(64) float edge[MR * NR];
  for (int64_t jc = n0; jc < n1; jc += NC) {
    const int64_t nc = std::min(NC, n1 - jc);
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc);
      const bool first = pc == 0;
      pack_b(jc, nc, pc, kc, bp);
      for (int64_t ic = m0; ic < m1; ic += MC) {
        const int64_t mc = std::min(MC, m1 - ic);
        pack_a(ic, mc, pc, kc, ap);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          if (control) control->check();
          const int64_t nr = std::min<int64_t>(NR, nc - jr);
          const float* bpanel = bp + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int64_t mr = std::min<int64_t>(MR, mc - ir);
            float* ct = C + (ic + ir) * ldc + jc + jr;
            const float* apanel = ap + ir * kc;
            if (mr == MR && nr == NR) {
              ukernel(kc, apanel, bpanel, ct, ldc, first);
            } else {
              if (!first) {
                for (int64_t r = 0; r < mr; ++r)
                  for (int64_t j = 0; j < nr; ++j) edge[r * NR + j] = ct[r * ldc + j];
              }
              ukernel(kc, apanel, bpanel, edge, NR, first);
              for (int64_t r = 0; r < mr; ++r)
                for (int64_t j = 0; j < nr; ++j) ct[r * ldc + j] = edge[r * NR + j];
            }
          }
        }
      }
    }
  }
}

// ---- Work split -----------------------------------------------------------------
// Splits `batch` independent GEMMs of M x N (x K) into work items (b, m0, m1,
// n0, n1) over the engine threads. Items are disjoint output blocks, so any
// split gives the same bits; this only balances the load.
template <class Item>
void run_batched(const OpContext& ctx, int64_t batch, int64_t M, int64_t N, int64_t K, const Item& item) {
  if (batch == 0 || M == 0 || N == 0) return;
  const int threads = std::max(1, ctx.threads);
  const int64_t mtiles = (M + MR - 1) / MR, ntiles = (N + NR - 1) / NR;
  // Parts per GEMM so that batch * parts spreads evenly over the threads.
  int64_t parts = 1;
  if (threads > 1) {
    int64_t g = batch, t = threads;
    while (t) { int64_t r = g % t; g = t; t = r; }  // gcd(batch, threads)
    parts = threads / g;
    const double flops = double(M) * double(N) * double(std::max<int64_t>(K, 1));
    if (flops < 65536.0) parts = 1;
  }
  // Column blocks share nothing but A's packing; prefer them unless N is narrow.
  const bool split_n = ntiles >= 4 * parts || ntiles >= mtiles;
  const int64_t tiles = split_n ? ntiles : mtiles;
  parts = std::max<int64_t>(1, std::min(parts, tiles));
  const double work = double(batch) * double(M) * double(N) * double(std::max<int64_t>(K, 1));
  const int64_t min_chunk = work < 65536.0 ? batch * parts : 1;
  ctx.parallel_for(batch * parts, min_chunk, [&](int64_t begin, int64_t end) {
    for (int64_t w = begin; w < end; ++w) {
      const int64_t b = w / parts, p = w % parts;
      const int64_t t0 = tiles * p / parts, t1 = tiles * (p + 1) / parts;
      if (split_n) {
        item(b, int64_t(0), M, std::min(N, t0 * NR), std::min(N, t1 * NR));
      } else {
        item(b, std::min(M, t0 * MR), std::min(M, t1 * MR), int64_t(0), N);
      }
    }
  });
}

}  // namespace gemm
}  // namespace aivm::cpu::AIVM_ISA_NS
