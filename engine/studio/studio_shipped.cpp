#include "studio/studio_shipped.h"

#include <filesystem>

#include "models/generation_defaults.h"

namespace fs = std::filesystem;

namespace mrti::studio {

ModelDefaults model_defaults(const std::string& model_path) {
  const GenerationDefaults d = generation_defaults(model_path);
  ModelDefaults m;
  m.width = d.width;
  m.height = d.height;
  m.steps = d.steps;
  m.guidance = d.guidance;
  return m;
}

std::string shipped_model_dir() { return mrti::shipped_model_dir(); }

std::string shipped_concepts_dir() {
  // MRTI_INSTALLED_CONCEPTS_DIR / MRTI_SOURCE_CONCEPTS_DIR come from engine/CMakeLists.txt.
  std::error_code ec;
  if (fs::is_directory(MRTI_INSTALLED_CONCEPTS_DIR, ec)) return MRTI_INSTALLED_CONCEPTS_DIR;
  return MRTI_SOURCE_CONCEPTS_DIR;
}

}  // namespace mrti::studio
