#pragma once
// The engine's one exception type: every message names the file, key or token at
// fault and, where it can, what to do about it.
#include <stdexcept>
#include <string>

namespace mrti {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace mrti
