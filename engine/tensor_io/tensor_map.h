#pragma once
#include <map>
#include <string>

#include <ATen/core/Tensor.h>

namespace mrti {

// Named tensors in key order, as in a state dict or a safetensors file.
using TensorMap = std::map<std::string, at::Tensor>;
// safetensors `__metadata__` (string to string).
using Metadata = std::map<std::string, std::string>;

}  // namespace mrti
