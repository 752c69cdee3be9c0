#pragma once
// Which embedding of a concept a prompt token uses at a sampling timestep.
//
// Time index: j = min(N-1, floor(t * N / T)), computed exactly as the original code does
// it on a tensor: normalized_time = float32(t) / float32(T) (float32 true division),
// then j = int(float32(normalized_time * N)). The float32 rounding matters: for t = 700,
// 0.7f * 10 rounds to exactly 7.0f, so j = 7 where exact arithmetic on 0.699999988
// would give 6. The same rule picks the training scale index.
//
// Per form, with the concept's resolution k:
//   fixed  <c|k|>  e_k at every step
//   fully  <c[k]>  e_k while j <= k, else e_j
//   semi   <c(k)>  the zero vector while j <= k, else e_j
//
// Interpolation (off by default): a reference written with a decimal rho uses the
// continuous position p = min(N-1, rho * N) in place of k = floor(p), with
// lo = floor(p), hi = min(lo + 1, N-1), w = p - lo:
//   fixed  blend(e_lo, e_hi, w) at every step
//   fully  blend(e_lo, e_hi, w) while j <= lo, else e_j
//   semi   zero while j <= lo; (1 - w) * e_hi at j = hi; e_j above
// where blend(a, b, w) = (1 - w) a + w b. p agrees with the rounded-down rule wherever
// rho * N is a whole number, and every form is continuous in rho.
#include <cstdint>
#include <string>

#include "multires/prompt_syntax.h"

namespace mrti {

// The original's time index for timestep `t` (any float value; clamped to 0..N-1).
int64_t time_index(double t, int64_t num_scales, int64_t num_train_timesteps = 1000);

struct EmbeddingChoice {
  enum class Kind { scale, zero, blend };
  Kind kind = Kind::scale;
  int64_t index = 0;    // scale: e_index; blend: the lower scale
  int64_t index2 = 0;   // blend: the upper scale
  double weight = 0.0;  // blend: e = (1 - weight) * e_index + weight * e_index2, where index -1
                        // stands for the zero vector (semi's fading step)

  // "e3", "zero", "e7*0.75+e8*0.25", "e8*0.40" -- short, for tables.
  std::string label() const;
  bool operator==(const EmbeddingChoice& o) const {
    return kind == o.kind && index == o.index && index2 == o.index2 && weight == o.weight;
  }
  bool operator!=(const EmbeddingChoice& o) const { return !(*this == o); }
};

// The embedding a reference uses at time index j (0..ref.num_scales-1).
EmbeddingChoice choose_embedding(const ConceptRef& ref, int64_t j, bool interpolate = false);

// The detail-level slider's one mapping between a position p in [0, N-1] (fractional when
// interpolating) and the decimal resolution written for it. position_of_rho is the
// position above, min(N-1, rho * N). rho_of_position is the shortest decimal (2 to 6
// places) that reads back as p to within 0.005 and with the same rounded-down index
// floor(p), so writing a position and parsing it gives the same reference.
double position_of_rho(double rho, int64_t num_scales);
double rho_of_position(double position, int64_t num_scales);

}  // namespace mrti
