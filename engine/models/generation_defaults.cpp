#include "models/generation_defaults.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "runtime/atomic_file.h"
#include "runtime/error.h"

namespace fs = std::filesystem;

namespace mrti {
namespace {

nlohmann::json read_json_or_null(const fs::path& path) {
  try {
    if (fs::is_regular_file(path)) return nlohmann::json::parse(read_file(path.string()));
  } catch (const std::exception&) {
  }
  return nullptr;
}

}  // namespace

GenerationDefaults generation_defaults(const std::string& model_path) {
  GenerationDefaults d;
  const fs::path root(model_path);
  if (!fs::is_directory(root)) return d;
  const nlohmann::json unet = read_json_or_null(root / "unet" / "config.json");
  const nlohmann::json vae = read_json_or_null(root / "vae" / "config.json");
  if (unet.is_object() && vae.is_object() && unet.value("sample_size", nlohmann::json()).is_number_integer() &&
      vae.value("block_out_channels", nlohmann::json()).is_array()) {
    const auto blocks = vae["block_out_channels"].size();
    const int factor = blocks > 0 && blocks < 8 ? 1 << (blocks - 1) : 8;
    const int size = unet["sample_size"].get<int>() * factor;
    if (size >= 8 && size <= 4096) d.width = d.height = size;
  }
  const nlohmann::json index = read_json_or_null(root / "model_index.json");
  if (index.is_object() && index.contains("_mrti_defaults") && index["_mrti_defaults"].is_object()) {
    const auto& j = index["_mrti_defaults"];
    const auto number = [&](const char* key, auto fallback) {
      return j.contains(key) && j[key].is_number() ? j[key].get<decltype(fallback)>() : fallback;
    };
    d.width = number("width", d.width);
    d.height = number("height", d.height);
    d.steps = number("steps", d.steps);
    d.guidance = number("guidance", d.guidance);
    if (d.width < 8 || d.height < 8 || d.width > 4096 || d.height > 4096 || d.width % 8 || d.height % 8)
      throw Error("'" + (root / "model_index.json").string() + "': _mrti_defaults names an impossible size");
    if (d.steps < 1 || d.steps > 1000)
      throw Error("'" + (root / "model_index.json").string() + "': _mrti_defaults names an impossible step count");
  }
  return d;
}

std::string shipped_model_dir() {
  for (const char* dir : {MRTI_INSTALLED_MODEL_DIR, MRTI_SOURCE_MODEL_DIR})
    if (fs::exists(fs::path(dir) / "model_index.json")) return dir;
  return MRTI_SOURCE_MODEL_DIR;
}

std::string model_or_shipped(const std::string& model) {
  if (!model.empty()) return model;
  const std::string dir = shipped_model_dir();
  if (!fs::exists(fs::path(dir) / "model_index.json"))
    throw Error(std::string("no model named and the shipped model is missing (looked in ") +
                MRTI_INSTALLED_MODEL_DIR + " and " + MRTI_SOURCE_MODEL_DIR + "): pass --model DIR");
  return dir;
}

}  // namespace mrti
