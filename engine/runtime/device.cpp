#include "runtime/device.h"

#include <algorithm>

#include <torch/cuda.h>
#include <torch/version.h>

#include "runtime/error.h"

namespace mrti {

bool cuda_available() { return torch::cuda::is_available(); }

c10::Device parse_device(const std::string& raw) {
  std::string name = raw;
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  if (name == "auto") return cuda_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!cuda_available())
      throw Error("device '" + raw + "' was asked for, but no CUDA device is available "
                  "(this LibTorch build has no CUDA support or no GPU was found); use --device cpu");
    int index = 0;
    if (name.size() > 5) {
      try {
        index = std::stoi(name.substr(5));
      } catch (...) {
        throw Error("invalid device '" + raw + "': expected cuda:N");
      }
    }
    if (index < 0 || index >= static_cast<int>(torch::cuda::device_count()))
      throw Error("invalid device '" + raw + "': there are " + std::to_string(torch::cuda::device_count()) +
                  " CUDA devices");
    return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw Error("unknown device '" + raw + "': use cpu, cuda, cuda:N or auto");
}

c10::ScalarType parse_dtype(const std::string& raw, const c10::Device& device) {
  std::string name = raw;
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  if (name == "auto") return device.is_cuda() ? c10::kHalf : c10::kFloat;
  if (name == "fp32" || name == "float32" || name == "float") return c10::kFloat;
  if (name == "bf16" || name == "bfloat16") return c10::kBFloat16;
  if (name == "fp16" || name == "float16" || name == "half") {
    if (!device.is_cuda())
      throw Error("precision fp16 is not supported on the CPU (LibTorch lacks CPU kernels for it); "
                  "use fp32 or bf16");
    return c10::kHalf;
  }
  throw Error("unknown precision '" + raw + "': use fp32, fp16, bf16 or auto");
}

std::string dtype_name(c10::ScalarType dtype) {
  switch (dtype) {
    case c10::kFloat: return "fp32";
    case c10::kHalf: return "fp16";
    case c10::kBFloat16: return "bf16";
    case c10::kDouble: return "fp64";
    case c10::kLong: return "int64";
    case c10::kInt: return "int32";
    case c10::kByte: return "uint8";
    default: return c10::toString(dtype);
  }
}

std::string torch_version() { return TORCH_VERSION; }

}  // namespace mrti
