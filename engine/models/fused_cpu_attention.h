#pragma once
// Multi-head attention for float32 inference on x86 CPUs with AVX2 and FMA, one pass per
// block of queries: their scores over all keys stay in the core's L2 cache, the softmax runs
// on them there, and the product with the values follows before the next block. LibTorch 1.x
// has no fused CPU attention; its bmm with a head size of 40 runs at a fraction of the
// machine's rate, and the score matrix of a 64x64 latent (4096 x 4096 per head) goes to
// memory and back three times.
#include <cstdint>

#include <ATen/core/Tensor.h>

namespace mrti {

// Whether fused_cpu_attention takes these inputs: float32 tensors [B, L, H*D] on the CPU, no
// gradient wanted, D a multiple of 8 up to 256, and a CPU with AVX2 and FMA.
bool fused_cpu_attention_applies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads);

// softmax(q_h k_h^T / sqrt(D)) v_h for each head h of q [B, Lq, H*D] and k, v [B, Lk, H*D];
// returns [B, Lq, H*D]. Throws mrti::Error where fused_cpu_attention_applies is false.
at::Tensor fused_cpu_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads);

}  // namespace mrti
