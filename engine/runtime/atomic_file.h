#pragma once
// Files are written to a temporary sibling and renamed into place, so a crash or a
// cancel never leaves a half-written file under the real name.
#include <cstddef>
#include <functional>
#include <string>

namespace mrti {

// Calls write(path_of_temporary) and renames the temporary onto `path`. If `write`
// throws, the temporary is removed and the old file (if any) is untouched.
void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write);

// Writes `size` bytes at `data` to `path` atomically (fsync before rename).
void write_file_atomically(const std::string& path, const void* data, std::size_t size);
void write_file_atomically(const std::string& path, const std::string& contents);

// Whole file as bytes; throws mrti::Error naming the file if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace mrti
