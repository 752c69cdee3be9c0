#pragma once
// The UNet step replayed as one CUDA graph at a fixed shape. A step of SD 1.5 is about a
// thousand kernel launches; on a fast GPU at 512² the CPU's launch work, not the GPU, sets
// the pace, and a graph launches them all at once. Captured on first use for each input
// shape, precision and layout; inputs are copied into the graph's own tensors and the output
// is copied out, so callers see the eager UNet's semantics.
#include <memory>
#include <string>

#include <ATen/core/Tensor.h>

#include "models/unet_2d_condition_model.h"

namespace mrti {

class UNetCudaGraph {
 public:
  UNetCudaGraph();
  ~UNetCudaGraph();
  UNetCudaGraph(const UNetCudaGraph&) = delete;
  UNetCudaGraph& operator=(const UNetCudaGraph&) = delete;

  // Whether this build's LibTorch can capture CUDA graphs.
  static bool available();

  // unet(sample, timestep, states), through the graph for CUDA inputs without autograd.
  // Other inputs, and every call after a capture failed (failure() says why), run the eager
  // UNet. The graph reads the UNet's weights where they were at capture: call reset() after
  // moving, casting or re-laying them.
  at::Tensor forward(UNet2DConditionModel& unet, const at::Tensor& sample, const at::Tensor& timestep,
                     const at::Tensor& encoder_hidden_states);

  void reset();
  int captures() const;               // shapes captured so far
  const std::string& failure() const;  // "" while the graph works

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mrti
