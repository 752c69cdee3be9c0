#include "models/unet_cuda_graph.h"

#include <torch/torch.h>

#if defined(MRTI_WITH_CUDA)
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#endif

namespace mrti {

struct UNetCudaGraph::Impl {
#if defined(MRTI_WITH_CUDA)
  std::unique_ptr<at::cuda::CUDAGraph> graph;
#endif
  // The graph's own inputs and output; a call copies into and out of them.
  at::Tensor sample, timestep, states, out;
  std::string failure;
  int captures = 0;
};

UNetCudaGraph::UNetCudaGraph() : impl_(std::make_unique<Impl>()) {}
UNetCudaGraph::~UNetCudaGraph() = default;

bool UNetCudaGraph::available() {
#if defined(MRTI_WITH_CUDA)
  return true;
#else
  return false;
#endif
}

void UNetCudaGraph::reset() {
#if defined(MRTI_WITH_CUDA)
  impl_->graph.reset();
#endif
  impl_->sample = impl_->timestep = impl_->states = impl_->out = at::Tensor();
}

int UNetCudaGraph::captures() const { return impl_->captures; }
const std::string& UNetCudaGraph::failure() const { return impl_->failure; }

#if defined(MRTI_WITH_CUDA)
namespace {

// A captured graph fits inputs of the same sizes, precision, device and layout (strides of
// expanded inputs may differ: they are copied into the graph's dense tensors).
bool fits(const at::Tensor& held, const at::Tensor& given) {
  return held.defined() && held.sizes() == given.sizes() && held.scalar_type() == given.scalar_type() &&
         held.device() == given.device() && held.suggest_memory_format() == given.suggest_memory_format();
}

at::Tensor dense_copy(const at::Tensor& t) {
  at::Tensor held = at::empty_like(t, t.suggest_memory_format());
  held.copy_(t);
  return held;
}

}  // namespace
#endif

at::Tensor UNetCudaGraph::forward(UNet2DConditionModel& unet, const at::Tensor& sample, const at::Tensor& timestep,
                                  const at::Tensor& encoder_hidden_states) {
#if defined(MRTI_WITH_CUDA)
  Impl& m = *impl_;
  if (sample.is_cuda() && m.failure.empty() && !at::GradMode::is_enabled()) {
    const at::Tensor t = timestep.to(sample.device());
    const bool ready =
        m.graph && fits(m.sample, sample) && fits(m.timestep, t) && fits(m.states, encoder_hidden_states);
    if (!ready) {
      reset();
      const c10::cuda::CUDAGuard device_guard(sample.device());
      // Capture happens on a side stream (the default stream cannot be captured), after
      // warm-up runs there that let cuBLAS and cuDNN pick algorithms and allocate workspaces
      // outside the graph.
      const auto current = c10::cuda::getCurrentCUDAStream();
      const auto side = c10::cuda::getStreamFromPool();
      m.sample = dense_copy(sample);
      m.timestep = dense_copy(t);
      m.states = dense_copy(encoder_hidden_states);
      at::cuda::CUDAEvent inputs_ready;
      inputs_ready.record(current);
      inputs_ready.block(side);
      auto graph = std::make_unique<at::cuda::CUDAGraph>();
      try {
        const c10::cuda::CUDAStreamGuard stream_guard(side);
        for (int i = 0; i < 2; ++i) unet->forward(m.sample, m.timestep, m.states);
        graph->capture_begin();
        try {
          m.out = unet->forward(m.sample, m.timestep, m.states);
        } catch (...) {
          try {
            graph->capture_end();
          } catch (...) {
          }
          throw;
        }
        graph->capture_end();
        at::cuda::CUDAEvent captured;
        captured.record(side);
        captured.block(current);
        m.graph = std::move(graph);
        ++m.captures;
      } catch (const std::exception& e) {
        // Something in the step cannot be captured (a host sync, an allocation the graph's
        // pool refuses): the eager UNet from now on, and the reason kept for the caller.
        const std::string what = e.what();
        m.failure = "CUDA graph capture failed: " + what.substr(0, what.find('\n'));
        reset();
      }
    }
    if (m.graph) {
      m.sample.copy_(sample);
      m.timestep.copy_(t);
      m.states.copy_(encoder_hidden_states);
      m.graph->replay();
      return m.out.clone();  // the next replay overwrites m.out; schedulers keep past outputs
    }
  }
#endif
  return unet->forward(sample, timestep, encoder_hidden_states);
}

}  // namespace mrti
