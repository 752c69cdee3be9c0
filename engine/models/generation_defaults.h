#pragma once
// What a model is used with when the user names nothing else: its picture size, sampling
// steps and guidance (the sampler is its scheduler config's), and which model that is
// when no model is named at all: the small model that ships with MRTI Studio.
#include <string>

namespace mrti {

struct GenerationDefaults {
  int width = 512, height = 512;
  int steps = 20;
  double guidance = 7.5;
};

// From model_index.json's "_mrti_defaults" ({"width", "height", "steps", "guidance"}) where
// a model folder has it; otherwise the size its UNet was trained at (sample_size times the
// VAE's factor) with 20 steps at guidance 7.5; 512 x 512 for anything unreadable.
GenerationDefaults generation_defaults(const std::string& model_path);

// The shipped model's folder: the installed copy, else the source tree's.
std::string shipped_model_dir();
// `model` when given, else the shipped model (throws naming both places when it is missing).
std::string model_or_shipped(const std::string& model);

}  // namespace mrti
