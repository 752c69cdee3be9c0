#include "schedulers/scheduler_config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "runtime/error.h"

namespace mrti {
namespace {

using json = nlohmann::json;

// Which classes take a field in their diffusers 0.25.1 constructor.
enum ClassBit : unsigned {
  kDDPM = 1,
  kDDIM = 2,
  kPNDM = 4,
  kLMS = 8,
  kEuler = 16,
  kEulerA = 32,
  kDPM = 64,
  kAll = 127
};

unsigned class_bit(const std::string& class_name) {
  static const std::pair<const char*, unsigned> names[] = {
      {"DDPMScheduler", kDDPM},
      {"DDIMScheduler", kDDIM},
      {"PNDMScheduler", kPNDM},
      {"LMSDiscreteScheduler", kLMS},
      {"EulerDiscreteScheduler", kEuler},
      {"EulerAncestralDiscreteScheduler", kEulerA},
      {"DPMSolverMultistepScheduler", kDPM}};
  for (const auto& [name, bit] : names)
    if (class_name == name) return bit;
  std::string list;
  for (const auto& [name, bit] : names) list += std::string(list.empty() ? "" : ", ") + name;
  throw Error("scheduler class \"" + class_name + "\" is not supported (supported: " + list + ")");
}

std::string type_name(const json& v) {
  if (v.is_string()) return "the string " + v.dump();
  if (v.is_boolean()) return std::string("the boolean ") + (v.get<bool>() ? "true" : "false");
  if (v.is_number()) return "the number " + v.dump();
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return "null";
}

[[noreturn]] void bad_type(const std::string& source, const std::string& key, const char* want, const json& v) {
  throw Error(source + ": field \"" + key + "\" must be " + want + ", but it is " + type_name(v));
}

double read_number(const std::string& source, const std::string& key, const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    // Python's json writes these bare; parse_scheduler_config turns them into strings.
    const std::string s = v.get<std::string>();
    if (s == "-Infinity" || s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "Infinity" || s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "NaN" || s == "nan") return std::numeric_limits<double>::quiet_NaN();
  }
  bad_type(source, key, "a number", v);
}

int read_int(const std::string& source, const std::string& key, const json& v) {
  if (v.is_number_integer()) {
    const auto x = v.get<int64_t>();
    if (x >= -(int64_t{1} << 30) && x <= (int64_t{1} << 30)) return static_cast<int>(x);
  } else if (v.is_number_float()) {
    const double x = v.get<double>();
    if (std::isfinite(x) && std::floor(x) == x && std::fabs(x) <= double(1 << 30)) return static_cast<int>(x);
  }
  bad_type(source, key, "an integer", v);
}

json number_to_json(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x < 0 ? "-Infinity" : "Infinity";
  return x;
}

struct Field {
  const char* key;
  unsigned classes;
  std::function<void(SchedulerConfig&, const json&, const std::string&)> read;  // v is not null
  std::function<json(const SchedulerConfig&)> write;
};

Field int_field(const char* key, unsigned classes, int SchedulerConfig::*m) {
  return {key, classes, [=](SchedulerConfig& c, const json& v, const std::string& s) { c.*m = read_int(s, key, v); },
          [=](const SchedulerConfig& c) { return json(c.*m); }};
}
Field number_field(const char* key, unsigned classes, double SchedulerConfig::*m) {
  return {key, classes,
          [=](SchedulerConfig& c, const json& v, const std::string& s) { c.*m = read_number(s, key, v); },
          [=](const SchedulerConfig& c) { return number_to_json(c.*m); }};
}
Field optional_number_field(const char* key, unsigned classes, std::optional<double> SchedulerConfig::*m) {
  return {key, classes,
          [=](SchedulerConfig& c, const json& v, const std::string& s) { c.*m = read_number(s, key, v); },
          [=](const SchedulerConfig& c) { return (c.*m) ? number_to_json(*(c.*m)) : json(nullptr); }};
}
Field bool_field(const char* key, unsigned classes, bool SchedulerConfig::*m) {
  return {key, classes,
          [=](SchedulerConfig& c, const json& v, const std::string& s) {
            if (!v.is_boolean()) bad_type(s, key, "true or false", v);
            c.*m = v.get<bool>();
          },
          [=](const SchedulerConfig& c) { return json(c.*m); }};
}
Field string_field(const char* key, unsigned classes, std::string SchedulerConfig::*m) {
  return {key, classes,
          [=](SchedulerConfig& c, const json& v, const std::string& s) {
            if (!v.is_string()) bad_type(s, key, "a string", v);
            c.*m = v.get<std::string>();
          },
          [=](const SchedulerConfig& c) { return json(c.*m); }};
}

const std::vector<Field>& fields() {
  using C = SchedulerConfig;
  static const std::vector<Field> table = [] {
    std::vector<Field> f;
    f.push_back(int_field("num_train_timesteps", kAll, &C::num_train_timesteps));
    f.push_back(number_field("beta_start", kAll, &C::beta_start));
    f.push_back(number_field("beta_end", kAll, &C::beta_end));
    f.push_back(string_field("beta_schedule", kAll, &C::beta_schedule));
    f.push_back({"trained_betas", kAll,
                 [](C& c, const json& v, const std::string& s) {
                   if (!v.is_array()) bad_type(s, "trained_betas", "an array of numbers or null", v);
                   std::vector<double> betas;
                   for (const auto& b : v) betas.push_back(read_number(s, "trained_betas", b));
                   c.trained_betas = std::move(betas);
                 },
                 [](const C& c) { return c.trained_betas ? json(*c.trained_betas) : json(nullptr); }});
    f.push_back(string_field("prediction_type", kAll, &C::prediction_type));
    f.push_back(int_field("steps_offset", kAll, &C::steps_offset));
    f.push_back(string_field("timestep_spacing", kAll, &C::timestep_spacing));
    f.push_back(bool_field("rescale_betas_zero_snr", kDDPM | kDDIM | kEuler | kEulerA, &C::rescale_betas_zero_snr));
    f.push_back(bool_field("thresholding", kDDPM | kDDIM | kDPM, &C::thresholding));
    f.push_back(number_field("dynamic_thresholding_ratio", kDDPM | kDDIM | kDPM, &C::dynamic_thresholding_ratio));
    f.push_back(number_field("sample_max_value", kDDPM | kDDIM | kDPM, &C::sample_max_value));
    f.push_back(bool_field("clip_sample", kDDPM | kDDIM, &C::clip_sample));
    f.push_back(number_field("clip_sample_range", kDDPM | kDDIM, &C::clip_sample_range));
    f.push_back({"variance_type", kDDPM | kDPM,
                 [](C& c, const json& v, const std::string& s) {
                   if (!v.is_string()) bad_type(s, "variance_type", "a string or null", v);
                   c.variance_type = v.get<std::string>();
                 },
                 [](const C& c) { return c.variance_type.empty() ? json(nullptr) : json(c.variance_type); }});
    f.push_back(bool_field("set_alpha_to_one", kDDIM | kPNDM, &C::set_alpha_to_one));
    f.push_back(bool_field("skip_prk_steps", kPNDM, &C::skip_prk_steps));
    f.push_back(bool_field("use_karras_sigmas", kLMS | kEuler | kDPM, &C::use_karras_sigmas));
    f.push_back(string_field("interpolation_type", kEuler, &C::interpolation_type));
    f.push_back(string_field("timestep_type", kEuler, &C::timestep_type));
    f.push_back(optional_number_field("sigma_min", kEuler, &C::sigma_min));
    f.push_back(optional_number_field("sigma_max", kEuler, &C::sigma_max));
    f.push_back(int_field("solver_order", kDPM, &C::solver_order));
    f.push_back(string_field("algorithm_type", kDPM, &C::algorithm_type));
    f.push_back(string_field("solver_type", kDPM, &C::solver_type));
    f.push_back(bool_field("lower_order_final", kDPM, &C::lower_order_final));
    f.push_back(bool_field("euler_at_final", kDPM, &C::euler_at_final));
    f.push_back(bool_field("use_lu_lambdas", kDPM, &C::use_lu_lambdas));
    f.push_back(number_field("lambda_min_clipped", kDPM, &C::lambda_min_clipped));
    return f;
  }();
  return table;
}

void require_one_of(const std::string& where, const char* key, const std::string& value,
                    std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (value == a) return;
    list += std::string(list.empty() ? "" : ", ") + a;
  }
  throw Error(where + ": " + key + " \"" + value + "\" is not supported (use one of: " + list + ")");
}

}  // namespace

