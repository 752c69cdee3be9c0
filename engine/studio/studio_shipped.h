#pragma once
// What ships with MRTI Studio, as the desktop application sees it (plain C++ types, no
// torch): the small default model, its generation defaults, and the concepts that seed a
// new user's library.
#include <string>

namespace mrti::studio {

// A model's own picture size, steps and guidance (its sampler is its scheduler config's).
struct ModelDefaults {
  int width = 512, height = 512;
  int steps = 20;
  double guidance = 7.5;
};

// From the model folder's model_index.json "_mrti_defaults", else its UNet and VAE
// configs; 512 x 512 at 20 steps and guidance 7.5 for a single file or anything
// unreadable. Throws mrti::Error when "_mrti_defaults" names impossible values.
ModelDefaults model_defaults(const std::string& model_path);

// The shipped model's folder: the installed copy, else the source tree's (which may not
// exist: check for model_index.json).
std::string shipped_model_dir();

// The shipped concepts (*.safetensors): the installed folder, else the source tree's.
std::string shipped_concepts_dir();

}  // namespace mrti::studio
