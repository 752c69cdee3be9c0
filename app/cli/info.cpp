// mrti info: what a model folder or checkpoint holds, without building the networks.
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "models/stable_diffusion.h"

namespace mrti::cli {
namespace {

struct InfoArgs {
  std::string model, config_dir, prediction_type;
  bool json = false;
};

std::string thousands(int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

std::string text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + text(v[i]);
    return s + "]";
  }
  return v.dump();
}

std::string joined(const nlohmann::json& list) {
  std::string s;
  for (const auto& v : list) s += (s.empty() ? "" : ", ") + text(v);
  return s;
}

std::string field(const nlohmann::json& config, const char* key, const std::string& fallback = "?") {
  return config.contains(key) && !config[key].is_null() ? text(config[key]) : fallback;
}

void print_component(const char* label, const nlohmann::json& c, const std::string& detail) {
  std::string line = std::string(label);
  line.resize(15, ' ');
  line += c.value("class", "");
  if (c.contains("parameters"))
    line += ", " + thousands(c["parameters"].get<int64_t>()) + " parameters (" + joined(c["dtypes"]) + ")";
  std::cout << "  " << line << "\n";
  if (c.contains("weights")) std::cout << "                 " << c["weights"].get<std::string>() << "\n";
  if (!detail.empty()) std::cout << "                 " << detail << "\n";
}

void print_summary(const nlohmann::json& d) {
  const auto& comp = d["components"];
  const auto& cfg = d["config"];
  std::cout << d["path"].get<std::string>() << "\n";
  std::string kind = d["kind"].get<std::string>();
  if (d.contains("pipeline_class")) kind += " (" + d["pipeline_class"].get<std::string>() + ")";
  if (d.contains("family")) kind += ", " + d["family"].get<std::string>();
  std::cout << "  kind:          " << kind << "\n";
  if (d.contains("config_source")) std::cout << "  configs:       " << d["config_source"].get<std::string>() << "\n";
  if (d.contains("file"))
    std::cout << "  file:          " << thousands(d["file"]["tensors"].get<int64_t>()) << " tensors ("
              << joined(d["file"]["dtypes"]) << "), " << d.value("dropped_keys", 0) << " not used\n";

  const auto& te = cfg["text_encoder"];
  print_component("text encoder:", comp["text_encoder"],
                  "hidden " + field(te, "hidden_size") + ", " + field(te, "num_hidden_layers") + " layers, " +
                      field(te, "num_attention_heads") + " heads, " + field(te, "hidden_act") + ", vocabulary " +
                      field(te, "vocab_size"));
  const auto& un = cfg["unet"];
  const std::string heads = un.contains("num_attention_heads") && !un["num_attention_heads"].is_null()
                                ? field(un, "num_attention_heads")
                                : field(un, "attention_head_dim");
  print_component("unet:", comp["unet"],
                  "channels " + field(un, "block_out_channels") + ", " + field(un, "layers_per_block") +
                      " layers per block, cross-attention " + field(un, "cross_attention_dim") + ", heads " + heads +
                      ", " + (un.value("use_linear_projection", false) ? "linear" : "conv") +
                      " projection, in channels " + field(un, "in_channels") + ", sample size " +
                      field(un, "sample_size"));
  const auto& vae = cfg["vae"];
  print_component("vae:", comp["vae"],
                  "channels " + field(vae, "block_out_channels") + ", latent channels " +
                      field(vae, "latent_channels") + ", scaling factor " + field(vae, "scaling_factor", "0.18215"));
  std::cout << "  tokenizer:     " << comp["tokenizer"]["folder"].get<std::string>() << "\n";
  const auto& s = cfg["scheduler"];
  std::cout << "  scheduler:     " << field(s, "_class_name") << ", prediction type " << field(s, "prediction_type")
            << ", " << field(s, "beta_schedule") << " betas " << field(s, "beta_start") << " to "
            << field(s, "beta_end") << ", " << field(s, "num_train_timesteps") << " training steps\n";
  if (d.contains("notes"))
    for (const auto& n : d["notes"]) std::cout << "  note: " << n.get<std::string>() << "\n";
}

}  // namespace

void add_info(CLI::App& app) {
  auto args = std::make_shared<InfoArgs>();
  auto* cmd = app.add_subcommand("info", "Summarize a model: a diffusers folder or a single-file SD checkpoint");
  cmd->add_option("model", args->model, "diffusers folder or .safetensors/.ckpt checkpoint (default: the shipped model)");
  cmd->add_option("--config-dir", args->config_dir,
                  "diffusers folder whose configs describe a single-file checkpoint (needed for non-standard sizes)");
  cmd->add_option("--prediction-type", args->prediction_type, "single files: epsilon or v_prediction")
      ->check(CLI::IsMember({"epsilon", "v_prediction"}));
  cmd->add_flag("--json", args->json, "print the summary as JSON");
  cmd->callback([args] {
    args->model = resolve_model(args->model);
    const auto d = describe_stable_diffusion(args->model, args->config_dir, args->prediction_type);
    if (args->json)
      std::cout << d.dump(2) << "\n";
    else
      print_summary(d);
  });
}

}  // namespace mrti::cli
