#include "models/token_merging.h"

#include <algorithm>

#include <ATen/ATen.h>

namespace mrti {

namespace {
thread_local const TokenMergeSettings* active = nullptr;
}

TokenMergeScope::TokenMergeScope(const TokenMergeSettings& settings) : previous_(active), settings_(settings) {
  active = &settings_;
}
TokenMergeScope::~TokenMergeScope() { active = previous_; }
const TokenMergeSettings* active_token_merge() { return active; }

TokenMerge::TokenMerge(const at::Tensor& metric, int64_t h, int64_t w, int64_t r, at::Generator& generator) {
  at::NoGradGuard no_grad;
  batch_ = metric.size(0);
  tokens_ = metric.size(1);
  const int64_t hs = h / 2, ws = w / 2, num_dst = hs * ws;
  r_ = std::clamp<int64_t>(r, 0, tokens_ - num_dst);
  if (r_ <= 0 || num_dst == 0 || tokens_ != h * w) {
    r_ = 0;
    return;
  }
  const auto long_cpu = at::TensorOptions().dtype(at::kLong);
  // -1 marks each window's destination, 0 the sources; rows and columns past an even size
  // stay sources. A stable argsort then lists destinations first.
  const at::Tensor choice = at::randint(4, {hs, ws, 1}, generator, long_cpu);
  at::Tensor window = at::zeros({hs, ws, 4}, long_cpu).scatter_(2, choice, -1);
  window = window.view({hs, ws, 2, 2}).transpose(1, 2).reshape({hs * 2, ws * 2});
  at::Tensor grid = at::zeros({h, w}, long_cpu);
  grid.narrow(0, 0, hs * 2).narrow(1, 0, ws * 2).copy_(window);
  const at::Tensor order = std::get<1>(at::sort(grid.reshape({1, -1, 1}), /*stable=*/true, 1, false)).to(metric.device());
  dst_idx_ = order.narrow(1, 0, num_dst);
  src_idx_ = order.narrow(1, num_dst, tokens_ - num_dst);

  const at::Tensor m = metric / metric.norm(2, -1, true);
  const int64_t c = m.size(2);
  const at::Tensor a = m.gather(1, src_idx_.expand({batch_, src_idx_.size(1), c}));
  const at::Tensor b = m.gather(1, dst_idx_.expand({batch_, num_dst, c}));
  const at::Tensor scores = at::matmul(a, b.transpose(-1, -2));
  auto [node_max, node_idx] = scores.max(-1);
  const at::Tensor edge = std::get<1>(node_max.sort(-1, /*descending=*/true)).unsqueeze(-1);
  unm_idx_ = edge.narrow(1, r_, edge.size(1) - r_);
  merged_idx_ = edge.narrow(1, 0, r_);
  target_idx_ = node_idx.unsqueeze(-1).gather(1, merged_idx_);
}

at::Tensor TokenMerge::merge(const at::Tensor& x) const {
  if (r_ == 0) return x;
  const int64_t c = x.size(2);
  const at::Tensor src = x.gather(1, src_idx_.expand({batch_, src_idx_.size(1), c}));
  at::Tensor dst = x.gather(1, dst_idx_.expand({batch_, dst_idx_.size(1), c}));
  const at::Tensor unm = src.gather(1, unm_idx_.expand({batch_, unm_idx_.size(1), c}));
  const at::Tensor merged = src.gather(1, merged_idx_.expand({batch_, r_, c}));
  dst = dst.scatter_reduce(1, target_idx_.expand({batch_, r_, c}), merged, "mean", /*include_self=*/true);
  return at::cat({unm, dst}, 1);
}

at::Tensor TokenMerge::unmerge(const at::Tensor& x) const {
  if (r_ == 0) return x;
  const int64_t c = x.size(2), kept = unm_idx_.size(1);
  const at::Tensor unm = x.narrow(1, 0, kept), dst = x.narrow(1, kept, x.size(1) - kept);
  const at::Tensor merged = dst.gather(1, target_idx_.expand({batch_, r_, c}));
  const at::Tensor src_positions = src_idx_.expand({batch_, src_idx_.size(1), 1});
  at::Tensor out = at::empty({batch_, tokens_, c}, x.options());
  out.scatter_(1, dst_idx_.expand({batch_, dst.size(1), c}), dst);
  out.scatter_(1, src_positions.gather(1, unm_idx_).expand({batch_, kept, c}), unm);
  out.scatter_(1, src_positions.gather(1, merged_idx_).expand({batch_, r_, c}), merged);
  return out;
}

}  // namespace mrti
