#pragma once
// CPU-side runtime facts: thread count and which BLAS LibTorch ended up with.
#include <string>

namespace mrti {

// Sets LibTorch's intra-op threads once, before any work (0 = one per usable core),
// keeps OpenBLAS to one thread (LibTorch's threads do the parallel work), and flushes
// subnormal floats to zero.
void configure_threads(int threads);
int current_threads();

// Path libblas.so.3 resolves to in this process ("" if not loaded). Debian's reference
// BLAS is ~50x slower than OpenBLAS for LibTorch's matmuls.
std::string loaded_blas_library();
// A warning to show the user when the slow reference BLAS is in use, else "".
std::string blas_warning();

}  // namespace mrti
