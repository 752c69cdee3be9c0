#include "runtime/cpu_setup.h"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <sched.h>

#include <thread>

#include <ATen/Context.h>
#include <ATen/Parallel.h>

namespace mrti {

namespace {

int usable_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? int(n) : 1;
}

}  // namespace

void configure_threads(int threads) {
  // Subnormal floats take a slow microcode path on x86 (tens of times slower per
  // operation); activations and gradients of a training run drift into that range. Set
  // here, on the main thread before the worker pools exist, so every worker inherits it.
  at::globalContext().setFlushDenormal(true);
  at::set_num_threads(threads > 0 ? threads : usable_cores());
  // OpenBLAS (Debian's pthreads build) keeps a pool of its own whose idle threads spin in
  // sched_yield. Beside LibTorch's OpenMP threads they took half of a 2-core machine in
  // system time: a shapes64 UNet training step ran at 1.0 it/s with it and 2.1 it/s with
  // OpenBLAS single-threaded and LibTorch on both cores.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
  // Inter-op threads can only be set before first use; ignore a second attempt.
  try {
    at::set_num_interop_threads(1);
  } catch (...) {
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
