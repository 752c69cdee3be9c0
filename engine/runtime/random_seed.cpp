#include "runtime/random_seed.h"

#include <random>

namespace mrti {

int64_t random_seed() {
  std::random_device rd;
  return static_cast<int64_t>(rd() & 0x7fffffffu);
}

}  // namespace mrti
