#pragma once
// Learning-rate schedules over optimizer steps (0-based):
//   constant              lr
//   constant_with_warmup  lr * min(1, s / warmup)
//   cosine                linear warmup, then lr * 0.5 * (1 + cos(pi * progress)) (diffusers)
//   piecewise             AUTOMATIC1111's "5e-3:200, 1e-3:1000, 5e-4": 5e-3 for steps
//                         1-200, 1e-3 for 201-1000, then 5e-4; a bare number is constant
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mrti {

class LrSchedule {
 public:
  // `spec`: a schedule name or a piecewise string. `base_lr` applies to the named
  // schedules; `scale` multiplies every rate (scale_lr). Throws mrti::Error naming the
  // spec and the bad part.
  static LrSchedule parse(const std::string& spec, double base_lr, int64_t warmup_steps, int64_t total_steps,
                          double scale = 1.0);

  // The rate of optimizer step s (0-based).
  double at(int64_t step) const;
  const std::string& kind() const { return kind_; }
  // Whether the rates depend on the total step count (cosine): changing it changes them.
  bool depends_on_total_steps() const { return kind_ == "cosine"; }
  // Piecewise: (rate, last 1-based step; -1 for the open end).
  const std::vector<std::pair<double, int64_t>>& pieces() const { return pieces_; }

 private:
  std::string kind_;
  double lr_ = 0;
  int64_t warmup_ = 0, total_ = 0;
  std::vector<std::pair<double, int64_t>> pieces_;
};

}  // namespace mrti
