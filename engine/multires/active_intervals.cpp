#include "multires/active_intervals.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "runtime/error.h"
#include "schedulers/scheduler.h"

namespace mrti {

namespace {

void add_rows(ActiveIntervalMap& map, const ParsedPrompt& prompt, bool negative, bool interpolate) {
  for (const auto& seg : prompt.segments) {
    if (!seg.is_concept()) continue;
    ActiveIntervalRow row;
    row.token = seg.text;
    row.ref = seg.ref;
    row.negative = negative;
    for (double t : map.timesteps) {
      const int64_t j = time_index(t, seg.ref.num_scales, map.num_train_timesteps);
      row.time_index.push_back(j);
      row.choices.push_back(choose_embedding(seg.ref, j, interpolate));
    }
    map.rows.push_back(std::move(row));
  }
}

std::string timestep_text(double t) {
  char buf[32];
  if (t == std::floor(t))
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(t));
  else
    std::snprintf(buf, sizeof buf, "%.3f", t);
  return buf;
}

std::string pad_left(const std::string& s, std::size_t w) { return s.size() >= w ? s : std::string(w - s.size(), ' ') + s; }
std::string pad_right(const std::string& s, std::size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

// Display width: code points (concept tokens are ASCII; prompts may not be).
std::size_t width_of(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string row_title(const ActiveIntervalRow& r) { return (r.negative ? "neg " : "") + r.token; }

}  // namespace

ActiveIntervalMap active_interval_map(const std::vector<double>& timesteps, const ParsedPrompt& prompt,
                                      const ParsedPrompt* negative, bool interpolate, int64_t num_train_timesteps) {
  ActiveIntervalMap map;
  map.timesteps = timesteps;
  map.num_train_timesteps = num_train_timesteps;
  add_rows(map, prompt, false, interpolate);
  if (negative) add_rows(map, *negative, true, interpolate);
  return map;
}

ActiveIntervalMap active_interval_map(const nlohmann::json& scheduler_config, const std::string& sampler, int steps,
                                      const ParsedPrompt& prompt, const ParsedPrompt* negative, bool interpolate) {
  if (steps < 1 || steps > 1000) throw Error("steps must be between 1 and 1000 (got " + std::to_string(steps) + ")");
  auto scheduler = make_scheduler(sampler, scheduler_config);
  scheduler->set_timesteps(steps);
  std::vector<double> ts;
  for (int64_t i = 0; i < scheduler->num_steps(); ++i) ts.push_back(scheduler->timestep(static_cast<int>(i)));
  auto map = active_interval_map(ts, prompt, negative, interpolate, scheduler->config().num_train_timesteps);
  map.sampler = scheduler_display_name(*scheduler);
  return map;
}

std::string summarize_row(const ActiveIntervalRow& row) {
  std::string s;
  std::size_t i = 0;
  while (i < row.choices.size()) {
    std::size_t j = i;
    while (j + 1 < row.choices.size() && row.choices[j + 1] == row.choices[i]) ++j;
    s += (s.empty() ? "" : ", ") + row.choices[i].label() +
         (i == j ? " at step " + std::to_string(i + 1) : " at steps " + std::to_string(i + 1) + "-" + std::to_string(j + 1));
    i = j + 1;
  }
  return s;
}

std::string format_active_interval_map(const ActiveIntervalMap& map) {
  std::ostringstream out;
  if (map.rows.empty()) {
    out << "The prompt has no concept references: every step uses the same text conditioning.\n";
    return out.str();
  }
  // Time-index columns: one per distinct N.
  std::set<int64_t> ns;
  for (const auto& r : map.rows)
    if (r.ref.num_scales > 1) ns.insert(r.ref.num_scales);  // with N = 1, j is always 0
  std::vector<std::string> headers{"step", "timestep"};
  for (int64_t n : ns) headers.push_back(ns.size() == 1 ? "j" : "j(N=" + std::to_string(n) + ")");
  for (const auto& r : map.rows) headers.push_back(row_title(r));
  const std::size_t steps = map.timesteps.size();
  std::vector<std::vector<std::string>> cells(steps);
  for (std::size_t i = 0; i < steps; ++i) {
    cells[i].push_back(std::to_string(i + 1));
    cells[i].push_back(timestep_text(map.timesteps[i]));
    for (int64_t n : ns)
      cells[i].push_back(std::to_string(time_index(map.timesteps[i], n, map.num_train_timesteps)));
    for (const auto& r : map.rows) cells[i].push_back(r.choices[i].label());
  }
  std::vector<std::size_t> w(headers.size());
  for (std::size_t c = 0; c < headers.size(); ++c) {
    w[c] = width_of(headers[c]);
    for (const auto& row : cells) w[c] = std::max(w[c], width_of(row[c]));
  }
  const auto line = [&](const std::vector<std::string>& row) {
    std::string s;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::size_t extra = row[c].size() - width_of(row[c]);
      s += (c ? "  " : "") + (c < 2 ? pad_left(row[c], w[c] + extra) : pad_right(row[c], w[c] + extra));
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  };
  if (!map.sampler.empty())
    out << map.sampler << ", " << steps << " sampling steps, T = " << map.num_train_timesteps << "\n";
  out << line(headers) << "\n";
  for (const auto& row : cells) out << line(row) << "\n";
  out << "\n";
  for (const auto& r : map.rows) out << row_title(r) << " (" << form_name(r.ref.form) << "): " << summarize_row(r) << "\n";
  return out.str();
}

nlohmann::json active_interval_map_json(const ActiveIntervalMap& map) {
  nlohmann::json j;
  j["sampler"] = map.sampler;
  j["timesteps"] = map.timesteps;
  j["num_train_timesteps"] = map.num_train_timesteps;
  j["rows"] = nlohmann::json::array();
  for (const auto& r : map.rows) {
    nlohmann::json row;
    row["token"] = r.token;
    row["concept"] = r.ref.name;
    row["form"] = form_name(r.ref.form);
    row["k"] = r.ref.index;
    if (r.ref.rho) row["rho"] = *r.ref.rho;
    row["num_scales"] = r.ref.num_scales;
    row["negative"] = r.negative;
    row["time_index"] = r.time_index;
    nlohmann::json used = nlohmann::json::array();
    for (const auto& c : r.choices) {
      if (c.kind == EmbeddingChoice::Kind::scale) used.push_back(c.index);
      else if (c.kind == EmbeddingChoice::Kind::zero) used.push_back("zero");
      else used.push_back({{"blend", {c.index, c.index2}}, {"weight", c.weight}});
    }
    row["embedding_used"] = used;
    row["summary"] = summarize_row(r);
    j["rows"].push_back(row);
  }
  return j;
}

}  // namespace mrti
