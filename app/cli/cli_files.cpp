#include "cli/cli_files.h"

#include <filesystem>

#include "runtime/error.h"

namespace fs = std::filesystem;

namespace mrti::cli {

void refuse_existing_file(const std::string& path, bool force) {
  if (fs::is_directory(path)) throw Error("'" + path + "' is a folder: give a file name");
  if (fs::exists(path) && !force)
    throw Error("'" + path + "' exists: choose another file, or pass --force to replace it");
}

void refuse_foreign_folder(const std::string& dir, bool force, const std::function<bool(const std::string&)>& ours) {
  if (!fs::exists(dir)) return;
  if (!fs::is_directory(dir)) throw Error("'" + dir + "' exists and is not a folder");
  if (force) return;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!ours(name))
      throw Error("'" + dir + "' holds files this command did not write (" + name +
                  "): choose an empty or new folder, or pass --force to write into it anyway");
  }
}

int unused_number(const std::string& dir, int first, const std::function<std::vector<std::string>(int)>& names) {
  for (int n = first;; ++n) {
    bool free = true;
    for (const auto& name : names(n)) free = free && !fs::exists(fs::path(dir) / name);
    if (free) return n;
  }
}

}  // namespace mrti::cli
