#include "training/lr_schedule.h"

#include <cmath>
#include <sstream>

#include "runtime/error.h"

namespace mrti {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

double parse_rate(const std::string& text, const std::string& spec) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (...) {
    used = 0;
  }
  if (used != text.size() || text.empty() || !std::isfinite(v) || v < 0)
    throw Error("learning-rate schedule \"" + spec + "\": '" + text +
                "' is not a learning rate (a non-negative number such as 5e-3)");
  return v;
}

}  // namespace

LrSchedule LrSchedule::parse(const std::string& spec, double base_lr, int64_t warmup_steps, int64_t total_steps,
                             double scale) {
  LrSchedule s;
  s.lr_ = base_lr * scale;
  s.warmup_ = std::max<int64_t>(0, warmup_steps);
  s.total_ = std::max<int64_t>(1, total_steps);
  const std::string t = trim(spec);
  if (t.empty() || t == "constant" || t == "constant_with_warmup" || t == "cosine") {
    s.kind_ = t.empty() ? "constant" : t;
    if (!(base_lr >= 0) || !std::isfinite(base_lr)) throw Error("learning rate must be a non-negative number");
    return s;
  }
  if (t.find_first_of("0123456789.") != 0)
    throw Error("unknown learning-rate schedule \"" + spec +
                "\": use constant, constant_with_warmup, cosine or rates with step limits such as "
                "\"5e-3:200, 1e-3:1000, 5e-4\"");
  s.kind_ = "piecewise";
  std::stringstream ss(t);
  std::string part;
  int64_t last = 0;
  bool open_end = false;
  while (std::getline(ss, part, ',')) {
    part = trim(part);
    if (part.empty()) throw Error("learning-rate schedule \"" + spec + "\" has an empty entry");
    if (open_end)
      throw Error("learning-rate schedule \"" + spec + "\": only the last rate may omit its ':step' limit");
    const auto colon = part.find(':');
    const double rate = parse_rate(trim(part.substr(0, colon)), spec) * scale;
    if (colon == std::string::npos) {
      s.pieces_.emplace_back(rate, -1);
      open_end = true;
      continue;
    }
    const std::string step_text = trim(part.substr(colon + 1));
    std::size_t used = 0;
    long long step = 0;
    try {
      step = std::stoll(step_text, &used);
    } catch (...) {
      used = 0;
    }
    if (used != step_text.size() || step_text.empty() || step <= 0)
      throw Error("learning-rate schedule \"" + spec + "\": '" + step_text + "' is not a step number (>= 1)");
    if (step <= last)
      throw Error("learning-rate schedule \"" + spec + "\": step " + std::to_string(step) +
                  " does not come after step " + std::to_string(last));
    last = step;
    s.pieces_.emplace_back(rate, step);
  }
  return s;
}

double LrSchedule::at(int64_t step) const {
  if (kind_ == "piecewise") {
    for (const auto& [rate, last] : pieces_)
      if (last < 0 || step + 1 <= last) return rate;
    return pieces_.back().first;  // past every limit: the last rate continues
  }
  const double warm = (warmup_ > 0 && step < warmup_) ? double(step) / double(warmup_) : 1.0;
  if (kind_ == "constant") return lr_;
  if (kind_ == "constant_with_warmup") return lr_ * warm;
  // cosine
  if (step < warmup_) return lr_ * warm;
  const double progress = double(step - warmup_) / double(std::max<int64_t>(1, total_ - warmup_));
  return lr_ * std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
}

}  // namespace mrti
