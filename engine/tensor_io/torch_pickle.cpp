#include "tensor_io/torch_pickle.h"

#include <cerrno>
#include <cstring>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ATen/ATen.h>

#include "runtime/error.h"

namespace mrti {
namespace {

// ---------------------------------------------------------------------------------------
// The file, memory-mapped: storages alias it and keep it alive.

struct Mapping {
  void* addr = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (addr) ::munmap(addr, size);
  }
  const unsigned char* bytes() const { return static_cast<const unsigned char*>(addr); }
};

std::shared_ptr<Mapping> map_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw Error("file not found: '" + path + "'");
    throw Error("cannot open '" + path + "': " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error("'" + path + "' is not a regular file");
  }
  auto m = std::make_shared<Mapping>();
  m->size = static_cast<size_t>(st.st_size);
  if (m->size > 0) {
    // MAP_PRIVATE + PROT_WRITE: an in-place op on a loaded tensor copies the page and
    // never reaches the file.
    void* a = ::mmap(nullptr, m->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (a == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw Error("cannot memory-map '" + path + "': " + std::strerror(err));
    }
    m->addr = a;
  }
  ::close(fd);
  return m;
}

// ---------------------------------------------------------------------------------------
// A minimal zip reader. torch.save writes stored (uncompressed) entries, so each record
// is a byte range of the file and tensors can alias the mapping without a copy.

uint64_t le(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

struct Record {
  uint64_t offset = 0;  // of the data, in the file
  uint64_t size = 0;
};

class ZipArchive {
 public:
  ZipArchive(std::shared_ptr<Mapping> map, std::string path) : map_(std::move(map)), path_(std::move(path)) {
    read_directory();
  }

  const Record* find(const std::string& name) const {
    auto it = records_.find(name);
    return it == records_.end() ? nullptr : &it->second;
  }
  const std::map<std::string, Record>& records() const { return records_; }
  bool is_compressed(const std::string& name) const { return compressed_.count(name) > 0; }
  const std::set<std::string>& compressed() const { return compressed_; }
  const unsigned char* data(const Record& r) const { return map_->bytes() + r.offset; }
  [[noreturn]] void fail(const std::string& problem) const {
    throw Error("'" + path_ + "' is not a valid PyTorch zip archive: " + problem);
  }

 private:
  const unsigned char* at(uint64_t offset, uint64_t n, const char* what) const {
    if (offset > map_->size || n > map_->size - offset) fail(std::string(what) + " lies outside the file (truncated?)");
    return map_->bytes() + offset;
  }

  void read_directory() {
    const uint64_t size = map_->size;
    if (size < 22) fail("file too short");
    // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
    uint64_t eocd = UINT64_MAX;
    const uint64_t lowest = size >= 22 + 65535 ? size - 22 - 65535 : 0;
    for (uint64_t p = size - 22 + 1; p-- > lowest;) {
      if (le(map_->bytes() + p, 4) == 0x06054b50) {
        eocd = p;
        break;
      }
    }
    if (eocd == UINT64_MAX) fail("no end-of-central-directory record (truncated?)");
    const unsigned char* e = map_->bytes() + eocd;
    uint64_t count = le(e + 10, 2), cd_size = le(e + 12, 4), cd_offset = le(e + 16, 4);
    if (count == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff) {
      if (eocd < 20) fail("zip64 locator missing");
      const unsigned char* loc = map_->bytes() + eocd - 20;
      if (le(loc, 4) != 0x07064b50) fail("zip64 locator missing");
      const unsigned char* z = at(le(loc + 8, 8), 56, "zip64 end-of-central-directory record");
      if (le(z, 4) != 0x06064b50) fail("bad zip64 end-of-central-directory record");
      count = le(z + 32, 8);
      cd_size = le(z + 40, 8);
      cd_offset = le(z + 48, 8);
    }
    const unsigned char* cd = at(cd_offset, cd_size, "central directory");
    uint64_t pos = 0;
    for (uint64_t i = 0; i < count; ++i) {
      if (pos + 46 > cd_size || le(cd + pos, 4) != 0x02014b50) fail("corrupt central directory");
      const unsigned char* h = cd + pos;
      const uint64_t flags = le(h + 8, 2), method = le(h + 10, 2);
      uint64_t csize = le(h + 20, 4), usize = le(h + 24, 4);
      const uint64_t name_len = le(h + 28, 2), extra_len = le(h + 30, 2), comment_len = le(h + 32, 2);
      uint64_t local = le(h + 42, 4);
      if (pos + 46 + name_len + extra_len + comment_len > cd_size) fail("corrupt central directory");
      std::string name(reinterpret_cast<const char*>(h + 46), name_len);
      // zip64 extra field: the 64-bit values of whichever fields were saturated.
      const unsigned char* x = h + 46 + name_len;
      for (uint64_t xp = 0; xp + 4 <= extra_len;) {
        const uint64_t id = le(x + xp, 2), len = le(x + xp + 2, 2);
        if (xp + 4 + len > extra_len) break;
        if (id == 0x0001) {
          const unsigned char* v = x + xp + 4;
          uint64_t vp = 0;
          auto take = [&](uint64_t& field) {
            if (field == 0xffffffff && vp + 8 <= len) {
              field = le(v + vp, 8);
              vp += 8;
            }
          };
          take(usize);
          take(csize);
          take(local);
        }
        xp += 4 + len;
      }
      pos += 46 + name_len + extra_len + comment_len;
      if (!name.empty() && name.back() == '/') continue;  // folder entry
      const unsigned char* lh = at(local, 30, "local header");
      if (le(lh, 4) != 0x04034b50) fail("bad local header for '" + name + "'");
      const uint64_t data = local + 30 + le(lh + 26, 2) + le(lh + 28, 2);
      if (flags & 1) fail("entry '" + name + "' is encrypted");
      if (method != 0) {
        // Recorded but unusable; only reported if something needs it.
        compressed_.emplace(name);
        continue;
      }
      if (csize != usize) fail("entry '" + name + "' has inconsistent sizes");
      at(data, usize, "entry data");
      records_[name] = Record{data, usize};
    }
  }

 private:
  std::shared_ptr<Mapping> map_;
  std::string path_;
  std::map<std::string, Record> records_;
  std::set<std::string> compressed_;
};

// ---------------------------------------------------------------------------------------
// The unpickler's own values. Globals and storages only exist while unpickling; the
// result is converted to PyValue at the end.

enum class Callable {
  kOrderedDict,
  kRebuildTensor,
  kRebuildTensorV2,
  kRebuildParameter,
  kRebuildParameterWithState,
  kTorchSize,
  kStorageType,
};

struct Val;
using ValP = std::shared_ptr<Val>;

struct Val {
  enum class K { kNone, kBool, kInt, kFloat, kStr, kBytes, kList, kTuple, kDict, kTensor, kGlobal, kStorage } k;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;  // str, bytes, or "module.name" of a global
  std::vector<ValP> items;
  std::vector<std::pair<ValP, ValP>> dict;
  std::unordered_map<std::string, size_t> index;  // str/int dict keys to their position
  at::Tensor tensor;  // a tensor, or a storage as a flat tensor of its elements
  Callable callable = Callable::kOrderedDict;
  at::ScalarType storage_dtype = at::kFloat;

  explicit Val(K kind) : k(kind) {}
};

// Every container made while unpickling; emptied at the end so that self-referencing
// data (which the pickle format can express) does not leak.
class Arena {
 public:
  ~Arena() {
    for (auto& v : containers_) {
      v->items.clear();
      v->dict.clear();
    }
  }
  ValP make(Val::K k) {
    ValP v = std::make_shared<Val>(k);
    if (k == Val::K::kList || k == Val::K::kTuple || k == Val::K::kDict) containers_.push_back(v);
    return v;
  }

 private:
  std::vector<ValP> containers_;
};

const char* kind_name(Val::K k) {
  switch (k) {
    case Val::K::kNone: return "None";
    case Val::K::kBool: return "bool";
    case Val::K::kInt: return "int";
    case Val::K::kFloat: return "float";
    case Val::K::kStr: return "str";
    case Val::K::kBytes: return "bytes";
    case Val::K::kList: return "list";
    case Val::K::kTuple: return "tuple";
    case Val::K::kDict: return "dict";
    case Val::K::kTensor: return "tensor";
    case Val::K::kGlobal: return "class or function";
    case Val::K::kStorage: return "storage";
  }
  return "?";
}

struct StorageType {
  const char* name;
  at::ScalarType dtype;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", at::kFloat}, {"HalfStorage", at::kHalf},  {"BFloat16Storage", at::kBFloat16},
    {"DoubleStorage", at::kDouble}, {"LongStorage", at::kLong}, {"IntStorage", at::kInt},
    {"ShortStorage", at::kShort}, {"CharStorage", at::kChar},   {"ByteStorage", at::kByte},
    {"BoolStorage", at::kBool},
};

class Unpickler {
 public:
  ValP make(Val::K k) { return arena_.make(k); }

  Unpickler(const ZipArchive& zip, std::shared_ptr<Mapping> map, std::string path, std::string prefix,
            const unsigned char* data, size_t size)
      : zip_(zip), map_(std::move(map)), path_(std::move(path)), prefix_(std::move(prefix)), p_(data), n_(size) {}

  ValP run() {
    while (true) {
      const size_t op_at = pos_;
      const unsigned char op = u8();
      switch (op) {
        case 0x80: u8(); break;        // PROTO
        case 0x95: bytes(8); break;    // FRAME: framing is irrelevant with all data in memory
        case '.':                      // STOP
          if (stack_.size() != 1) fail(op_at, "stack holds " + std::to_string(stack_.size()) + " values at STOP");
          return stack_.back();
        case '(': marks_.push_back(stack_.size()); break;  // MARK
        case '}': push(make(Val::K::kDict)); break;
        case ']': push(make(Val::K::kList)); break;
        case ')': push(make(Val::K::kTuple)); break;
        case 'N': push(make(Val::K::kNone)); break;
        case 0x88: push_bool(true); break;
        case 0x89: push_bool(false); break;
        case 'J': push_int(static_cast<int32_t>(le(bytes(4), 4))); break;  // BININT
        case 'K': push_int(u8()); break;                                      // BININT1
        case 'M': push_int(static_cast<int64_t>(le(bytes(2), 2))); break;    // BININT2
        case 0x8a: push_int(read_long(u8(), op_at)); break;                  // LONG1
        case 0x8b: push_int(read_long(le(bytes(4), 4), op_at)); break;       // LONG4
        case 'G': {  // BINFLOAT, big-endian
          const unsigned char* b = bytes(8);
          uint64_t bits = 0;
          for (int i = 0; i < 8; ++i) bits = (bits << 8) | b[i];
          double d;
          std::memcpy(&d, &bits, 8);
          auto v = make(Val::K::kFloat);
          v->f = d;
          push(v);
          break;
        }
        case 'X': push_str(Val::K::kStr, le(bytes(4), 4)); break;     // BINUNICODE
        case 0x8c: push_str(Val::K::kStr, u8()); break;              // SHORT_BINUNICODE
        case 0x8d: push_str(Val::K::kStr, le(bytes(8), 8)); break;   // BINUNICODE8
        case 'T': push_str(Val::K::kStr, le(bytes(4), 4)); break;     // BINSTRING (Python 2 str)
        case 'U': push_str(Val::K::kStr, u8()); break;               // SHORT_BINSTRING
        case 'B': push_str(Val::K::kBytes, le(bytes(4), 4)); break;   // BINBYTES
        case 'C': push_str(Val::K::kBytes, u8()); break;             // SHORT_BINBYTES
        case 0x8e: push_str(Val::K::kBytes, le(bytes(8), 8)); break; // BINBYTES8
        case 't': {  // TUPLE
          auto v = make(Val::K::kTuple);
          v->items = pop_mark(op_at);
          push(v);
          break;
        }
        case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
          const size_t k = op - 0x84u;
          need(k, op_at);
          auto v = make(Val::K::kTuple);
          v->items.assign(stack_.end() - static_cast<long>(k), stack_.end());
          stack_.resize(stack_.size() - k);
          push(v);
          break;
        }
        case 'l': {  // LIST
          auto v = make(Val::K::kList);
          v->items = pop_mark(op_at);
          push(v);
          break;
        }
        case 'd': {  // DICT
          auto items = pop_mark(op_at);
          auto v = make(Val::K::kDict);
          set_items(v, items, op_at);
          push(v);
          break;
        }
        case 's': {  // SETITEM
          need(3, op_at);
          std::vector<ValP> kv(stack_.end() - 2, stack_.end());
          stack_.resize(stack_.size() - 2);
          set_items(stack_.back(), kv, op_at);
          break;
        }
        case 'u': {  // SETITEMS
          auto kv = pop_mark(op_at);
          need(1, op_at);
          set_items(stack_.back(), kv, op_at);
          break;
        }
        case 'a': {  // APPEND
          need(2, op_at);
          ValP x = pop();
          append(stack_.back(), {x}, op_at);
          break;
        }
        case 'e': {  // APPENDS
          auto xs = pop_mark(op_at);
          need(1, op_at);
          append(stack_.back(), xs, op_at);
          break;
        }
        case '0': need(1, op_at); pop(); break;   // POP
        case '1': pop_mark(op_at); break;         // POP_MARK
        case '2': need(1, op_at); push(stack_.back()); break;  // DUP
        case 'q': put(u8(), op_at); break;                    // BINPUT
        case 'r': put(le(bytes(4), 4), op_at); break;         // LONG_BINPUT
        case 0x94: put(memo_.size(), op_at); break;           // MEMOIZE
        case 'h': get(u8(), op_at); break;                    // BINGET
        case 'j': get(le(bytes(4), 4), op_at); break;         // LONG_BINGET
        case 'c': {  // GLOBAL "module\nname\n"
          std::string module = line(op_at), name = line(op_at);
          push(global(module, name));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          need(2, op_at);
          ValP name = pop(), module = pop();
          if (module->k != Val::K::kStr || name->k != Val::K::kStr) fail(op_at, "STACK_GLOBAL needs two strings");
          push(global(module->s, name->s));
          break;
        }
        case 'R': {  // REDUCE
          need(2, op_at);
          ValP args = pop(), fn = pop();
          push(call(fn, args, op_at));
          break;
        }
        case 0x81: {  // NEWOBJ: cls.__new__(cls, *args)
          need(2, op_at);
          ValP args = pop(), cls = pop();
          if (cls->k != Val::K::kGlobal || cls->callable != Callable::kOrderedDict)
            fail(op_at, "NEWOBJ is only accepted for collections.OrderedDict");
          push(make(Val::K::kDict));
          break;
        }
        case 'b':  // BUILD: the state torch attaches (OrderedDict._metadata, ...) is not needed
          need(2, op_at);
          pop();
          break;
        case 'Q': {  // BINPERSID
          need(1, op_at);
          ValP pid = pop();
          push(persistent_load(pid, op_at));
          break;
        }
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(op_at, std::string("unsupported pickle opcode ") + hex);
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(size_t at, const std::string& problem) const {
    throw Error("cannot read '" + path_ + "': malformed pickle data (" + problem + " at byte " + std::to_string(at) +
                " of data.pkl)");
  }

  unsigned char u8() {
    if (pos_ >= n_) fail(pos_, "unexpected end");
    return p_[pos_++];
  }
  const unsigned char* bytes(uint64_t k) {
    if (k > n_ - pos_) fail(pos_, "unexpected end");
    const unsigned char* b = p_ + pos_;
    pos_ += static_cast<size_t>(k);
    return b;
  }
  std::string line(size_t op_at) {
    const size_t start = pos_;
    while (pos_ < n_ && p_[pos_] != '\n') ++pos_;
    if (pos_ >= n_) fail(op_at, "unterminated GLOBAL");
    std::string s(reinterpret_cast<const char*>(p_ + start), pos_ - start);
    ++pos_;
    return s;
  }
  int64_t read_long(uint64_t len, size_t op_at) {
    if (len > 8) fail(op_at, "integer wider than 64 bits");
    const unsigned char* b = bytes(len);
    if (len == 0) return 0;
    uint64_t v = le(b, static_cast<int>(len));
    if (len < 8 && (b[len - 1] & 0x80)) v |= ~uint64_t{0} << (8 * len);  // sign-extend
    return static_cast<int64_t>(v);
  }

  void push(ValP v) { stack_.push_back(std::move(v)); }
  ValP pop() {
    ValP v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  void need(size_t k, size_t op_at) const {
    const size_t floor = marks_.empty() ? 0 : marks_.back();
    if (stack_.size() < floor + k) fail(op_at, "stack underflow");
  }
  void push_bool(bool b) {
    auto v = make(Val::K::kBool);
    v->b = b;
    push(v);
  }
  void push_int(int64_t i) {
    auto v = make(Val::K::kInt);
    v->i = i;
    push(v);
  }
  void push_str(Val::K k, uint64_t len) {
    auto v = make(k);
    const unsigned char* b = bytes(len);
    v->s.assign(reinterpret_cast<const char*>(b), static_cast<size_t>(len));
    push(v);
  }
  std::vector<ValP> pop_mark(size_t op_at) {
    if (marks_.empty()) fail(op_at, "no MARK");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<ValP> items(stack_.begin() + static_cast<long>(m), stack_.end());
    stack_.resize(m);
    return items;
  }
  void set_items(const ValP& d, const std::vector<ValP>& kv, size_t op_at) {
    if (d->k != Val::K::kDict) fail(op_at, std::string("SETITEM on a ") + kind_name(d->k));
    if (kv.size() % 2) fail(op_at, "odd number of items for a dict");
    for (size_t i = 0; i < kv.size(); i += 2) {
      // Python semantics: a repeated key replaces the value in place.
      const ValP& k = kv[i];
      if (k->k == Val::K::kStr || k->k == Val::K::kInt) {
        const std::string id = k->k == Val::K::kStr ? "s" + k->s : "i" + std::to_string(k->i);
        auto [it, fresh] = d->index.emplace(id, d->dict.size());
        if (!fresh) {
          d->dict[it->second].second = kv[i + 1];
          continue;
        }
      }
      d->dict.emplace_back(k, kv[i + 1]);
    }
  }
  void append(const ValP& l, const std::vector<ValP>& xs, size_t op_at) {
    if (l->k != Val::K::kList) fail(op_at, std::string("APPEND on a ") + kind_name(l->k));
    l->items.insert(l->items.end(), xs.begin(), xs.end());
  }
  void put(uint64_t idx, size_t op_at) {
    need(1, op_at);
    memo_[idx] = stack_.back();
  }
  void get(uint64_t idx, size_t op_at) {
    auto it = memo_.find(idx);
    if (it == memo_.end()) fail(op_at, "memo entry " + std::to_string(idx) + " missing");
    push(it->second);
  }

  // The allow-list: everything else is refused before it could be called.
  ValP global(const std::string& module, const std::string& name) {
    auto v = make(Val::K::kGlobal);
    v->s = module + "." + name;
    if (module == "collections" && name == "OrderedDict") {
      v->callable = Callable::kOrderedDict;
      return v;
    }
    if (module == "torch._utils") {
      if (name == "_rebuild_tensor_v2") v->callable = Callable::kRebuildTensorV2;
      else if (name == "_rebuild_tensor") v->callable = Callable::kRebuildTensor;
      else if (name == "_rebuild_parameter") v->callable = Callable::kRebuildParameter;
      else if (name == "_rebuild_parameter_with_state") v->callable = Callable::kRebuildParameterWithState;
      else refuse(v->s);
      return v;
    }
    if (module == "torch") {
      if (name == "Size") {
        v->callable = Callable::kTorchSize;
        return v;
      }
      for (const auto& st : kStorageTypes) {
        if (name == st.name) {
          v->callable = Callable::kStorageType;
          v->storage_dtype = st.dtype;
          return v;
        }
      }
      if (name.size() > 7 && name.compare(name.size() - 7, 7, "Storage") == 0)
        throw Error("cannot read '" + path_ + "': it holds tensors of storage type torch." + name +
                    ", which is not supported (supported: float64/32/16, bfloat16, int64/32/16/8, uint8, bool)");
    }
    refuse(v->s);
  }

  [[noreturn]] void refuse(const std::string& qualified) const {
    throw Error("cannot read '" + path_ + "': it references the Python object '" + qualified +
                "', which a plain PyTorch state dict never contains. Loading it would need Python classes "
                "(or could run code), so it is refused. Convert the file to .safetensors with Python, "
                "or re-save just the tensors with torch.save(model.state_dict(), ...).");
  }

  static const ValP& arg(const ValP& args, size_t i) { return args->items[i]; }

  int64_t int_arg(const ValP& v, size_t op_at, const char* what) const {
    if (v->k != Val::K::kInt) fail(op_at, std::string(what) + " is not an int");
    return v->i;
  }
  std::vector<int64_t> ints_arg(const ValP& v, size_t op_at, const char* what) const {
    if (v->k != Val::K::kTuple && v->k != Val::K::kList) fail(op_at, std::string(what) + " is not a tuple");
    std::vector<int64_t> out;
    for (const auto& x : v->items) out.push_back(int_arg(x, op_at, what));
    return out;
  }

  ValP rebuild_tensor(const ValP& storage, const ValP& offset_v, const ValP& size_v, const ValP& stride_v,
                      size_t op_at) {
    if (storage->k != Val::K::kStorage) fail(op_at, "tensor rebuilt from a non-storage");
    const int64_t offset = int_arg(offset_v, op_at, "storage offset");
    const auto size = ints_arg(size_v, op_at, "tensor size");
    const auto stride = ints_arg(stride_v, op_at, "tensor stride");
    if (size.size() != stride.size()) fail(op_at, "tensor size and stride differ in length");
    const int64_t numel = storage->tensor.numel();
    // Bounds: the furthest element must lie inside the storage.
    bool empty = false;
    for (size_t i = 0; i < size.size(); ++i) {
      if (size[i] < 0 || stride[i] < 0) fail(op_at, "negative tensor size or stride");
      if (size[i] == 0) empty = true;
    }
    int64_t last = offset;
    if (!empty)
      for (size_t i = 0; i < size.size(); ++i) {
        int64_t span = 0;
        if (__builtin_mul_overflow(size[i] - 1, stride[i], &span) || __builtin_add_overflow(last, span, &last))
          fail(op_at, "tensor too large");
      }
    if (offset < 0 || (!empty && last >= numel) || (empty && offset > numel))
      throw Error("cannot read '" + path_ + "': a tensor of size " + c10::str(at::IntArrayRef(size)) +
                  " reaches past the end of its storage of " + std::to_string(numel) + " elements (corrupt file)");
    auto v = make(Val::K::kTensor);
    v->tensor = storage->tensor.as_strided(size, stride, offset);
    return v;
  }

  ValP call(const ValP& fn, const ValP& args, size_t op_at) {
    if (fn->k != Val::K::kGlobal) fail(op_at, std::string("REDUCE on a ") + kind_name(fn->k));
    if (args->k != Val::K::kTuple) fail(op_at, "REDUCE arguments are not a tuple");
    const size_t n = args->items.size();
    auto arity = [&](size_t lo, size_t hi) {
      if (n < lo || n > hi) fail(op_at, fn->s + " called with " + std::to_string(n) + " arguments");
    };
    switch (fn->callable) {
      case Callable::kOrderedDict: {
        arity(0, 1);
        auto d = make(Val::K::kDict);
        if (n == 1) {  // OrderedDict([(k, v), ...])
          const ValP& l = arg(args, 0);
          if (l->k != Val::K::kList && l->k != Val::K::kTuple) fail(op_at, "OrderedDict argument is not a list");
          for (const auto& kv : l->items) {
            if ((kv->k != Val::K::kTuple && kv->k != Val::K::kList) || kv->items.size() != 2)
              fail(op_at, "OrderedDict item is not a pair");
            set_items(d, kv->items, op_at);
          }
        }
        return d;
      }
      case Callable::kTorchSize: {
        arity(0, 1);
        auto t = make(Val::K::kTuple);
        if (n == 1) {
          ints_arg(arg(args, 0), op_at, "torch.Size");
          t->items = arg(args, 0)->items;
        }
        return t;
      }
      case Callable::kRebuildTensor:
        arity(4, 4);
        return rebuild_tensor(arg(args, 0), arg(args, 1), arg(args, 2), arg(args, 3), op_at);
      case Callable::kRebuildTensorV2:
        // (storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
        arity(6, 7);
        return rebuild_tensor(arg(args, 0), arg(args, 1), arg(args, 2), arg(args, 3), op_at);
      case Callable::kRebuildParameter:
      case Callable::kRebuildParameterWithState: {
        // (data, requires_grad, backward_hooks[, state]): the weights are all we need.
        arity(3, 4);
        if (arg(args, 0)->k != Val::K::kTensor) fail(op_at, "parameter data is not a tensor");
        return arg(args, 0);
      }
      case Callable::kStorageType:
        fail(op_at, "storage types cannot be called");
    }
    fail(op_at, "unknown callable");
  }

  ValP persistent_load(const ValP& pid, size_t op_at) {
    // ('storage', storage_type, key, location, numel)
    if (pid->k != Val::K::kTuple || pid->items.size() < 5 || pid->items[0]->k != Val::K::kStr ||
        pid->items[0]->s != "storage")
      fail(op_at, "unsupported persistent id");
    const ValP& type = pid->items[1];
    const ValP& key = pid->items[2];
    if (type->k != Val::K::kGlobal || type->callable != Callable::kStorageType) fail(op_at, "storage type is not a torch storage class");
    if (key->k != Val::K::kStr) fail(op_at, "storage key is not a string");
    const int64_t numel = int_arg(pid->items[4], op_at, "storage size");
    if (numel < 0) fail(op_at, "negative storage size");

    const std::string cache_key = key->s + "/" + c10::toString(type->storage_dtype);
    auto cached = storages_.find(cache_key);
    if (cached != storages_.end()) return cached->second;

    const std::string record = prefix_ + "data/" + key->s;
    const Record* r = zip_.find(record);
    if (!r) {
      if (zip_.is_compressed(record)) zip_.fail("entry '" + record + "' is compressed; torch.save never does that (re-zipped file?)");
      throw Error("cannot read '" + path_ + "': the storage record '" + record + "' is missing from the archive (corrupt or truncated file)");
    }
    const uint64_t itemsize = c10::elementSize(type->storage_dtype);
    if (static_cast<uint64_t>(numel) > r->size / itemsize)
      throw Error("cannot read '" + path_ + "': storage record '" + record + "' holds " + std::to_string(r->size) +
                  " bytes, fewer than its " + std::to_string(numel) + " elements need (corrupt file)");
    void* ptr = const_cast<unsigned char*>(zip_.data(*r));
    auto keep = map_;
    at::Tensor flat = at::from_blob(ptr, {numel}, [keep](void*) {}, at::TensorOptions().dtype(type->storage_dtype));
    // torch.save aligns records to 64 bytes; anything else is copied to keep kernels' alignment assumptions.
    if (reinterpret_cast<uintptr_t>(ptr) % itemsize != 0) flat = flat.clone();
    auto v = make(Val::K::kStorage);
    v->tensor = flat;
    storages_.emplace(cache_key, v);
    return v;
  }

  Arena arena_;
  const ZipArchive& zip_;
  std::shared_ptr<Mapping> map_;
  std::string path_, prefix_;
  const unsigned char* p_;
  size_t n_;
  size_t pos_ = 0;
  std::vector<ValP> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, ValP> memo_;
  std::unordered_map<std::string, ValP> storages_;
};

// Converts the unpickler's values, keeping shared containers shared and refusing cycles.
class Converter {
 public:
  explicit Converter(std::string path) : path_(std::move(path)) {}

  PyValue convert(const ValP& v, int depth = 0) {
    if (depth > 512) throw Error("cannot read '" + path_ + "': data nested too deeply");
    PyValue out;
    switch (v->k) {
      case Val::K::kNone: case Val::K::kGlobal: out.v = PyNone{}; break;
      case Val::K::kBool: out.v = v->b; break;
      case Val::K::kInt: out.v = v->i; break;
      case Val::K::kFloat: out.v = v->f; break;
      case Val::K::kStr: out.v = v->s; break;
      case Val::K::kBytes: out.v = PyBytes{v->s}; break;
      case Val::K::kTensor: case Val::K::kStorage: out.v = v->tensor; break;
      case Val::K::kList: case Val::K::kTuple: case Val::K::kDict: {
        auto it = done_.find(v.get());
        if (it != done_.end()) return it->second;
        if (!open_.insert(v.get()).second)
          throw Error("cannot read '" + path_ + "': it holds self-referencing data, which a weights file never does");
        if (v->k == Val::K::kList) {
          auto l = std::make_shared<PyList>();
          for (const auto& x : v->items) l->push_back(convert(x, depth + 1));
          out.v = l;
        } else if (v->k == Val::K::kTuple) {
          auto t = std::make_shared<PyTuple>();
          for (const auto& x : v->items) t->items.push_back(convert(x, depth + 1));
          out.v = t;
        } else {
          auto d = std::make_shared<PyDict>();
          for (const auto& [k, x] : v->dict) d->emplace_back(convert(k, depth + 1), convert(x, depth + 1));
          out.v = d;
        }
        open_.erase(v.get());
        done_[v.get()] = out;  // shared containers stay shared
        break;
      }
    }
    return out;
  }

 private:
  std::string path_;
  std::unordered_map<const Val*, PyValue> done_;
  std::unordered_set<const Val*> open_;  // on the current path: seeing one again is a cycle
};

void flatten_into(const PyValue& value, const std::string& prefix, TensorMap& out, int depth) {
  if (depth > 64)
    throw Error("tensors nested more than 64 dicts deep under '" + prefix.substr(0, 60) + "...' (cyclic data?)");
  if (value.is_tensor()) {
    out[prefix] = value.tensor();
    return;
  }
  if (!value.is_dict()) return;
  for (const auto& [k, v] : value.dict()) {
    std::string name;
    if (k.is_string()) name = k.str();
    else if (k.is_int()) name = std::to_string(std::get<int64_t>(k.v));
    else continue;
    flatten_into(v, prefix.empty() ? name : prefix + "." + name, out, depth + 1);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------

namespace {
std::string with_article(const std::string& type) {
  return (type == "int" ? "an " : "a ") + type;
}
}  // namespace

const PyDict& PyValue::dict() const {
  if (!is_dict()) throw Error("expected a dict, found " + with_article(type_name()));
  return *std::get<std::shared_ptr<PyDict>>(v);
}

const at::Tensor& PyValue::tensor() const {
  if (!is_tensor()) throw Error("expected a tensor, found " + with_article(type_name()));
  return std::get<at::Tensor>(v);
}

const std::string& PyValue::str() const {
  if (!is_string()) throw Error("expected a str, found " + with_article(type_name()));
  return std::get<std::string>(v);
}

const PyValue* PyValue::get(const std::string& key) const {
  if (!is_dict()) return nullptr;
  for (const auto& [k, x] : *std::get<std::shared_ptr<PyDict>>(v))
    if (k.is_string() && std::get<std::string>(k.v) == key) return &x;
  return nullptr;
}

std::string PyValue::type_name() const {
  static const char* names[] = {"None", "bool", "int", "float", "str", "bytes", "list", "tuple", "dict", "tensor"};
  return names[v.index()];
}

PyValue load_torch_pickle(const std::string& path) {
  auto map = map_file(path);
  if (map->size == 0) throw Error("cannot read '" + path + "': the file is empty");
  const unsigned char* b = map->bytes();
  if (map->size < 4 || std::memcmp(b, "PK\x03\x04", 4) != 0) {
    if (b[0] == 0x80)
      throw Error("'" + path + "' uses the legacy (pre-1.6) torch.save format, which is not supported: re-save it "
                  "with a current PyTorch (torch.save(torch.load(f), f)) or convert it to .safetensors");
    throw Error("'" + path + "' is not a PyTorch file (expected a torch.save zip archive)");
  }
  ZipArchive zip(map, path);
  // Everything lives under one folder whose name torch.save picks from the file name.
  std::string prefix;
  const Record* pkl = nullptr;
  for (const auto& [name, rec] : zip.records()) {
    const auto slash = name.find('/');
    if (slash != std::string::npos && name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      prefix = name.substr(0, slash + 1);
      pkl = &rec;
      break;
    }
  }
  if (!pkl) {
    for (const auto& [name, rec] : zip.records())
      if (name.size() >= 13 && name.compare(name.size() - 13, 13, "constants.pkl") == 0)
        throw Error("'" + path + "' is a TorchScript archive (torch.jit.save), not a torch.save file; "
                    "save the model's state_dict instead");
    for (const auto& name : zip.compressed())
      if (name.size() >= 8 && name.compare(name.size() - 8, 8, "data.pkl") == 0)
        zip.fail("'" + name + "' is compressed; torch.save never does that (re-zipped file?)");
    zip.fail("no data.pkl record");
  }
  if (const Record* order = zip.find(prefix + "byteorder")) {
    const std::string s(reinterpret_cast<const char*>(zip.data(*order)), order->size);
    if (s != "little") throw Error("'" + path + "' was written on a big-endian machine, which is not supported");
  }
  Unpickler u(zip, map, path, prefix, zip.data(*pkl), static_cast<size_t>(pkl->size));
  ValP root = u.run();
  return Converter(path).convert(root);
}

TensorMap flatten_tensors(const PyValue& value, const std::string& prefix) {
  TensorMap out;
  flatten_into(value, prefix, out, 0);
  return out;
}

}  // namespace mrti
