#include "tensor_io/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <map>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "runtime/atomic_file.h"
#include "runtime/error.h"

namespace mrti {
namespace {

// A header larger than this is not a real file; refusing it keeps a corrupt size
// field from making us allocate gigabytes.
constexpr uint64_t kMaxHeaderSize = 100ull * 1024 * 1024;

struct DtypeInfo {
  const char* name;
  at::ScalarType type;
  uint64_t itemsize;
};

constexpr DtypeInfo kDtypes[] = {
    {"F64", at::kDouble, 8}, {"F32", at::kFloat, 4}, {"F16", at::kHalf, 2},  {"BF16", at::kBFloat16, 2},
    {"I64", at::kLong, 8},   {"I32", at::kInt, 4},   {"I16", at::kShort, 2}, {"I8", at::kChar, 1},
    {"U8", at::kByte, 1},    {"BOOL", at::kBool, 1},
};

const DtypeInfo* dtype_by_name(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return &d;
  return nullptr;
}

const DtypeInfo* dtype_by_type(at::ScalarType type) {
  for (const auto& d : kDtypes)
    if (type == d.type) return &d;
  return nullptr;
}

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw Error("safetensors file '" + path + "': " + problem);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The live mappings' address ranges, so release_mapped_pages can tell a view of one from
// any other memory (where dropping pages would lose data). Never destroyed: a tensor held
// by a static object may unmap its file after the end of main.
struct MappingRegistry {
  std::mutex mutex;
  std::map<uintptr_t, uintptr_t> ranges;  // begin -> end
};
MappingRegistry& mappings() {
  static auto* registry = new MappingRegistry;
  return *registry;
}

// Tensors alias this mapping; it is unmapped when the last of them goes away.
struct Mapping {
  void* addr = nullptr;
  size_t size = 0;
  void add() {
    std::lock_guard<std::mutex> lock(mappings().mutex);
    mappings().ranges[reinterpret_cast<uintptr_t>(addr)] = reinterpret_cast<uintptr_t>(addr) + size;
  }
  ~Mapping() {
    if (addr && addr != MAP_FAILED) {
      {
        std::lock_guard<std::mutex> lock(mappings().mutex);
        mappings().ranges.erase(reinterpret_cast<uintptr_t>(addr));
      }
      ::munmap(addr, size);
    }
  }
};

struct Entry {
  std::string name;
  const DtypeInfo* dtype = nullptr;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // relative to the start of the data area
};

struct Header {
  uint64_t file_size = 0;
  uint64_t data_start = 0;  // 8 + header size
  std::vector<Entry> entries;
  Metadata metadata;
};

void read_exact(int fd, const std::string& path, void* buf, size_t n, off_t at) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, static_cast<char*>(buf) + done, n - done, at + static_cast<off_t>(done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail(path, std::string("cannot read: ") + std::strerror(errno));
    if (r == 0) fail(path, "unexpected end of file");
    done += static_cast<size_t>(r);
  }
}

uint64_t json_uint(const nlohmann::json& j, const std::string& path, const std::string& what) {
  if (j.is_number_unsigned()) return j.get<uint64_t>();
  if (j.is_number_integer() && j.get<int64_t>() >= 0) return static_cast<uint64_t>(j.get<int64_t>());
  fail(path, what + " must be a non-negative integer, got " + j.dump());
}

Entry parse_entry(const std::string& path, const std::string& name, const nlohmann::json& j) {
  const std::string where = "tensor '" + name + "'";
  if (!j.is_object()) fail(path, where + ": header entry is not a JSON object");
  Entry e;
  e.name = name;
  auto dt = j.find("dtype");
  if (dt == j.end()) fail(path, where + ": missing 'dtype'");
  if (!dt->is_string()) fail(path, where + ": 'dtype' is not a string");
  e.dtype = dtype_by_name(dt->get<std::string>());
  if (!e.dtype)
    fail(path, where + ": unsupported dtype '" + dt->get<std::string>() +
                   "' (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
  auto sh = j.find("shape");
  if (sh == j.end()) fail(path, where + ": missing 'shape'");
  if (!sh->is_array()) fail(path, where + ": 'shape' is not a list");
  uint64_t numel = 1;
  bool overflow = false;
  for (const auto& d : *sh) {
    const uint64_t n = json_uint(d, path, where + ": each shape dimension");
    if (n > static_cast<uint64_t>(INT64_MAX)) fail(path, where + ": shape dimension too large");
    overflow = overflow || __builtin_mul_overflow(numel, n, &numel);
    e.shape.push_back(static_cast<int64_t>(n));
  }
  auto off = j.find("data_offsets");
  if (off == j.end()) fail(path, where + ": missing 'data_offsets'");
  if (!off->is_array() || off->size() != 2) fail(path, where + ": 'data_offsets' must be a list [begin, end]");
  e.begin = json_uint((*off)[0], path, where + ": data_offsets begin");
  e.end = json_uint((*off)[1], path, where + ": data_offsets end");
  if (e.end < e.begin)
    fail(path, where + ": data_offsets end " + std::to_string(e.end) + " is before begin " +
                   std::to_string(e.begin));
  uint64_t bytes = 0;
  overflow = overflow || __builtin_mul_overflow(numel, e.dtype->itemsize, &bytes);
  if (overflow || bytes != e.end - e.begin)
    fail(path, where + ": holds " + std::to_string(e.end - e.begin) + " bytes but its shape " + sh->dump() +
                   " of " + e.dtype->name + " needs " + (overflow ? std::string("more than 2^64") : std::to_string(bytes)));
  return e;
}

// Reads and validates the header of an open file; nothing in it is trusted before this returns.
Header parse_header(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(path, std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail(path, "not a regular file");
  Header h;
  h.file_size = static_cast<uint64_t>(st.st_size);
  if (h.file_size < 8)
    fail(path, "file is " + std::to_string(h.file_size) + " bytes, too short to be safetensors (empty or truncated)");
  unsigned char size_bytes[8];
  read_exact(fd, path, size_bytes, 8, 0);
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | size_bytes[i];  // little-endian
  if (header_size > kMaxHeaderSize)
    fail(path, "header size field says " + std::to_string(header_size) +
                   " bytes, which is absurd: the file is corrupt or not safetensors");
  if (header_size > h.file_size - 8)
    fail(path, "header size " + std::to_string(header_size) + " exceeds the " + std::to_string(h.file_size - 8) +
                   " bytes after the size field: the file is truncated or not safetensors");
  h.data_start = 8 + header_size;
  std::string text(header_size, '\0');
  read_exact(fd, path, text.data(), header_size, 8);

  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("header is not valid JSON (") + e.what() + "): the file is corrupt or not safetensors");
  }
  if (!j.is_object()) fail(path, "header is not a JSON object");

  const uint64_t data_size = h.file_size - h.data_start;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (it->is_null()) continue;
      if (!it->is_object()) fail(path, "'__metadata__' is not a JSON object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) fail(path, "'__metadata__' value of '" + m.key() + "' is not a string");
        h.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    Entry e = parse_entry(path, it.key(), *it);
    if (e.end > data_size)
      fail(path, "tensor '" + e.name + "': data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                     "] run past the data area of " + std::to_string(data_size) + " bytes: the file is truncated or corrupt");
    h.entries.push_back(std::move(e));
  }

  std::vector<const Entry*> order;
  for (const auto& e : h.entries)
    if (e.end > e.begin) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < order.size(); ++i)
    if (order[i]->begin < order[i - 1]->end)
      fail(path, "tensors '" + order[i - 1]->name + "' and '" + order[i]->name + "' overlap in the data area");
  return h;
}

