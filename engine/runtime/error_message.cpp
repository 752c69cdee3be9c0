#include "runtime/error_message.h"

#include <new>

#include <c10/util/Exception.h>

namespace mrti {
namespace {

const char* kOutOfMemory =
    "out of memory: this needs more memory than is free; try a smaller batch or picture size, or close other "
    "programs";

bool mentions_allocation_failure(const std::string& s) {
  return s.find("can't allocate memory") != std::string::npos || s.find("not enough memory") != std::string::npos ||
         s.find("out of memory") != std::string::npos ||
         s.find("OutOfMemory") != std::string::npos;
}

}  // namespace

std::string error_message(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e)) return kOutOfMemory;
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) {
    const std::string s = c10->what_without_backtrace();
    const std::string first_line = s.substr(0, s.find('\n'));
    if (mentions_allocation_failure(s)) return std::string(kOutOfMemory) + " (" + first_line + ")";
    return "internal error in LibTorch: " + first_line;
  }
  return e.what();
}

}  // namespace mrti
