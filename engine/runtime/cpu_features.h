#pragma once
// What this CPU offers for matrix work, read from /proc/cpuinfo (Linux): the units that set
// how fast LibTorch's oneDNN and fbgemm kernels can run here.
#include <string>

namespace mrti {

struct CpuFeatures {
  std::string model;  // "model name", or "" where unknown
  bool avx2 = false, fma = false, avx512f = false;
  bool avx512_bf16 = false, avx512_vnni = false, avx_vnni = false;
  bool amx_tile = false, amx_bf16 = false, amx_int8 = false;

  // "AVX2 FMA AVX-512 AVX512-BF16 AVX512-VNNI, no AMX"
  std::string summary() const;
};

CpuFeatures cpu_features();
// The same from the text of a /proc/cpuinfo (its first processor's lines).
CpuFeatures parse_cpuinfo(const std::string& text);

}  // namespace mrti
