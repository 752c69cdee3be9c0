#include "models/group_norm_statistics.h"

#include <ATen/ATen.h>

#include "models/layer_forward.h"
#include "runtime/error.h"

namespace mrti {

namespace {
thread_local GroupNormStatistics* active = nullptr;
}

GroupNormStatistics::Use::Use(GroupNormStatistics& stats, Mode mode) : previous_(active) {
  stats.mode_ = mode;
  stats.next_ = 0;
  active = &stats;
}

GroupNormStatistics::Use::~Use() { active = previous_; }

namespace {

// layer(x) in x's dtype (models/layer_forward.h).
at::Tensor plain_group_norm(const torch::nn::GroupNorm& layer, const at::Tensor& x) {
  const auto& o = layer->options;
  // LibTorch's CPU kernel (1.13) sums the moments of channels_last bfloat16/half input in
  // that precision: relative errors of 0.1 at 32x32 to over 1 at 128x128 and beyond, the
  // VAE decoder's sizes. In float32 on the same layout it is exact to rounding, at ~1.7x the
  // time of that kernel.
  if (x.device().is_cpu() && (x.scalar_type() == at::kBFloat16 || x.scalar_type() == at::kHalf) && x.dim() == 4 &&
      !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast)) {
    return at::group_norm(x.to(at::kFloat), o.num_groups(), o.affine() ? layer->weight.to(at::kFloat) : at::Tensor(),
                          o.affine() ? layer->bias.to(at::kFloat) : at::Tensor(), o.eps())
        .to(x.scalar_type());
  }
  if (!o.affine() || layer->weight.scalar_type() == x.scalar_type()) return layer.ptr()->forward(x);
  return at::group_norm(x, o.num_groups(), in_dtype_of(layer->weight, x), in_dtype_of(layer->bias, x), o.eps());
}

}  // namespace

at::Tensor group_norm(const torch::nn::GroupNorm& layer, const at::Tensor& x) {
  GroupNormStatistics* stats = active;
  const auto& o = layer->options;
  if (!stats) return plain_group_norm(layer, x);
  const int64_t n = x.size(0), groups = o.num_groups();
  const at::Tensor grouped = x.reshape({n, groups, -1}).to(at::kFloat);
  if (stats->mode_ == GroupNormStatistics::Mode::Record) {
    auto [var, mean] = at::var_mean(grouped, {2}, /*unbiased=*/false, /*keepdim=*/false);
    stats->mean_.push_back(mean);
    stats->var_.push_back(var);
    return plain_group_norm(layer, x);
  }
  if (stats->next_ >= stats->mean_.size())
    throw Error("shared GroupNorm statistics: more normalisations than were recorded");
  const at::Tensor mean = stats->mean_[stats->next_], var = stats->var_[stats->next_];
  ++stats->next_;
  if (mean.size(0) != n || mean.size(1) != groups)
    throw Error("shared GroupNorm statistics: recorded for a different batch or layer");
  at::Tensor y = ((grouped - mean.unsqueeze(2)) * at::rsqrt(var.unsqueeze(2) + o.eps())).reshape(x.sizes());
  if (o.affine()) {
    std::vector<int64_t> shape(x.dim(), 1);
    shape[1] = x.size(1);
    y = y * layer->weight.to(at::kFloat).view(shape) + layer->bias.to(at::kFloat).view(shape);
  }
  return y.to(x.scalar_type()).contiguous(x.suggest_memory_format());
}

}  // namespace mrti
