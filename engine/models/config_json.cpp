#include "models/config_json.h"

#include <cstdio>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "runtime/error.h"

namespace mrti {

namespace fs = std::filesystem;

std::string config_json_path(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) ? (fs::path(path) / "config.json").string() : path;
}

nlohmann::json read_config_json(const std::string& path) {
  std::error_code ec;
  fs::path file = path;
  if (fs::is_directory(file, ec)) {
    file /= "config.json";
    if (!fs::exists(file, ec))
      throw Error("missing config.json in " + path + ": this is not a diffusers model folder");
  } else if (!fs::exists(file, ec)) {
    throw Error(path + " does not exist: expected a diffusers model folder holding config.json, or the file itself");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot open " + file.string() + ": check its permissions");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(file.string() + " is not valid JSON (" + e.what() + "): the file is damaged or not a config");
  }
  if (!json.is_object()) throw Error(file.string() + " must hold a JSON object of settings");
  return json;
}

ConfigFields::ConfigFields(const nlohmann::json& json, std::string source) : json_(json), source_(std::move(source)) {
  if (!json_.is_object()) throw Error(source_ + ": the config must be a JSON object");
}

void ConfigFields::fail(const std::string& key, const std::string& problem) const {
  throw Error(source_ + ": field \"" + key + "\" " + problem);
}

void ConfigFields::check_parameter_count(double estimate) const {
  if (!(estimate <= kMaxModelParameters)) {
    char billions[32];
    std::snprintf(billions, sizeof billions, "%.3g", estimate / 1e9);
    throw Error(source_ + ": the sizes in this config describe a model of about " + billions +
                " billion weights, more than the " + std::to_string(int(kMaxModelParameters / 1e9)) +
                " billion this engine loads: the config is damaged or not a Stable Diffusion model's");
  }
}

bool ConfigFields::has(const std::string& key) const {
  auto it = json_.find(key);
  return it != json_.end() && !it->is_null();
}

bool ConfigFields::is_list(const std::string& key) const { return has(key) && json_.at(key).is_array(); }

const nlohmann::json& ConfigFields::field(const std::string& key) const {
  if (!has(key)) fail(key, "is missing (it is required)");
  return json_.at(key);
}

static std::string type_of(const nlohmann::json& v) { return v.type_name(); }

int64_t ConfigFields::as_int(const nlohmann::json& v, const std::string& key) const {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return static_cast<int64_t>(d);
    fail(key, "must be an integer, got " + v.dump());
  }
  fail(key, "must be an integer, got " + type_of(v) + " " + v.dump());
}

int64_t ConfigFields::get_int(const std::string& key) const { return as_int(field(key), key); }
int64_t ConfigFields::get_int(const std::string& key, int64_t fallback) const {
  return has(key) ? get_int(key) : fallback;
}

double ConfigFields::get_double(const std::string& key) const {
  const auto& v = field(key);
  if (!v.is_number()) fail(key, "must be a number, got " + type_of(v) + " " + v.dump());
  return v.get<double>();
}
double ConfigFields::get_double(const std::string& key, double fallback) const {
  return has(key) ? get_double(key) : fallback;
}

bool ConfigFields::get_bool(const std::string& key) const {
  const auto& v = field(key);
  if (!v.is_boolean()) fail(key, "must be true or false, got " + type_of(v) + " " + v.dump());
  return v.get<bool>();
}
bool ConfigFields::get_bool(const std::string& key, bool fallback) const {
  return has(key) ? get_bool(key) : fallback;
}

std::string ConfigFields::get_string(const std::string& key) const {
  const auto& v = field(key);
  if (!v.is_string()) fail(key, "must be a string, got " + type_of(v) + " " + v.dump());
  return v.get<std::string>();
}
std::string ConfigFields::get_string(const std::string& key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}

std::vector<int64_t> ConfigFields::get_int_list(const std::string& key) const {
  const auto& v = field(key);
  if (!v.is_array() || v.empty()) fail(key, "must be a non-empty list of integers, got " + v.dump());
  std::vector<int64_t> out;
  for (const auto& item : v) {
    if (!item.is_number()) fail(key, "must be a list of integers, got " + v.dump());
    out.push_back(as_int(item, key));
  }
  return out;
}

std::vector<std::string> ConfigFields::get_string_list(const std::string& key) const {
  const auto& v = field(key);
  if (!v.is_array() || v.empty()) fail(key, "must be a non-empty list of strings, got " + v.dump());
  std::vector<std::string> out;
  for (const auto& item : v) {
    if (!item.is_string()) fail(key, "must be a list of strings, got " + v.dump());
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<int64_t> ConfigFields::get_int_or_list(const std::string& key, size_t n) const {
  const auto& v = field(key);
  if (!v.is_array()) return std::vector<int64_t>(n, as_int(v, key));
  auto list = get_int_list(key);
  if (list.size() != n)
    fail(key, "must have one entry per block (" + std::to_string(n) + "), got " + std::to_string(list.size()));
  return list;
}

std::vector<bool> ConfigFields::get_bool_or_list(const std::string& key, size_t n, bool fallback) const {
  if (!has(key)) return std::vector<bool>(n, fallback);
  const auto& v = json_.at(key);
  if (!v.is_array()) return std::vector<bool>(n, get_bool(key));
  if (v.size() != n)
    fail(key, "must have one entry per block (" + std::to_string(n) + "), got " + std::to_string(v.size()));
  std::vector<bool> out;
  for (const auto& item : v) {
    if (!item.is_boolean()) fail(key, "must be a list of true/false, got " + v.dump());
    out.push_back(item.get<bool>());
  }
  return out;
}

void ConfigFields::require_null(const std::string& key, const std::string& why) const {
  if (has(key)) fail(key, "= " + json_.at(key).dump() + " is not supported: " + why);
}

void ConfigFields::require_string(const std::string& key, const std::string& expected, const std::string& why) const {
  if (has(key) && get_string(key) != expected)
    fail(key, "= " + json_.at(key).dump() + " is not supported (only \"" + expected + "\"): " + why);
}

}  // namespace mrti
