#pragma once
// GroupNorm whose statistics can be shared between the pieces of one picture. A decode in
// tiles normalises each tile by its own mean and variance unless told otherwise, so a tile of
// sky and a tile of object come out in different tones; with these statistics recorded once
// from a small decode of the whole picture and replayed for every tile, the tiles agree with
// each other and with the whole decode.
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/modules/normalization.h>

namespace mrti {

class GroupNormStatistics {
 public:
  enum class Mode { Record, Replay };

  // While a Use is alive, group_norm() on this thread records (or replays) the statistics of
  // its calls in order: a replay must make the same calls as the recording did.
  class Use {
   public:
    Use(GroupNormStatistics& stats, Mode mode);
    ~Use();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

   private:
    GroupNormStatistics* previous_;
  };

  std::size_t size() const { return mean_.size(); }

 private:
  friend at::Tensor group_norm(const torch::nn::GroupNorm& layer, const at::Tensor& x);
  Mode mode_ = Mode::Record;
  std::size_t next_ = 0;
  std::vector<at::Tensor> mean_, var_;  // [N, G] float32 per call
};

// layer->forward(x), or with the statistics of the active GroupNormStatistics.
at::Tensor group_norm(const torch::nn::GroupNorm& layer, const at::Tensor& x);

}  // namespace mrti
