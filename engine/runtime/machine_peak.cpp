#include "runtime/machine_peak.h"

#include <algorithm>
#include <chrono>
#include <functional>

#include <torch/cuda.h>
#include <torch/torch.h>

namespace mrti {

double MachinePeak::tflops(c10::ScalarType dtype) const {
  double best = 0;
  for (const auto& k : kernels)
    if (k.dtype == dtype) best = std::max(best, k.tflops());
  return best;
}

namespace {

double best_seconds(const c10::Device& device, int repeats, const std::function<void()>& fn) {
  const auto sync = [&] {
    if (device.is_cuda()) torch::cuda::synchronize(device.index());
  };
  fn();  // warm-up: oneDNN builds its kernel on the first call
  sync();
  double best = 1e30;
  for (int i = 0; i < std::max(1, repeats); ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    sync();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

MachinePeak measure_machine_peak(const c10::Device& device, const std::vector<c10::ScalarType>& dtypes, int repeats) {
  torch::NoGradGuard no_grad;
  MachinePeak peak;
  // Shapes of the UNet's middle resolution at 512x512 (640 channels on 32x32 latents, a
  // guided batch of 2), and a square product as large as its attention projections.
  const int64_t channels = device.is_cuda() ? 1280 : 640, side = 32, batch = device.is_cuda() ? 8 : 2;
  const int64_t n = device.is_cuda() ? 8192 : 2048;
  for (const auto dtype : dtypes) {
    const auto opts = torch::TensorOptions().device(device).dtype(dtype);
    for (const bool channels_last : {true, false}) {
      const auto format = channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
      const auto x = torch::randn({batch, channels, side, side}, opts).contiguous(format);
      const auto w = torch::randn({channels, channels, 3, 3}, opts).contiguous(format) * 0.01;
      KernelRate k;
      k.what = "conv 3x3, " + std::to_string(channels) + " channels, " + std::to_string(batch) + "x" +
               std::to_string(side) + "x" + std::to_string(side) + (channels_last ? ", channels_last" : ", contiguous");
      k.dtype = dtype;
      k.flops = 2.0 * double(batch * channels * side * side) * double(channels * 9);
      k.seconds = best_seconds(device, repeats, [&] { at::conv2d(x, w, {}, 1, 1); });
      peak.kernels.push_back(k);
    }
    const auto a = torch::randn({n, n}, opts), b = torch::randn({n, n}, opts);
    KernelRate k;
    k.what = "matrix product " + std::to_string(n) + "x" + std::to_string(n) + "x" + std::to_string(n);
    k.dtype = dtype;
    k.flops = 2.0 * double(n) * double(n) * double(n);
    k.seconds = best_seconds(device, repeats, [&] { at::mm(a, b); });
    peak.kernels.push_back(k);
  }
  return peak;
}

}  // namespace mrti
