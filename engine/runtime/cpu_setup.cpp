#include "runtime/cpu_setup.h"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <link.h>

#include <ATen/Context.h>
#include <ATen/Parallel.h>

namespace mrti {

void configure_threads(int threads) {
  // Subnormal floats take a slow microcode path on x86 (tens of times slower per
  // operation); activations and gradients of a training run drift into that range. Set
  // here, on the main thread before the worker pools exist, so every worker inherits it.
  at::globalContext().setFlushDenormal(true);
  if (threads > 0) {
    at::set_num_threads(threads);
    // OpenBLAS keeps a thread pool of its own (one thread per core) whose idle threads
    // spin in sched_yield; with fewer LibTorch threads they only take cores away.
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
    // Inter-op threads can only be set before first use; ignore a second attempt.
    try {
      at::set_num_interop_threads(1);
    } catch (...) {
    }
  }
}

int current_threads() { return at::get_num_threads(); }

std::string loaded_blas_library() {
  std::string found;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) -> int {
        if (info->dlpi_name && std::strstr(info->dlpi_name, "libblas.so")) {
          char resolved[PATH_MAX];
          *static_cast<std::string*>(out) =
              ::realpath(info->dlpi_name, resolved) ? resolved : info->dlpi_name;
          return 1;
        }
        return 0;
      },
      &found);
  return found;
}

std::string blas_warning() {
  const std::string blas = loaded_blas_library();
  // Debian's reference BLAS lives in .../blas/; optimized ones in openblas-*/ or atlas/.
  if (blas.find("/blas/libblas") != std::string::npos)
    return "LibTorch is using the slow reference BLAS (" + blas +
           "); install libopenblas0-pthread for ~50x faster matrix products on the CPU";
  return {};
}

}  // namespace mrti