int open_for_reading(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw Error("file not found: '" + path + "'");
    throw Error("cannot open '" + path + "': " + std::strerror(errno));
  }
  return fd;
}

void write_all(std::FILE* f, const void* data, size_t n, const std::string& path) {
  if (n && std::fwrite(data, 1, n, f) != n) throw Error("cannot write '" + path + "': disk full or I/O error");
}

}  // namespace

SafetensorsFile read_safetensors(const std::string& path) {
  Fd fd(open_for_reading(path));
  Header h = parse_header(fd.get(), path);

  auto map = std::make_shared<Mapping>();
  map->size = h.file_size;
  // MAP_PRIVATE + PROT_WRITE: an accidental in-place op copies the page instead of
  // faulting, and never reaches the file.
  map->addr = ::mmap(nullptr, map->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.get(), 0);
  if (map->addr == MAP_FAILED) {
    map->addr = nullptr;
    fail(path, std::string("cannot memory-map: ") + std::strerror(errno));
  }
  map->add();
  const char* data = static_cast<const char*>(map->addr) + h.data_start;

  SafetensorsFile out;
  out.metadata = std::move(h.metadata);
  for (const auto& e : h.entries) {
    void* ptr = const_cast<char*>(data + e.begin);
    const auto options = at::TensorOptions().dtype(e.dtype->type).device(at::kCPU);
    at::Tensor t = at::from_blob(ptr, e.shape, [map](void*) {}, options);
    // Misaligned data (legal in the format, rare in practice) is copied so kernels
    // that assume natural alignment stay correct.
    if (reinterpret_cast<uintptr_t>(ptr) % e.dtype->itemsize != 0) t = t.clone();
    out.tensors.emplace(e.name, std::move(t));
  }
  return out;
}

