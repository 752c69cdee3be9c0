#include "models/embeddings.h"

#include <cmath>

#include <ATen/ATen.h>

#include "models/int8_linear.h"

namespace mrti {

at::Tensor get_timestep_embedding(const at::Tensor& timesteps, int64_t embedding_dim, bool flip_sin_to_cos,
                                  double downscale_freq_shift, double scale, double max_period) {
  TORCH_CHECK(timesteps.dim() == 1, "timesteps must be one-dimensional");
  const int64_t half_dim = embedding_dim / 2;
  // The same float32 operations in the same order as diffusers, so the phases of
  // large timesteps (t * freq ~ 1000) round identically.
  at::Tensor exponent = at::arange(0, half_dim, timesteps.options().dtype(at::kFloat)) * (-std::log(max_period));
  exponent = exponent / (static_cast<double>(half_dim) - downscale_freq_shift);
  at::Tensor emb = timesteps.to(at::kFloat).unsqueeze(1) * at::exp(exponent).unsqueeze(0);
  if (scale != 1.0) emb = emb * scale;
  emb = flip_sin_to_cos ? at::cat({at::cos(emb), at::sin(emb)}, -1) : at::cat({at::sin(emb), at::cos(emb)}, -1);
  if (embedding_dim % 2 == 1) emb = at::constant_pad_nd(emb, {0, 1, 0, 0}, 0);
  return emb;
}

TimestepsImpl::TimestepsImpl(int64_t num_channels, bool flip_sin_to_cos, double downscale_freq_shift)
    : num_channels_(num_channels), flip_sin_to_cos_(flip_sin_to_cos), downscale_freq_shift_(downscale_freq_shift) {}

at::Tensor TimestepsImpl::forward(const at::Tensor& timesteps) {
  return get_timestep_embedding(timesteps, num_channels_, flip_sin_to_cos_, downscale_freq_shift_);
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t in_channels, int64_t time_embed_dim, Activation act)
    : act_(act) {
  linear_1 = register_module("linear_1", torch::nn::Linear(in_channels, time_embed_dim));
  linear_2 = register_module("linear_2", torch::nn::Linear(time_embed_dim, time_embed_dim));
}

at::Tensor TimestepEmbeddingImpl::forward(const at::Tensor& sample) {
  return linear(linear_2, activate(linear(linear_1, sample), act_));
}

}  // namespace mrti
