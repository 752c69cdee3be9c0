#pragma once
// How bfloat16 models do their arithmetic on the CPU. With AVX512-BF16 or AMX, LibTorch's
// bf16 convolutions and matmuls run natively. Without them (AVX2: most desktop and laptop
// CPUs) LibTorch 1.13 emulates bf16 at 15-90x the time of float32 (a 3x3 convolution 8 GF/s
// against 123, a matmul 1.3 against 122, on 2 AVX2 cores). There a bf16 model keeps its
// weights in bf16, half the memory of float32, and computes in float32: each weight is
// widened as a layer uses it, as stable-diffusion.cpp does with f16 weights on the CPU.
#include <string>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

namespace mrti {

enum class Bfloat16Math {
  Automatic,  // Native where the CPU has AVX512-BF16 or AMX, else Float32
  Native,     // bf16 arithmetic (LibTorch's kernels, emulated where the CPU lacks bf16 units)
  Float32,    // bf16 weights, float32 arithmetic
};

// "auto", "native" or "float32"/"fp32"; anything else is an mrti::Error naming the choices.
Bfloat16Math parse_bfloat16_math(const std::string& name);
std::string bfloat16_math_name(Bfloat16Math math);  // "auto", "native", "float32"

// Process-wide, like LibTorch's thread count. Until set, the environment variable
// MRTI_BF16_MATH (a name parse_bfloat16_math takes) decides, else Automatic.
void set_cpu_bfloat16_math(Bfloat16Math math);
// The setting resolved for this CPU: Native or Float32.
Bfloat16Math cpu_bfloat16_math();

// set_cpu_bfloat16_math for its lifetime; the setting before it comes back after (comparisons).
class Bfloat16MathScope {
 public:
  explicit Bfloat16MathScope(Bfloat16Math math);
  ~Bfloat16MathScope();
  Bfloat16MathScope(const Bfloat16MathScope&) = delete;
  Bfloat16MathScope& operator=(const Bfloat16MathScope&) = delete;

 private:
  int previous_;
};

// The dtype a model holding `weights` on `device` computes in: float32 for bfloat16 weights
// on the CPU when cpu_bfloat16_math() is Float32, otherwise `weights` itself.
c10::ScalarType compute_dtype(const c10::Device& device, c10::ScalarType weights);

}  // namespace mrti