SchedulerConfig SchedulerConfig::defaults(const std::string& class_name) {
  const unsigned bit = class_bit(class_name);
  SchedulerConfig c;
  c.class_name = class_name;
  if (bit & (kLMS | kEuler | kEulerA | kDPM)) c.timestep_spacing = "linspace";
  if (bit & kPNDM) c.set_alpha_to_one = false;
  if (bit & kDPM) c.variance_type.clear();
  return c;
}

SchedulerConfig SchedulerConfig::from_json(const std::string& class_name, const json& config,
                                           const std::string& source) {
  if (!config.is_object()) throw Error(source + ": a scheduler config must be a JSON object");
  SchedulerConfig c = defaults(class_name);
  const unsigned bit = class_bit(class_name);
  // A config saved after from_config() lists the keys that held another class's defaults.
  std::vector<std::string> use_defaults;
  if (auto it = config.find("_use_default_values"); it != config.end() && it->is_array())
    for (const auto& k : *it)
      if (k.is_string()) use_defaults.push_back(k.get<std::string>());
  for (const Field& f : fields()) {
    auto it = config.find(f.key);
    if (it == config.end() || it->is_null()) continue;
    if (std::find(use_defaults.begin(), use_defaults.end(), f.key) != use_defaults.end()) continue;
    SchedulerConfig scratch = c;  // type-check every known field, apply only the class's own
    f.read(scratch, *it, source);
    if (f.classes & bit) c = std::move(scratch);
  }
  validate_scheduler_config(c, source);
  return c;
}

