#pragma once
// What every fuzz target shares: the input as a file (the loaders read paths), and the
// rule that decides a finding. Bad input must end in an mrti::Error, never in another
// exception (a raw library message), a crash or a sanitizer report.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <typeinfo>
#include <unistd.h>

#include "runtime/error.h"

namespace mrti_fuzz {

// A per-process file in /dev/shm (memory, so millions of runs do not wear a disk).
inline std::string write_input(const uint8_t* data, std::size_t size, const std::string& extension) {
  const std::string path = "/dev/shm/mrti-fuzz-" + std::to_string(::getpid()) + extension;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                 std::streamsize(size));
  return path;
}

// Runs `f`; an mrti::Error is the expected answer to bad input, anything else aborts so
// libFuzzer keeps the input.
template <typename F>
void expect_clear_errors(F&& f) {
  try {
    f();
  } catch (const mrti::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "not an mrti::Error (%s): %s\n", typeid(e).name(), e.what());
    std::abort();
  }
}

}  // namespace mrti_fuzz
