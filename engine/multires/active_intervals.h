#pragma once
// The active-interval map: for a sampler, a step count and a prompt, which embedding
// (scale index, a blend, or the zero vector) each concept reference uses at every
// sampling step. It needs no model weights, only the scheduler settings.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "multires/prompt_syntax.h"
#include "multires/time_index.h"

namespace mrti {

struct ActiveIntervalRow {
  std::string token;  // the reference as written, e.g. "<cat[3]>"
  ConceptRef ref;
  bool negative = false;              // from the negative prompt
  std::vector<int64_t> time_index;    // per step (this concept's N)
  std::vector<EmbeddingChoice> choices;  // per step
};

struct ActiveIntervalMap {
  std::string sampler;             // display name, "" when built from bare timesteps
  std::vector<double> timesteps;   // per sampling step
  int64_t num_train_timesteps = 1000;
  std::vector<ActiveIntervalRow> rows;  // prompt references first, then the negative prompt's
};

ActiveIntervalMap active_interval_map(const std::vector<double>& timesteps, const ParsedPrompt& prompt,
                                      const ParsedPrompt* negative = nullptr, bool interpolate = false,
                                      int64_t num_train_timesteps = 1000);

// The timesteps of `sampler` (scheduler_names(); "" = the config's own) for `steps`
// steps, built from a model's scheduler config.
ActiveIntervalMap active_interval_map(const nlohmann::json& scheduler_config, const std::string& sampler, int steps,
                                      const ParsedPrompt& prompt, const ParsedPrompt* negative = nullptr,
                                      bool interpolate = false);

// Consecutive steps with the same choice: "e9 at step 1, e8 at steps 2-3, ..., e3 at
// steps 8-11" (1-based steps).
std::string summarize_row(const ActiveIntervalRow& row);

// A table with one line per step: step, timestep, the time index j (one column per
// distinct N > 1), then one column per reference; followed by each row's summary.
std::string format_active_interval_map(const ActiveIntervalMap& map);

nlohmann::json active_interval_map_json(const ActiveIntervalMap& map);

}  // namespace mrti
