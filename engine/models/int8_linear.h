#pragma once
// Int8 weights for a model's linear layers (and its 1x1 convolutions, which are linear layers
// on the tokens): each weight quantized per output channel to int8 and packed once for
// LibTorch's quantized kernels (FBGEMM, or oneDNN where this LibTorch has no FBGEMM); each
// call quantizes its input per tensor to uint8 (7 bits on CPUs without VNNI) and returns float,
// so only the matmuls run in int8. For generation only: the quantized kernels have no backward.
#include <cstdint>
#include <string>

#include <ATen/core/Tensor.h>
#include <ATen/core/ivalue.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

namespace mrti {

// The packed int8 weight of one layer, registered under it as the child "int8". The layer
// keeps its float weight (training, saving and parity use it).
class Int8LinearWeightsImpl : public torch::nn::Module {
 public:
  // weight [out, in] (a 1x1 convolution's [out, in, 1, 1] is flattened), bias [out] or undefined.
  Int8LinearWeightsImpl(const at::Tensor& weight, const at::Tensor& bias);
  // x [..., in] of any float dtype -> [..., out] of the same dtype.
  at::Tensor forward(const at::Tensor& x) const;

 private:
  c10::IValue packed_;
  int64_t in_features_ = 0, out_features_ = 0;
  bool reduce_range_ = false;
};

// The layer's int8 weights, or nullptr when it has none.
const Int8LinearWeightsImpl* int8_weights(const torch::nn::Module& layer);

// layer(x) in x's dtype (models/layer_forward.h), with the layer's int8 weights when it has them.
at::Tensor linear(const torch::nn::Linear& layer, const at::Tensor& x);
// conv(x) for a 1x1 convolution and x [B, C, H, W], in x's dtype, with its int8 weights when it has them
// (the result then has x's memory format).
at::Tensor pointwise_conv(const torch::nn::Conv2d& conv, const at::Tensor& x);

// The quantized engine int8 weights use ("FBGEMM", "X86", "ONEDNN"), or "" when this
// LibTorch has none that is faster than float on x86 (QNNPACK is built for ARM phones).
std::string int8_engine();
// int8_engine(), or an mrti::Error saying this LibTorch has no fast int8 kernels.
std::string require_int8_engine();

// Gives every linear layer and 1x1 convolution (stride 1, no groups) of `model` on the CPU int8
// weights; layers that already have them are left as they are. Returns how many layers it gave
// them. Throws mrti::Error when this LibTorch has no fast int8 kernels or the model is not on
// the CPU.
int64_t quantize_linear_layers(torch::nn::Module& model);

}  // namespace mrti
