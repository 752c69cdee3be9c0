#pragma once
// diffusers models/embeddings.py: sinusoidal timestep embeddings and their MLP.
#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/resnet.h"

namespace mrti {

// timesteps [B] (any int or float dtype) -> float32 [B, dim], as diffusers computes it.
at::Tensor get_timestep_embedding(const at::Tensor& timesteps, int64_t embedding_dim, bool flip_sin_to_cos,
                                  double downscale_freq_shift, double scale = 1.0, double max_period = 10000.0);

// No parameters; SD uses flip_sin_to_cos = true and downscale_freq_shift = 0.
class TimestepsImpl : public torch::nn::Module {
 public:
  TimestepsImpl(int64_t num_channels, bool flip_sin_to_cos, double downscale_freq_shift);
  at::Tensor forward(const at::Tensor& timesteps);

 private:
  int64_t num_channels_;
  bool flip_sin_to_cos_;
  double downscale_freq_shift_;
};
TORCH_MODULE(Timesteps);

// Keys: linear_1, linear_2 (with the activation between them).
class TimestepEmbeddingImpl : public torch::nn::Module {
 public:
  TimestepEmbeddingImpl(int64_t in_channels, int64_t time_embed_dim, Activation act = Activation::SiLU);
  at::Tensor forward(const at::Tensor& sample);

  torch::nn::Linear linear_1{nullptr}, linear_2{nullptr};

 private:
  Activation act_;
};
TORCH_MODULE(TimestepEmbedding);

}  // namespace mrti
