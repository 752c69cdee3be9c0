#include "multires/time_index.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "runtime/error.h"

namespace mrti {

int64_t time_index(double t, int64_t num_scales, int64_t num_train_timesteps) {
  if (num_scales < 1) throw Error("a concept needs at least one scale");
  if (num_train_timesteps < 1) throw Error("num_train_timesteps must be positive");
  // volatile keeps each product rounded to float32, as the tensor arithmetic is.
  volatile float normalized = static_cast<float>(t) / static_cast<float>(num_train_timesteps);
  volatile float scaled = normalized * static_cast<float>(num_scales);
  const float s = scaled;
  if (!(s > 0.0f)) return 0;  // also NaN
  const int64_t j = static_cast<int64_t>(s);
  return std::min(j, num_scales - 1);
}

namespace {

EmbeddingChoice scale(int64_t k) {
  EmbeddingChoice c;
  c.kind = EmbeddingChoice::Kind::scale;
  c.index = k;
  return c;
}

EmbeddingChoice zero() {
  EmbeddingChoice c;
  c.kind = EmbeddingChoice::Kind::zero;
  return c;
}

// (1 - w) * E(a) + w * E(b), E(-1) = 0, simplified at w = 0 and w = 1.
EmbeddingChoice blend(int64_t a, int64_t b, double w) {
  if (w <= 0.0 || a == b) return a < 0 ? zero() : scale(a);
  if (w >= 1.0) return b < 0 ? zero() : scale(b);
  EmbeddingChoice c;
  c.kind = EmbeddingChoice::Kind::blend;
  c.index = a;
  c.index2 = b;
  c.weight = w;
  return c;
}

}  // namespace

std::string EmbeddingChoice::label() const {
  switch (kind) {
    case Kind::scale: return "e" + std::to_string(index);
    case Kind::zero: return "zero";
    case Kind::blend: {
      char buf[64];
      if (index < 0)
        std::snprintf(buf, sizeof buf, "e%lld*%.2f", static_cast<long long>(index2), weight);
      else
        std::snprintf(buf, sizeof buf, "e%lld*%.2f+e%lld*%.2f", static_cast<long long>(index), 1.0 - weight,
                      static_cast<long long>(index2), weight);
      return buf;
    }
  }
  return {};
}

EmbeddingChoice choose_embedding(const ConceptRef& ref, int64_t j, bool interpolate) {
  const int64_t N = ref.num_scales;
  if (N < 1) throw Error("concept '" + ref.name + "' has no scales");
  j = std::clamp<int64_t>(j, 0, N - 1);
  if (interpolate && ref.rho) {
    double p = std::min(static_cast<double>(N - 1), *ref.rho * static_cast<double>(N));
    // 0.3 * 10 is 3.0000000000000004 in binary: snap to whole positions so that
    // interpolation agrees with the rounded-down index there.
    if (std::abs(p - std::round(p)) < 1e-9) p = std::round(p);
    const int64_t lo = static_cast<int64_t>(std::floor(p));
    const int64_t hi = std::min(lo + 1, N - 1);
    const double w = p - static_cast<double>(lo);
    switch (ref.form) {
      case ResolutionForm::fixed: return blend(lo, hi, w);
      case ResolutionForm::fully: return j <= lo ? blend(lo, hi, w) : scale(j);
      case ResolutionForm::semi:
        if (j <= lo) return zero();
        if (j == hi) return blend(-1, hi, 1.0 - w);
        return scale(j);
    }
  }
  const int64_t k = ref.index;
  switch (ref.form) {
    case ResolutionForm::fixed: return scale(k);
    case ResolutionForm::fully: return j <= k ? scale(k) : scale(j);
    case ResolutionForm::semi: return j <= k ? zero() : scale(j);
  }
  return scale(k);
}

double position_of_rho(double rho, int64_t num_scales) {
  return std::min(static_cast<double>(num_scales - 1), std::max(0.0, rho) * static_cast<double>(num_scales));
}

double rho_of_position(double position, int64_t num_scales) {
  if (num_scales < 1) throw Error("a concept has at least one scale");
  const double N = static_cast<double>(num_scales);
  const double p = std::clamp(position, 0.0, N - 1);
  const int64_t k = static_cast<int64_t>(std::floor(p + 1e-9));
  for (int places = 2; places <= 6; ++places) {
    const int64_t scale = static_cast<int64_t>(std::llround(std::pow(10.0, places)));
    const int64_t nearest = std::llround(p / N * static_cast<double>(scale));
    for (int64_t digits : {nearest, nearest + 1}) {
      // The index as the parser computes it: floor(digits * N / scale) in integers.
      if (digits * num_scales / scale != k) continue;
      const double rho = static_cast<double>(digits) / static_cast<double>(scale);
      if (std::abs(rho * N - p) <= 0.005) return rho;
    }
  }
  return std::ceil(p / N * 1e6) / 1e6;
}

}  // namespace mrti
