#pragma once
// The machine's own limit for the work a diffusion model does, measured through this
// LibTorch on this device and thread count: the best rate of a large 3x3 convolution and a
// large matrix product, per dtype. A model's achieved rate is judged against it.
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

namespace mrti {

struct KernelRate {
  std::string what;  // "conv 3x3, 640 channels, 2x32x32, channels_last"
  c10::ScalarType dtype;
  double flops = 0;    // per call
  double seconds = 0;  // best of the timed calls
  double tflops() const { return seconds > 0 ? flops / seconds / 1e12 : 0; }
};

struct MachinePeak {
  std::vector<KernelRate> kernels;
  // The best rate measured for `dtype` (TFLOP/s), 0 when none was measured.
  double tflops(c10::ScalarType dtype) const;
};

// Times each kernel `repeats` times after one warm-up call (about a second per dtype on a
// 2-core CPU); CUDA devices are synchronised around each call.
MachinePeak measure_machine_peak(const c10::Device& device, const std::vector<c10::ScalarType>& dtypes,
                                 int repeats = 3);

}  // namespace mrti
