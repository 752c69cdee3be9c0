#include "models/layer_forward.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/enum.h>
#include <torch/nn/functional/conv.h>
#include <torch/nn/functional/normalization.h>

#include "runtime/bfloat16_math.h"
#include "runtime/error.h"

namespace mrti {

namespace F = torch::nn::functional;

c10::ScalarType compute_dtype_of(const torch::nn::Module& module) {
  const auto parameters = module.parameters();
  if (parameters.empty()) throw Error("a model part without weights has no compute dtype");
  const at::Tensor& p = parameters.front();
  return compute_dtype(p.device(), p.scalar_type());
}

at::Tensor in_dtype_of(const at::Tensor& weight, const at::Tensor& x) {
  if (!weight.defined() || weight.scalar_type() == x.scalar_type()) return weight;
  return weight.to(x.scalar_type());
}

at::Tensor dense_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  const bool wants_grad =
      at::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad()));
  if (!x.device().is_cpu() || x.scalar_type() != at::kFloat || weight.scalar_type() != at::kFloat || wants_grad ||
      !at::hasMKLDNN() || x.dim() < 1 || weight.dim() != 2 || x.size(-1) != weight.size(1) || x.numel() == 0)
    return at::linear(x, weight, bias);
  const int64_t features = x.size(-1), rows = x.numel() / features, outputs = weight.size(0);
  // [rows, features] row-major is [1, features, rows, 1] in channels_last: the same memory.
  const at::Tensor image = x.contiguous().view({1, rows, 1, features}).permute({0, 3, 1, 2});
  const at::Tensor y = at::conv2d(image, weight.view({outputs, features, 1, 1}), bias);
  auto shape = x.sizes().vec();
  shape.back() = outputs;
  return y.permute({0, 2, 3, 1}).reshape(shape);
}

at::Tensor conv2d(const torch::nn::Conv2d& conv, const at::Tensor& x) {
  if (conv->weight.scalar_type() == x.scalar_type()) return conv.ptr()->forward(x);
  const auto& o = conv->options;
  if (torch::enumtype::get_enum_name(o.padding_mode()) != "kZeros")
    throw Error("convolution: only zero padding runs with weights of another dtype than its input");
  return F::conv2d(x, in_dtype_of(conv->weight, x),
                   F::Conv2dFuncOptions()
                       .bias(in_dtype_of(conv->bias, x))
                       .stride(o.stride())
                       .padding(o.padding())
                       .dilation(o.dilation())
                       .groups(o.groups()));
}

at::Tensor layer_norm(const torch::nn::LayerNorm& norm, const at::Tensor& x) {
  if (!norm->weight.defined() || norm->weight.scalar_type() == x.scalar_type()) return norm.ptr()->forward(x);
  const auto& o = norm->options;
  return at::layer_norm(x, o.normalized_shape(), in_dtype_of(norm->weight, x), in_dtype_of(norm->bias, x), o.eps());
}

}  // namespace mrti