json SchedulerConfig::to_json() const {
  const unsigned bit = class_bit(class_name);
  json j = json::object();
  j["_class_name"] = class_name;
  for (const Field& f : fields())
    if (f.classes & bit) j[f.key] = f.write(*this);
  return j;
}

void validate_scheduler_config(const SchedulerConfig& c, const std::string& source) {
  const unsigned bit = class_bit(c.class_name);
  const std::string where = source + " (" + c.class_name + ")";
  if (c.num_train_timesteps < 2)
    throw Error(where + ": num_train_timesteps must be at least 2, got " + std::to_string(c.num_train_timesteps));
  if (c.trained_betas) {
    if (static_cast<int>(c.trained_betas->size()) != c.num_train_timesteps)
      throw Error(where + ": trained_betas has " + std::to_string(c.trained_betas->size()) +
                  " values but num_train_timesteps is " + std::to_string(c.num_train_timesteps));
  } else if (bit & kDDPM) {
    require_one_of(where, "beta_schedule", c.beta_schedule, {"linear", "scaled_linear", "squaredcos_cap_v2", "sigmoid"});
  } else {
    require_one_of(where, "beta_schedule", c.beta_schedule, {"linear", "scaled_linear", "squaredcos_cap_v2"});
  }
  if (c.rescale_betas_zero_snr && !(bit & (kDDPM | kDDIM | kEuler | kEulerA)))
    throw Error(where + ": rescale_betas_zero_snr is not available for this scheduler");
  if (bit & (kPNDM | kEulerA))
    require_one_of(where, "prediction_type", c.prediction_type, {"epsilon", "v_prediction"});
  else
    require_one_of(where, "prediction_type", c.prediction_type, {"epsilon", "v_prediction", "sample"});
  require_one_of(where, "timestep_spacing", c.timestep_spacing, {"leading", "trailing", "linspace"});
  if ((bit & (kDDPM | kDDIM | kDPM)) && c.thresholding)
    throw Error(where + ": thresholding=true is not supported; dynamic thresholding is meant for pixel-space "
                        "models, not latent diffusion. Set \"thresholding\" to false.");
  if (bit & kDDPM)
    require_one_of(where, "variance_type", c.variance_type, {"fixed_small", "fixed_small_log", "fixed_large"});
  if (bit & kEuler) {
    require_one_of(where, "interpolation_type", c.interpolation_type, {"linear", "log_linear"});
    require_one_of(where, "timestep_type", c.timestep_type, {"discrete", "continuous"});
  }
  if (bit & kDPM) {
    if (c.solver_order < 1 || c.solver_order > 3)
      throw Error(where + ": solver_order must be 1, 2 or 3, got " + std::to_string(c.solver_order));
    require_one_of(where, "algorithm_type", c.algorithm_type,
                   {"dpmsolver++", "dpmsolver", "sde-dpmsolver++", "sde-dpmsolver", "deis"});
    require_one_of(where, "solver_type", c.solver_type, {"midpoint", "heun", "logrho", "bh1", "bh2"});
    if (!c.variance_type.empty())
      throw Error(where + ": variance_type \"" + c.variance_type +
                  "\" (a model that predicts its variance) is not supported; use null");
  }
}

json parse_scheduler_config(const std::string& text, const std::string& source) {
  // Quote the bare non-finite literals Python writes, leaving string contents alone.
  std::string fixed;
  fixed.reserve(text.size() + 16);
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      fixed += ch;
      if (ch == '\\' && i + 1 < text.size()) fixed += text[++i];
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') {
      in_string = true;
      fixed += ch;
      continue;
    }
    bool replaced = false;
    for (const char* lit : {"-Infinity", "Infinity", "NaN"}) {
      const size_t n = std::char_traits<char>::length(lit);
      if (text.compare(i, n, lit) == 0) {
        fixed += '"';
        fixed += lit;
        fixed += '"';
        i += n - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) fixed += ch;
  }
  try {
    return json::parse(fixed);
  } catch (const json::exception& e) {
    throw Error(source + ": not a valid JSON scheduler config (" + e.what() + ")");
  }
}

json read_scheduler_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the scheduler config (does the file exist?)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_scheduler_config(ss.str(), path);
}

}  // namespace mrti
