#pragma once
// Weight files to named tensors, and named tensors into torch::nn modules.
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "tensor_io/tensor_map.h"

namespace torch::nn {
class Module;
}

namespace mrti {

// .safetensors (memory-mapped) or a torch zip pickle (.bin/.pt/.pth/.ckpt). For a
// pickle whose top level holds "state_dict" the inner dict is returned.
TensorMap load_weights_file(const std::string& path);

struct LoadReport {
  std::vector<std::string> missing;     // in the module, not in the file
  std::vector<std::string> unexpected;  // in the file, not in the module
};

struct LoadOptions {
  bool allow_missing = false;     // otherwise missing keys are an error
  bool allow_unexpected = false;  // otherwise unexpected keys are an error
  // Keys skipped on both sides, neither loaded nor reported (e.g.
  // "text_model.embeddings.position_ids"); an entry ending in '*' matches a prefix.
  std::vector<std::string> ignore;
};

// Copies each tensor into the module's parameter/buffer of the same name, converting
// dtype to the module's (the module's device/dtype are kept). Shape mismatches are
// always an error; all problems are collected and reported together, each by key,
// with `source` (usually the file path) in the message.
LoadReport load_state_dict(torch::nn::Module& module, const TensorMap& weights, const std::string& source,
                           const LoadOptions& options = {});

}  // namespace mrti
