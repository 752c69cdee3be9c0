#pragma once
// Pickle protocol-2 bytes laid out the way torch.save writes them, and the zip archive around
// them: the writing side of tensor_io/torch_pickle.h. The exporters write A1111 .pt and
// diffusers .bin embeddings with it; the tests build the files the reader must take or refuse.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

namespace mrti {

class PickleWriter {
 public:
  PickleWriter& op(char c) {
    b += c;
    return *this;
  }
  PickleWriter& mark() { return op('('); }
  PickleWriter& none() { return op('N'); }
  PickleWriter& stop() { return op('.'); }
  PickleWriter& str(const std::string& s);        // BINUNICODE, as protocol 2 writes it
  PickleWriter& short_str(const std::string& s);  // SHORT_BINUNICODE (protocol 4), under 256 bytes
  PickleWriter& integer(int64_t v);               // BININT1, BININT or LONG1, the shortest
  PickleWriter& global(const std::string& module, const std::string& name);
  PickleWriter& int_tuple(const std::vector<int64_t>& xs);
  PickleWriter& put(int memo);  // BINPUT
  PickleWriter& get(int memo);  // BINGET
  // torch._utils._rebuild_tensor_v2(('storage', STORAGE_TYPE, key, 'cpu', storage_numel),
  // offset, size, stride, False, OrderedDict()): a view of a stored record.
  PickleWriter& tensor(const std::string& storage_type, const std::string& key, int64_t storage_numel,
                       int64_t offset, const std::vector<int64_t>& size, const std::vector<int64_t>& stride);
  // All of a float32 tensor as record `key` (write it contiguous).
  PickleWriter& tensor(const std::string& key, const at::Tensor& t);
  // _rebuild_parameter(tensor, requires_grad=True, OrderedDict()), as A1111 files hold.
  PickleWriter& parameter(const std::string& key, const at::Tensor& t);

  std::string b = std::string("\x80\x02", 2);  // PROTO 2
};

// A torch.save zip written atomically: data.pkl, then one data/<key> record per storage
// (each written contiguous).
void write_torch_zip(const std::string& path, const std::string& pickle,
                     const std::vector<std::pair<std::string, at::Tensor>>& storages);

}  // namespace mrti
