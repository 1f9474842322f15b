// Program files: a lowered kernel program (exported by `aivm export`) plus one
// input vector and its expected output hash, so the standalone self-test can run
// whole kernels on targets without Node (issue 4). Format (all little-endian):
//   "AIVMPRG1"
//   u32 n, then n values:      u8 dtype (ONNX code: 1 f32, 6 i32, 7 i64, 9 bool), u8 rank, i64 dims[rank]
//   u32 n, then n constants:   u32 value id, u64 byte count, the bytes
//   u32 n, then n inputs:      u32 value id, u64 byte count, the bytes (the vector's data)
//   u32 n, then n output ids:  u32 each
//   u32 n, then n nodes:       str name, str op, u32 k + i32 input ids (-1 omitted),
//                              u32 k + i32 output ids, u32 k attributes:
//                              str name, u8 kind (0 int, 1 float, 2 string, 3 ints, 4 floats), payload
//                              (i64 | f32 bits | str | u32 k + i64s | u32 k + f32 bits)
//   str expected output hash ("0x" + 64 hex), str kernel name, str vector name
//   str = u32 length + bytes. Every count and length is checked against the bytes left.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/program.h"

namespace aivm {

struct ProgramFile {
  ProgramSpec spec;
  std::vector<Tensor> inputs;  // in spec.inputs order
  std::string expected_hash, kernel, vector;
};

// Throws aivm::Error (E_ARG) naming what is wrong and where; never reads past the end.
ProgramFile read_program_file(const std::vector<uint8_t>& bytes);

}  // namespace aivm
