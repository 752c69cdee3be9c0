#pragma once
// What a person reads when an operation fails: the engine's own messages as they are,
// running out of memory said plainly, and LibTorch's errors without their C++ backtrace.
#include <exception>
#include <string>

namespace mrti {

std::string error_message(const std::exception& e);

}  // namespace mrti
