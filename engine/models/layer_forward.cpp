#include "models/layer_forward.h"

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
