#pragma once
// Reading diffusers / transformers `config.json` files: every error names the file and
// the field at fault, so a wrong or foreign model folder is easy to diagnose.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mrti {

// Parses `path`: a config.json file, or a folder holding one. A folder without it is
// "missing config.json in <folder>: this is not a diffusers model folder".
nlohmann::json read_config_json(const std::string& path);
// The file read_config_json(path) reads: path/config.json for a folder, else path.
std::string config_json_path(const std::string& path);

// Typed, named access to the fields of one parsed config. Optional getters return the
// default when the field is absent or null; required getters throw naming the field.
// Integers also accept whole-valued floats (1.0), as some exporters write them. The
// json must outlive this object.
// More weights than any model of the Stable Diffusion family has (SDXL's UNet: 2.6 billion).
constexpr double kMaxModelParameters = 4e9;

class ConfigFields {
 public:
  ConfigFields(const nlohmann::json& json, std::string source);

  const nlohmann::json& json() const { return json_; }
  const std::string& source() const { return source_; }

  bool has(const std::string& key) const;  // present and not null
  bool is_list(const std::string& key) const;

  int64_t get_int(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  double get_double(const std::string& key) const;
  double get_double(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> get_int_list(const std::string& key) const;
  std::vector<std::string> get_string_list(const std::string& key) const;
  // An int (repeated n times) or a list of exactly n ints, as diffusers allows for
  // per-block settings such as attention_head_dim.
  std::vector<int64_t> get_int_or_list(const std::string& key, size_t n) const;
  std::vector<bool> get_bool_or_list(const std::string& key, size_t n, bool fallback) const;

  // Refuses a field whose value selects something this engine does not implement:
  // absent and null pass, anything else throws naming the field and `why`.
  void require_null(const std::string& key, const std::string& why) const;
  // Throws when the field is present and differs from `expected`.
  void require_string(const std::string& key, const std::string& expected, const std::string& why) const;

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;

  // Refuses a config whose weights would number more than kMaxModelParameters (estimated
  // from its sizes, in double so absurd values cannot overflow) before anything is
  // allocated: a downloaded config.json could otherwise ask for terabytes.
  void check_parameter_count(double estimate) const;

 private:
  const nlohmann::json& field(const std::string& key) const;  // throws when absent/null
  int64_t as_int(const nlohmann::json& value, const std::string& key) const;

  const nlohmann::json& json_;
  std::string source_;
};

}  // namespace mrti
