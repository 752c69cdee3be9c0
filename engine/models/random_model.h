#pragma once
// A full-size Stable Diffusion model with random weights in diffusers layout, so the
// real architecture can be run and benchmarked without real weights.
#include <cstdint>
#include <functional>
#include <string>

#include <c10/core/ScalarType.h>

namespace mrti {

struct RandomModelOptions {
  std::string arch = "sd15";         // "sd15" or "sd21"
  std::string tokenizer_dir;         // vocab.json + merges.txt (+ configs) to copy
  c10::ScalarType dtype = c10::kFloat;  // of the written weights
  uint64_t seed = 0;
  std::function<void(const std::string& component)> progress;
};

// Writes model_index.json, text_encoder/, tokenizer/, unet/, vae/ and scheduler/ into
// `out_dir` (created; an existing model there is refused rather than overwritten).
void write_random_model(const std::string& out_dir, const RandomModelOptions& options);

}  // namespace mrti
