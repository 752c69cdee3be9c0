#include "models/attention_processor.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include <ATen/ATen.h>

#include "models/fused_cpu_attention.h"
#include "models/group_norm_statistics.h"
#include "models/int8_linear.h"
#include "runtime/error.h"

namespace mrti {

namespace {
std::atomic<int64_t> g_chunk_bytes{kDefaultAttentionChunkBytes};

bool softmax_in_float(const at::Tensor& q, bool upcast) { return upcast || q.scalar_type() == at::kHalf; }

// One block: the scores and probabilities live only for this call.
at::Tensor attention_block(const at::Tensor& q_scaled, const at::Tensor& k_t, const at::Tensor& v, bool float_softmax) {
  at::Tensor scores = at::bmm(q_scaled, k_t);
  at::Tensor probs = float_softmax ? at::softmax(scores, -1, at::kFloat) : at::softmax(scores, -1);
  return at::bmm(probs.to(v.scalar_type()), v);
}
}  // namespace

void set_attention_chunk_bytes(int64_t bytes) { g_chunk_bytes = bytes < 1 ? kDefaultAttentionChunkBytes : bytes; }
int64_t attention_chunk_bytes() { return g_chunk_bytes; }

at::Tensor chunked_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool upcast,
                             int64_t batch_chunk, int64_t query_chunk) {
  TORCH_CHECK(q.dim() == 3 && k.dim() == 3 && v.dim() == 3, "chunked_attention expects [N, L, D] tensors");
  const int64_t n = q.size(0), lq = q.size(1), d = q.size(2);
  batch_chunk = std::clamp<int64_t>(batch_chunk, 1, n);
  query_chunk = std::clamp<int64_t>(query_chunk, 1, lq);
  const bool float_softmax = softmax_in_float(q, upcast);
  // Scaling q instead of the scores touches Lq*D values rather than Lq*Lk.
  const at::Tensor qs = (upcast ? q.to(at::kFloat) : q) * (1.0 / std::sqrt(static_cast<double>(d)));
  const at::Tensor kt = (upcast ? k.to(at::kFloat) : k).transpose(1, 2);
  if (batch_chunk == n && query_chunk == lq) return attention_block(qs, kt, v, float_softmax);

  at::Tensor out = at::empty({n, lq, v.size(2)}, v.options());
  for (int64_t b0 = 0; b0 < n; b0 += batch_chunk) {
    const int64_t nb = std::min(batch_chunk, n - b0);
    const at::Tensor qb = qs.narrow(0, b0, nb), kb = kt.narrow(0, b0, nb), vb = v.narrow(0, b0, nb);
    for (int64_t q0 = 0; q0 < lq; q0 += query_chunk) {
      const int64_t nq = std::min(query_chunk, lq - q0);
      // copy_ into a slice stays differentiable (autograd records it as CopySlices).
      out.narrow(0, b0, nb).narrow(1, q0, nq).copy_(attention_block(qb.narrow(1, q0, nq), kb, vb, float_softmax));
    }
  }
  return out;
}

at::Tensor chunked_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool upcast,
                             int64_t max_score_bytes) {
  const int64_t lq = q.size(1), lk = k.size(1);
  const bool float_softmax = softmax_in_float(q, upcast);
  const int64_t score_bytes = upcast ? 4 : static_cast<int64_t>(q.element_size());
  const int64_t prob_bytes = float_softmax ? 4 + static_cast<int64_t>(v.element_size()) : score_bytes;
  const int64_t row_bytes = std::max<int64_t>(1, lk * (score_bytes + prob_bytes));
  const int64_t rows = std::max<int64_t>(1, max_score_bytes / row_bytes);
  if (rows >= lq) return chunked_attention(q, k, v, upcast, rows / lq, lq);
  return chunked_attention(q, k, v, upcast, 1, rows);
}

at::Tensor multi_head_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                                bool upcast) {
  const int64_t b = q.size(0), lq = q.size(1), inner = q.size(2), lk = k.size(1);
  const int64_t d = inner / heads;
#ifdef MRTI_TORCH2
  (void)upcast;  // the fused kernels accumulate in float32 (diffusers' AttnProcessor2_0 ignores it too)
  auto split = [&](const at::Tensor& t, int64_t len) { return t.reshape({b, len, heads, d}).transpose(1, 2); };
  const at::Tensor out = at::scaled_dot_product_attention(split(q, lq), split(k, lk), split(v, lk));
  return out.transpose(1, 2).reshape({b, lq, inner});
#else
  if (fused_cpu_attention_applies(q, k, v, heads)) return fused_cpu_attention(q, k, v, heads);
  auto split = [&](const at::Tensor& t, int64_t len) {
    return t.reshape({b, len, heads, d}).transpose(1, 2).reshape({b * heads, len, d});
  };
  const at::Tensor out =
      chunked_attention(split(q, lq), split(k, lk), split(v, lk), upcast, attention_chunk_bytes());
  return out.view({b, heads, lq, d}).transpose(1, 2).reshape({b, lq, inner});
#endif
}

AttentionImpl::AttentionImpl(const AttentionOptions& options) : options_(options) {
  const int64_t inner = options.heads * options.dim_head;
  const int64_t kv_dim = options.cross_attention_dim > 0 ? options.cross_attention_dim : options.query_dim;
  if (options.norm_num_groups > 0)
    group_norm = register_module(
        "group_norm",
        torch::nn::GroupNorm(torch::nn::GroupNormOptions(options.norm_num_groups, options.query_dim).eps(options.norm_eps)));
  to_q = register_module("to_q", torch::nn::Linear(torch::nn::LinearOptions(options.query_dim, inner).bias(options.bias)));
  to_k = register_module("to_k", torch::nn::Linear(torch::nn::LinearOptions(kv_dim, inner).bias(options.bias)));
  to_v = register_module("to_v", torch::nn::Linear(torch::nn::LinearOptions(kv_dim, inner).bias(options.bias)));
  out_proj_ = torch::nn::Linear(torch::nn::LinearOptions(inner, options.query_dim).bias(options.out_bias));
  to_out = register_module("to_out", torch::nn::ModuleList(out_proj_));
}

at::Tensor AttentionImpl::forward(const at::Tensor& hidden_states, const at::Tensor& encoder_hidden_states) {
  const bool spatial = hidden_states.dim() == 4;
  at::Tensor x = hidden_states;
  if (group_norm) x = spatial ? mrti::group_norm(group_norm, x) : mrti::group_norm(group_norm, x.transpose(1, 2)).transpose(1, 2);
  if (spatial) x = x.flatten(2).transpose(1, 2);  // [B, H*W, C]; a view for channels_last input
  const at::Tensor& context = encoder_hidden_states.defined() ? encoder_hidden_states : x;

  at::Tensor out = multi_head_attention(linear(to_q, x), linear(to_k, context), linear(to_v, context),
                                        options_.heads, options_.upcast);
  out = linear(out_proj_, out);
  if (spatial) out = out.transpose(1, 2).reshape(hidden_states.sizes());
  if (options_.residual_connection) out = out + hidden_states;
  if (options_.rescale_output_factor != 1.0) out = out / options_.rescale_output_factor;
  return out;
}

}  // namespace mrti
