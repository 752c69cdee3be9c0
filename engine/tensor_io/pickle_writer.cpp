#include "tensor_io/pickle_writer.h"

#include <caffe2/serialize/inline_container.h>

#include "runtime/atomic_file.h"
#include "runtime/error.h"

namespace mrti {
namespace {

void little_endian(std::string& b, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) b += static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

PickleWriter& PickleWriter::str(const std::string& s) {
  b += 'X';
  little_endian(b, s.size(), 4);
  b += s;
  return *this;
}

PickleWriter& PickleWriter::short_str(const std::string& s) {
  if (s.size() >= 256) throw Error("a short pickle string holds under 256 bytes");
  b += '\x8c';
  b += static_cast<char>(s.size());
  b += s;
  return *this;
}

PickleWriter& PickleWriter::integer(int64_t v) {
  if (v >= 0 && v < 256) {
    b += 'K';
    b += static_cast<char>(v);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    b += 'J';
    little_endian(b, static_cast<uint32_t>(v), 4);
  } else {
    b += '\x8a';
    b += '\x08';
    little_endian(b, static_cast<uint64_t>(v), 8);
  }
  return *this;
}

PickleWriter& PickleWriter::global(const std::string& module, const std::string& name) {
  b += 'c' + module + "\n" + name + "\n";
  return *this;
}

PickleWriter& PickleWriter::int_tuple(const std::vector<int64_t>& xs) {
  mark();
  for (auto x : xs) integer(x);
  return op('t');
}

PickleWriter& PickleWriter::put(int memo) {
  b += 'q';
  b += static_cast<char>(memo);
  return *this;
}

PickleWriter& PickleWriter::get(int memo) {
  b += 'h';
  b += static_cast<char>(memo);
  return *this;
}

PickleWriter& PickleWriter::tensor(const std::string& storage_type, const std::string& key, int64_t storage_numel,
                                   int64_t offset, const std::vector<int64_t>& size,
                                   const std::vector<int64_t>& stride) {
  global("torch._utils", "_rebuild_tensor_v2");
  mark();
  mark().str("storage").global("torch", storage_type).str(key).str("cpu").integer(storage_numel).op('t').op('Q');
  integer(offset).int_tuple(size).int_tuple(stride).op('\x89');
  global("collections", "OrderedDict").op(')').op('R');
  return op('t').op('R');
}

PickleWriter& PickleWriter::tensor(const std::string& key, const at::Tensor& t) {
  return tensor("FloatStorage", key, t.numel(), 0, t.sizes().vec(), t.contiguous().strides().vec());
}

PickleWriter& PickleWriter::parameter(const std::string& key, const at::Tensor& t) {
  global("torch._utils", "_rebuild_parameter").mark();
  return tensor(key, t).op('\x88').global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
}

void write_torch_zip(const std::string& path, const std::string& pickle,
                     const std::vector<std::pair<std::string, at::Tensor>>& storages) {
  std::string bytes;
  {
    caffe2::serialize::PyTorchStreamWriter w([&](const void* data, size_t size) {
      bytes.append(static_cast<const char*>(data), size);
      return size;
    });
    w.writeRecord("data.pkl", pickle.data(), pickle.size());
    for (const auto& [key, t] : storages) {
      const at::Tensor c = t.contiguous();
      w.writeRecord("data/" + key, c.data_ptr(), static_cast<size_t>(c.numel() * c.element_size()));
    }
    w.writeEndOfFile();
  }
  write_file_atomically(path, bytes);
}

}  // namespace mrti
