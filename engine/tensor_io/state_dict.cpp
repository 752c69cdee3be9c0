#include "tensor_io/state_dict.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "runtime/ascii_lower.h"
#include "runtime/error.h"
#include "tensor_io/safetensors.h"
#include "tensor_io/torch_pickle.h"

namespace mrti {
namespace fs = std::filesystem;

namespace {

std::string first_bytes(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string s(n, '\0');
  in.read(s.data(), static_cast<std::streamsize>(n));
  s.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return s;
}

std::string shape_str(at::IntArrayRef sizes) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < sizes.size(); ++i) s << (i ? ", " : "") << sizes[i];
  s << ']';
  return s.str();
}

// "a, b, c and 12 more": long lists stay readable.
std::string name_list(const std::vector<std::string>& names, size_t cap = 20) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < cap; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > cap) s += " and " + std::to_string(names.size() - cap) + " more";
  return s;
}

std::string count(size_t n, const char* singular, const char* plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

// An ignore entry is an exact key, or a prefix when it ends in '*'.
bool ignored(const std::string& key, const std::vector<std::string>& ignore) {
  for (const auto& pattern : ignore) {
    if (!pattern.empty() && pattern.back() == '*') {
      if (key.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0) return true;
    } else if (key == pattern) {
      return true;
    }
  }
  return false;
}

}  // namespace

TensorMap load_weights_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("weights file not found: '" + path + "'");
  if (fs::is_directory(path, ec))
    throw Error("'" + path + "' is a folder; expected a weights file (.safetensors, .bin, .pt, .ckpt)");

  // The content decides where it is conclusive (a renamed file still loads), else the extension.
  const std::string head = first_bytes(path, 9);
  const std::string ext = ascii_lower(fs::path(path).extension().string());
  bool is_safetensors = ext == ".safetensors";
  if (head.compare(0, 4, "PK\x03\x04", 4) == 0) is_safetensors = false;
  else if (head.size() == 9 && head[8] == '{') is_safetensors = true;
  else if (ext != ".bin" && ext != ".pt" && ext != ".pth" && ext != ".ckpt") is_safetensors = true;
  if (is_safetensors) return read_safetensors(path).tensors;

  PyValue root = load_torch_pickle(path);
  if (!root.is_dict())
    throw Error("'" + path + "' holds a " + root.type_name() + ", not a dict of tensors; it is not a weights file");
  const PyValue* inner = root.get("state_dict");
  TensorMap tensors = flatten_tensors(inner && inner->is_dict() ? *inner : root);
  if (tensors.empty()) throw Error("'" + path + "' holds no tensors; it is not a weights file");
  return tensors;
}

LoadReport load_state_dict(torch::nn::Module& module, const TensorMap& weights, const std::string& source,
                           const LoadOptions& options) {
  std::unordered_map<std::string, at::Tensor> targets;
  std::vector<std::string> target_names;
  auto add = [&](const std::string& name, const at::Tensor& t) {
    if (!t.defined() || ignored(name, options.ignore)) return;
    if (targets.emplace(name, t).second) target_names.push_back(name);
  };
  for (const auto& item : module.named_parameters(/*recurse=*/true)) add(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true)) add(item.key(), item.value());

  LoadReport report;
  std::vector<std::string> mismatched;
  std::vector<std::pair<at::Tensor, at::Tensor>> copies;  // (destination, source)
  for (const auto& [key, tensor] : weights) {
    if (ignored(key, options.ignore)) continue;
    auto it = targets.find(key);
    if (it == targets.end()) {
      report.unexpected.push_back(key);
      continue;
    }
    if (!tensor.defined() || it->second.sizes() != tensor.sizes()) {
      mismatched.push_back(key + " (file " + (tensor.defined() ? shape_str(tensor.sizes()) : "undefined") +
                           ", model " + shape_str(it->second.sizes()) + ")");
      continue;
    }
    copies.emplace_back(it->second, tensor);
  }
  for (const auto& name : target_names)
    if (!weights.count(name)) report.missing.push_back(name);
  std::sort(report.missing.begin(), report.missing.end());

  const bool bad_missing = !report.missing.empty() && !options.allow_missing;
  const bool bad_unexpected = !report.unexpected.empty() && !options.allow_unexpected;
  if (!mismatched.empty() || bad_missing || bad_unexpected) {
    std::string msg = "cannot load weights from '" + source + "' into the model:";
    if (!mismatched.empty())
      msg += "\n  " + count(mismatched.size(), "shape mismatch", "shape mismatches") + ": " + name_list(mismatched);
    if (bad_missing)
      msg += "\n  " + count(report.missing.size(), "key", "keys") + " missing from the file: " +
             name_list(report.missing);
    if (bad_unexpected)
      msg += "\n  " + count(report.unexpected.size(), "unexpected key", "unexpected keys") +
             " (not in the model): " + name_list(report.unexpected);
    msg += "\nThe file does not match this model's architecture or config; check that it is the right file.";
    throw Error(msg);
  }

  // Validated first and copied after, so a bad file never leaves a half-loaded model.
  torch::NoGradGuard no_grad;
  for (auto& [dst, src] : copies) {
    dst.copy_(src);  // copy_ converts dtype and device
    release_mapped_pages(src);  // the file's pages and the model's copy are not held together
  }
  return report;
}

}  // namespace mrti