void release_mapped_pages(const at::Tensor& t) {
  if (!t.defined() || !t.device().is_cpu() || !t.is_contiguous()) return;
  const auto begin = reinterpret_cast<uintptr_t>(t.data_ptr());
  const auto end = begin + static_cast<uintptr_t>(t.nbytes());
  std::lock_guard<std::mutex> lock(mappings().mutex);
  const auto& ranges = mappings().ranges;
  auto it = ranges.upper_bound(begin);
  if (it == ranges.begin()) return;
  --it;
  if (begin < it->first || end > it->second) return;
  // Whole pages inside the tensor only: a neighbour's data on a shared page stays.
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
  // MAP_PRIVATE and never written: dropped pages come back from the file when read.
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

Metadata read_safetensors_metadata(const std::string& path) {
  Fd fd(open_for_reading(path));
  return parse_header(fd.get(), path).metadata;
}

void save_safetensors(const std::string& path, const TensorMap& tensors, const Metadata& metadata) {
  struct Item {
    const std::string* name;
    const at::Tensor* tensor;
    const DtypeInfo* dtype;
    uint64_t bytes;
  };
  std::vector<Item> items;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") throw Error("cannot write '" + path + "': '__metadata__' is reserved, not a tensor name");
    if (!t.defined()) throw Error("cannot write '" + path + "': tensor '" + name + "' is undefined");
    const DtypeInfo* d = dtype_by_type(t.scalar_type());
    if (!d)
      throw Error("cannot write '" + path + "': tensor '" + name + "' has dtype " +
                  std::string(c10::toString(t.scalar_type())) + ", which safetensors files here do not support");
    items.push_back({&name, &t, d, static_cast<uint64_t>(t.numel()) * d->itemsize});
  }
  // Data laid out by decreasing item size, so every tensor is naturally aligned.
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.dtype->itemsize > b.dtype->itemsize; });

  nlohmann::json header = nlohmann::json::object();  // std::map-backed: keys come out sorted
  uint64_t offset = 0;
  for (const auto& it : items) {
    header[*it.name] = {{"dtype", it.dtype->name},
                        {"shape", it.tensor->sizes().vec()},
                        {"data_offsets", {offset, offset + it.bytes}}};
    offset += it.bytes;
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  unsigned char size_bytes[8];
  for (int i = 0; i < 8; ++i) size_bytes[i] = static_cast<unsigned char>((text.size() >> (8 * i)) & 0xff);

  write_atomically(path, [&](const std::string& tmp) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(tmp.c_str(), "wb"), &std::fclose);
    if (!f) throw Error("cannot write '" + path + "': " + std::strerror(errno));
    write_all(f.get(), size_bytes, 8, path);
    write_all(f.get(), text.data(), text.size(), path);
    for (const auto& it : items) {
      // One tensor at a time, so at most one extra CPU copy exists.
      at::Tensor c = it.tensor->detach().to(at::kCPU).contiguous();
      write_all(f.get(), c.data_ptr(), it.bytes, path);
    }
    if (std::fclose(f.release()) != 0) throw Error("cannot write '" + path + "': disk full or I/O error");
  });
}

}  // namespace mrti
