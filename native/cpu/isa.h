// Included first by every file compiled once per ISA. The build defines
// AIVM_ISA_NS (scalar, avx2, avx512, neon) and that ISA's -m flags for these
// files only; everything they define lives in aivm::cpu::AIVM_ISA_NS, so the
// copies never collide when linked into one binary.
#pragma once

#ifndef AIVM_ISA_NS
#error "AIVM_ISA_NS must be defined by the build for files under native/cpu/ops"
#endif

#define AIVM_ISA_STR_(x) #x
#define AIVM_ISA_STR(x) AIVM_ISA_STR_(x)
#define AIVM_ISA_NAME AIVM_ISA_STR(AIVM_ISA_NS)
