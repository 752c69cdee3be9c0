#pragma once
// Token merging for Stable Diffusion (ToMe, Bolya & Hoffman 2023, as tomesd applies it): in
// the transformer blocks at the UNet's highest resolution, self-attention runs on fewer
// tokens. Every 2x2 window of the token grid keeps one randomly chosen destination token; the
// `ratio` * N source tokens most similar (cosine) to a destination are averaged into it before
// the attention and take its result back after.
#include <cstdint>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace mrti {

struct TokenMergeSettings {
  double ratio = 0;                   // of all tokens, merged away; 0 = off
  int64_t latent_height = 0, latent_width = 0;  // the grid merging applies to
  uint64_t seed = 0;                  // of the destination choice
};

// While alive, transformer blocks on this thread whose token grid is the latent's merge
// tokens (Transformer2DModel reads it through active_token_merge()).
class TokenMergeScope {
 public:
  explicit TokenMergeScope(const TokenMergeSettings& settings);
  ~TokenMergeScope();
  TokenMergeScope(const TokenMergeScope&) = delete;
  TokenMergeScope& operator=(const TokenMergeScope&) = delete;

 private:
  const TokenMergeSettings* previous_;
  TokenMergeSettings settings_;
};

const TokenMergeSettings* active_token_merge();

class TokenMerge {
 public:
  // metric [B, h*w, C]: the tokens whose similarity decides; r: tokens to merge away.
  TokenMerge(const at::Tensor& metric, int64_t h, int64_t w, int64_t r, at::Generator& generator);
  at::Tensor merge(const at::Tensor& x) const;    // [B, N, C] -> [B, N - r, C]
  at::Tensor unmerge(const at::Tensor& x) const;  // [B, N - r, C] -> [B, N, C]

 private:
  int64_t batch_ = 0, tokens_ = 0, r_ = 0;
  at::Tensor src_idx_, dst_idx_;  // [1, Ns, 1] and [1, Nd, 1]: which tokens are sources and destinations
  at::Tensor unm_idx_, merged_idx_, target_idx_;  // [B, *, 1]: kept and merged sources, and each one's destination
};

}  // namespace mrti
