#include "multires/exporters.h"

#include <cctype>
#include <filesystem>

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "tensor_io/safetensors.h"

namespace mrti {
namespace fs = std::filesystem;

namespace {

// Pickle protocol 2 bytes, written the way torch.save lays out a dict of tensors.
struct PickleWriter {
  std::string b = std::string("\x80\x02", 2);

  PickleWriter& op(char c) {
    b += c;
    return *this;
  }
  PickleWriter& str(const std::string& s) {  // BINUNICODE
    b += 'X';
    for (int i = 0; i < 4; ++i) b += static_cast<char>((s.size() >> (8 * i)) & 0xff);
    b += s;
    return *this;
  }
  PickleWriter& integer(int64_t v) {
    if (v >= 0 && v < 256) {
      b += 'K';
      b += static_cast<char>(v);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      b += 'J';
      for (int i = 0; i < 4; ++i) b += static_cast<char>((static_cast<uint32_t>(v) >> (8 * i)) & 0xff);
    } else {
      b += '\x8a';
      b += '\x08';
      for (int i = 0; i < 8; ++i) b += static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
    }
    return *this;
  }
  PickleWriter& none() { return op('N'); }
  PickleWriter& global(const std::string& module, const std::string& name) {
    b += 'c' + module + "\n" + name + "\n";
    return *this;
  }
  PickleWriter& int_tuple(const std::vector<int64_t>& xs) {
    op('(');
    for (auto x : xs) integer(x);
    return op('t');
  }
  // torch._utils._rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), 0,
  // size, stride, False, OrderedDict()) over a contiguous float32 tensor.
  PickleWriter& tensor(const at::Tensor& t, const std::string& key) {
    global("torch._utils", "_rebuild_tensor_v2");
    op('(');
    op('(').str("storage").global("torch", "FloatStorage").str(key).str("cpu").integer(t.numel()).op('t').op('Q');
    integer(0).int_tuple(t.sizes().vec()).int_tuple(t.strides().vec()).op('\x89');
    global("collections", "OrderedDict").op(')').op('R');
    op('t').op('R');
    return *this;
  }
};

void write_torch_zip(const std::string& path, const std::string& pickle, const at::Tensor& storage0) {
  std::string bytes;
  {
    caffe2::serialize::PyTorchStreamWriter w([&](const void* data, size_t size) {
      bytes.append(static_cast<const char*>(data), size);
      return size;
    });
    w.writeRecord("data.pkl", pickle.data(), pickle.size());
    w.writeRecord("data/0", storage0.data_ptr(), static_cast<size_t>(storage0.numel() * storage0.element_size()));
    w.writeEndOfFile();
  }
  write_file_atomically(path, bytes);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

void export_embedding(const Concept& concept, int64_t resolution, const std::string& path) {
  validate_concept(concept, "concept '" + concept.name + "'");
  if (resolution < 0 || resolution >= concept.num_scales())
    throw Error("resolution " + std::to_string(resolution) + " is out of range: concept '" + concept.name + "' has " +
                std::to_string(concept.num_scales()) + " resolutions, 0.." + std::to_string(concept.num_scales() - 1));
  const at::Tensor v = concept.embeddings[resolution].to(at::kFloat).contiguous().clone();  // [V, d]
  const std::string ext = lower(fs::path(path).extension().string());
  const std::string label = concept.name + (concept.num_scales() > 1 ? "-r" + std::to_string(resolution) : "");
  if (ext == ".safetensors") {
    Metadata m{{"name", label},
               {"step", std::to_string(concept.train_steps)},
               {"sd_checkpoint_name", concept.base_model},
               {"mrti_concept", concept.name},
               {"mrti_resolution", std::to_string(resolution)},
               {"mrti_num_scales", std::to_string(concept.num_scales())}};
    save_safetensors(path, {{"emb_params", v}}, m);
    return;
  }
  PickleWriter p;
  if (ext == ".pt") {
    p.op('}').op('(');
    p.str("string_to_token").op('}').str("*").integer(265).op('s');
    p.str("string_to_param").op('}').str("*").tensor(v, "0").op('s');
    p.str("name").str(label);
    p.str("step").integer(concept.train_steps);
    p.str("sd_checkpoint").none();
    p.str("sd_checkpoint_name");
    if (concept.base_model.empty())
      p.none();
    else
      p.str(concept.base_model);
    p.op('u').op('.');
  } else if (ext == ".bin") {
    p.op('}').str("<" + label + ">").tensor(v, "0").op('s').op('.');
  } else {
    throw Error("cannot export to '" + path + "': use .safetensors (AUTOMATIC1111/diffusers), .pt (AUTOMATIC1111) or "
                ".bin (diffusers learned_embeds)");
  }
  write_torch_zip(path, p.b, v);
}

}  // namespace mrti
