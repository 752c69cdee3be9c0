#pragma once
// PyTorch's zip pickle format (`torch.save`, .bin/.pt/.ckpt), read by a restricted
// unpickler: only the globals torch.save writes are accepted (collections.OrderedDict,
// torch._utils._rebuild_tensor_v2 / _rebuild_parameter, torch.*Storage, ...). Anything
// else is refused with an error naming the global: a file can never make us run code.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tensor_io/tensor_map.h"

namespace mrti {

// A decoded Python value. Containers hold shared pointers so values are cheap to copy.
struct PyValue;
using PyList = std::vector<PyValue>;
using PyDict = std::vector<std::pair<PyValue, PyValue>>;  // insertion order kept
struct PyNone {};
struct PyTuple { PyList items; };
struct PyBytes { std::string data; };

struct PyValue {
  std::variant<PyNone, bool, int64_t, double, std::string, PyBytes, std::shared_ptr<PyList>,
               std::shared_ptr<PyTuple>, std::shared_ptr<PyDict>, at::Tensor>
      v;

  bool is_none() const { return std::holds_alternative<PyNone>(v); }
  bool is_dict() const { return std::holds_alternative<std::shared_ptr<PyDict>>(v); }
  bool is_tensor() const { return std::holds_alternative<at::Tensor>(v); }
  bool is_string() const { return std::holds_alternative<std::string>(v); }
  bool is_int() const { return std::holds_alternative<int64_t>(v); }
  const PyDict& dict() const;           // throws mrti::Error if not a dict
  const at::Tensor& tensor() const;     // throws if not a tensor
  const std::string& str() const;       // throws if not a str
  // Dict lookup by string key; nullptr when absent or not a dict.
  const PyValue* get(const std::string& key) const;
  std::string type_name() const;        // "dict", "tensor", "str", ... for messages
};

// Loads a torch.save zip archive. Throws mrti::Error for the legacy (non-zip) format,
// a refused global, a missing storage record or malformed pickle data.
PyValue load_torch_pickle(const std::string& path);

// Every tensor reachable through (nested) dicts, keys joined with '.', e.g. a file
// holding {"state_dict": {"a.weight": T}} gives {"state_dict.a.weight": T}.
TensorMap flatten_tensors(const PyValue& value, const std::string& prefix = "");

}  // namespace mrti
