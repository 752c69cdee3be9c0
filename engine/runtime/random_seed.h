#pragma once
// The seed a request without one gets.

#include <cstdint>

namespace mrti {

// Non-negative and below 2^31: a seed every Stable Diffusion tool accepts, and one the app's
// seed box (an int) can show and reuse.
int64_t random_seed();

}  // namespace mrti
