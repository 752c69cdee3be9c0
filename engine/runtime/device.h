#pragma once
// Device and precision choice from user-facing names ("cpu", "cuda", "fp16" ...).
#include <string>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

namespace mrti {

// "cpu", "cuda", "cuda:N" or "auto" (CUDA when present). Asking for CUDA where there
// is none is an error that says so.
c10::Device parse_device(const std::string& name);

// "fp32"/"float32", "fp16"/"float16"/"half", "bf16"/"bfloat16", or "auto": float16 on
// CUDA, float32 on the CPU. Half precision on the CPU is refused (LibTorch has no CPU
// kernels for much of it); bfloat16 on the CPU is allowed.
c10::ScalarType parse_dtype(const std::string& name, const c10::Device& device);

std::string dtype_name(c10::ScalarType dtype);  // "fp32", "fp16", "bf16", ...
std::string torch_version();                     // e.g. "1.13.1"
bool cuda_available();

}  // namespace mrti
