#pragma once
// LibTorch layers run in the dtype of their input. A bfloat16 model on a CPU without bf16
// units computes in float32 (runtime/bfloat16_math.h): its weights stay bf16 in memory and
// are widened to the input's dtype for each call. Where weights and input agree these are the
// layers' own forward().
#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>

namespace mrti {

// The dtype `module` computes in, and so the dtype its input should have: its weights' dtype,
// or float32 for bfloat16 weights that do float32 arithmetic (runtime/bfloat16_math.h).
c10::ScalarType compute_dtype_of(const torch::nn::Module& module);

// `weight` in x's dtype (undefined stays undefined; the same tensor when they agree).
at::Tensor in_dtype_of(const at::Tensor& weight, const at::Tensor& x);

// x W^T + b. Float32 inference on the CPU runs it as a oneDNN 1x1 convolution over a
// channels_last view of x (no copy): with OpenBLAS kept to one thread beside LibTorch's own
// (runtime/cpu_setup.h) a matrix product uses one core, the convolution all of LibTorch's
// threads: 1.2-2x faster for every linear layer shape of SD and CLIP measured (2 AVX2 cores).
at::Tensor dense_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

at::Tensor conv2d(const torch::nn::Conv2d& conv, const at::Tensor& x);
at::Tensor layer_norm(const torch::nn::LayerNorm& norm, const at::Tensor& x);

}  // namespace mrti
