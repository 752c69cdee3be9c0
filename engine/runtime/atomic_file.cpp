#include "runtime/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include "runtime/error.h"

namespace mrti {
namespace fs = std::filesystem;

namespace {
std::string temporary_name(const std::string& path) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::ostringstream s;
  s << path << ".tmp-" << std::hex << rng();
  return s.str();
}

void fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}
}  // namespace

void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write) {
  fs::path target(path);
  if (target.has_parent_path() && !fs::exists(target.parent_path()))
    throw Error("cannot write '" + path + "': folder '" + target.parent_path().string() + "' does not exist");
  const std::string tmp = temporary_name(path);
  try {
    write(tmp);
    fsync_path(tmp);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error("cannot write '" + path + "': " + ec.message());
  }
  if (target.has_parent_path()) fsync_path(target.parent_path().string());
}

void write_file_atomically(const std::string& path, const void* data, std::size_t size) {
  write_atomically(path, [&](const std::string& tmp) {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw Error("cannot write '" + path + "': " + std::strerror(errno));
    const bool ok = size == 0 || std::fwrite(data, 1, size, f) == size;
    const bool closed = std::fclose(f) == 0;
    if (!ok || !closed) throw Error("cannot write '" + path + "': disk full or I/O error");
  });
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  write_file_atomically(path, contents.data(), contents.size());
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("file not found: '" + path + "'");
  if (fs::is_directory(path, ec)) throw Error("'" + path + "' is a folder, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "': " + std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace mrti
