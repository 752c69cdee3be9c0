#pragma once
// Activation checkpointing for training, as torch.utils.checkpoint's reentrant variant
// (LibTorch's C++ API has none): the wrapped call runs without recording a graph and
// keeps only its inputs; the backward pass runs it again with gradients on and
// back-propagates through that copy. Memory for the call's intermediate activations is
// traded for a second forward pass.
#include <functional>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mrti {

using CheckpointedCall = std::function<at::Tensor(const std::vector<at::Tensor>&)>;

// fn(inputs), checkpointed. `inputs` may hold undefined tensors (passed through as
// such). `parameters_need_grad`: fn uses parameters that require a gradient; they get
// their .grad accumulated in the backward pass even when no input requires one.
// fn must be deterministic (no dropout, no random draws) and must not modify its inputs.
at::Tensor checkpoint(const CheckpointedCall& fn, const std::vector<at::Tensor>& inputs, bool parameters_need_grad);

// Whether a call with these inputs would record a graph at all (grad mode on and
// something requiring a gradient): the only case where checkpointing changes anything.
bool checkpoint_would_record(const std::vector<at::Tensor>& inputs, bool parameters_need_grad);

}  // namespace mrti
