#include "runtime/bfloat16_math.h"

#include <atomic>
#include <cstdlib>

#include "runtime/ascii_lower.h"
#include "runtime/cpu_features.h"
#include "runtime/error.h"

namespace mrti {

namespace {

constexpr int kUnset = -1;
std::atomic<int> chosen{kUnset};

Bfloat16Math from_environment() {
  const char* value = std::getenv("MRTI_BF16_MATH");
  if (!value || !*value) return Bfloat16Math::Automatic;
  try {
    return parse_bfloat16_math(value);
  } catch (const Error& e) {
    throw Error(std::string("MRTI_BF16_MATH: ") + e.what());
  }
}

bool cpu_has_bfloat16_units() {
  static const bool has = [] {
    const CpuFeatures cpu = cpu_features();
    return cpu.avx512_bf16 || cpu.amx_bf16;
  }();
  return has;
}

}  // namespace

Bfloat16Math parse_bfloat16_math(const std::string& name) {
  const std::string n = ascii_lower(name);
  if (n == "auto") return Bfloat16Math::Automatic;
  if (n == "native") return Bfloat16Math::Native;
  if (n == "float32" || n == "fp32") return Bfloat16Math::Float32;
  throw Error("unknown bfloat16 arithmetic '" + name + "': expected auto, native or float32");
}

std::string bfloat16_math_name(Bfloat16Math math) {
  switch (math) {
    case Bfloat16Math::Native:
      return "native";
    case Bfloat16Math::Float32:
      return "float32";
    default:
      return "auto";
  }
}

void set_cpu_bfloat16_math(Bfloat16Math math) { chosen.store(static_cast<int>(math)); }

Bfloat16Math cpu_bfloat16_math() {
  int m = chosen.load();
  if (m == kUnset) {
    // Read once; a later set_cpu_bfloat16_math still wins.
    int expected = kUnset;
    chosen.compare_exchange_strong(expected, static_cast<int>(from_environment()));
    m = chosen.load();
  }
  const auto math = static_cast<Bfloat16Math>(m);
  if (math != Bfloat16Math::Automatic) return math;
  return cpu_has_bfloat16_units() ? Bfloat16Math::Native : Bfloat16Math::Float32;
}

Bfloat16MathScope::Bfloat16MathScope(Bfloat16Math math) : previous_(chosen.load()) { set_cpu_bfloat16_math(math); }

Bfloat16MathScope::~Bfloat16MathScope() { chosen.store(previous_); }

c10::ScalarType compute_dtype(const c10::Device& device, c10::ScalarType weights) {
  if (weights == c10::kBFloat16 && device.is_cpu() && cpu_bfloat16_math() == Bfloat16Math::Float32)
    return c10::kFloat;
  return weights;
}

}  // namespace mrti
