#include "models/single_file_checkpoint.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <torch/torch.h>

#include "models/config_json.h"
#include "models/standard_configs.h"
#include "runtime/ascii_lower.h"
#include "runtime/config_folder_needed.h"
#include "runtime/error.h"
#include "tensor_io/state_dict.h"
#include "tensor_io/torch_pickle.h"

namespace mrti {
namespace fs = std::filesystem;

namespace {

const std::string kUnetPrefix = "model.diffusion_model.";
const std::string kVaePrefix = "first_stage_model.";
const std::string kClipPrefix = "cond_stage_model.transformer.";
const std::string kOpenClipPrefix = "cond_stage_model.model.";

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// "12.rest" -> (12, "rest"); nullopt when `s` does not start with a number and a dot.
std::optional<std::pair<int64_t, std::string>> take_index(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == 0 || i > 9 || i >= s.size() || s[i] != '.') return std::nullopt;
  return std::make_pair(std::stoll(s.substr(0, i)), s.substr(i + 1));
}

// Replaces the first matching prefix of `rest`; nullopt when none matches.
std::optional<std::string> rename_prefix(const std::string& rest,
                                         std::initializer_list<std::pair<const char*, const char*>> table) {
  for (const auto& [from, to] : table)
    if (starts_with(rest, from)) return std::string(to) + rest.substr(std::char_traits<char>::length(from));
  return std::nullopt;
}

std::string ints(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

[[noreturn]] void unknown_key(const std::string& source, const std::string& full_key, const std::string& what) {
  throw Error("'" + source + "': checkpoint key '" + full_key + "' has no place in a diffusers " + what +
              "; this checkpoint's architecture is not a Stable Diffusion 1.x/2.x model this program supports");
}

const at::Tensor& need(const TensorMap& m, const std::string& key, const std::string& source,
                       const std::string& prefix) {
  auto it = m.find(key);
  if (it == m.end())
    throw Error("'" + source + "': checkpoint key '" + prefix + key +
                "' is missing; the file is not a complete Stable Diffusion checkpoint");
  return it->second;
}

// --- UNet ------------------------------------------------------------------------------

std::string unet_resnet(const std::string& rest, const std::string& source, const std::string& full) {
  auto r = rename_prefix(rest, {{"in_layers.0.", "norm1."},
                                {"in_layers.2.", "conv1."},
                                {"out_layers.0.", "norm2."},
                                {"out_layers.3.", "conv2."},
                                {"emb_layers.1.", "time_emb_proj."},
                                {"skip_connection.", "conv_shortcut."}});
  if (!r) unknown_key(source, full, "UNet resnet");
  return *r;
}

// --- VAE -------------------------------------------------------------------------------

std::string vae_resnet(const std::string& rest, const std::string& source, const std::string& full) {
  auto r = rename_prefix(rest, {{"norm1.", "norm1."},
                                {"conv1.", "conv1."},
                                {"norm2.", "norm2."},
                                {"conv2.", "conv2."},
                                {"nin_shortcut.", "conv_shortcut."}});
  if (!r) unknown_key(source, full, "VAE resnet");
  return *r;
}

// mid.attn_1 used 1x1 convolutions; diffusers uses Linear layers. Weights [C, C, 1, 1]
// become [C, C]; biases are [C] in real checkpoints and [C, 1, 1] in some converted ones.
void vae_attention(const std::string& prefix, const std::string& rest, const at::Tensor& t, TensorMap& out,
                   const std::string& source, const std::string& full) {
  auto r = rename_prefix(rest, {{"norm.", "group_norm."},
                                {"q.", "to_q."},
                                {"k.", "to_k."},
                                {"v.", "to_v."},
                                {"proj_out.", "to_out.0."}});
  if (!r) unknown_key(source, full, "VAE attention");
  at::Tensor v = t;
  if (!starts_with(rest, "norm.")) {
    const bool is_weight = r->size() >= 7 && r->compare(r->size() - 7, 7, ".weight") == 0;
    if (is_weight && v.dim() > 2) v = v.reshape({v.size(0), v.size(1)});
    if (!is_weight && v.dim() > 1) v = v.reshape({-1});
  }
  out[prefix + *r] = v;
}

// --- configs ---------------------------------------------------------------------------

// The standard config, with what the shapes say (in/out channels: inpainting models take 9).
// SD 2.x 512 "base" (epsilon) models differ from the 768-v ones in sample size and in
// diffusers' upcast_attention.
nlohmann::json standard_unet_config(const LdmUnetLayout& l, bool sd2, bool v_prediction) {
  nlohmann::json j = standard_configs(sd2 ? "sd21" : "sd15").unet;
  j["in_channels"] = l.in_channels;
  j["out_channels"] = l.out_channels;
  if (sd2) {
    j["sample_size"] = v_prediction ? 96 : 64;
    j["upcast_attention"] = v_prediction;
  }
  return j;
}

nlohmann::json vae_config_from_shapes(const TensorMap& vae, bool sd2, bool v_prediction, const std::string& source) {
  // Levels and their widths from encoder.down_blocks.N.resnets.0.conv1 (output channels).
  std::vector<int64_t> channels;
  for (int64_t level = 0;; ++level) {
    auto it = vae.find("encoder.down_blocks." + std::to_string(level) + ".resnets.0.conv2.weight");
    if (it == vae.end()) break;
    channels.push_back(it->second.size(0));
  }
  int64_t layers = 0;
  while (vae.count("encoder.down_blocks.0.resnets." + std::to_string(layers) + ".conv1.weight")) ++layers;
  const auto& conv_in = need(vae, "encoder.conv_in.weight", source, kVaePrefix + "(converted) ");
  const auto& conv_out = need(vae, "decoder.conv_out.weight", source, kVaePrefix + "(converted) ");
  const auto& post_quant = need(vae, "post_quant_conv.weight", source, kVaePrefix + "(converted) ");
  if (channels.empty() || layers == 0)
    throw Error("'" + source + "': the VAE (first_stage_model.*) has no encoder blocks; the file is incomplete");
  nlohmann::json down = nlohmann::json::array(), up = nlohmann::json::array();
  for (size_t i = 0; i < channels.size(); ++i) {
    down.push_back("DownEncoderBlock2D");
    up.push_back("UpDecoderBlock2D");
  }
  return {{"_class_name", "AutoencoderKL"},
          {"_diffusers_version", "0.6.0"},
          {"act_fn", "silu"},
          {"block_out_channels", channels},
          {"down_block_types", down},
          {"in_channels", conv_in.size(1)},
          {"latent_channels", post_quant.size(0)},
          {"layers_per_block", layers},
          {"norm_num_groups", 32},
          {"out_channels", conv_out.size(0)},
          {"sample_size", sd2 && v_prediction ? 768 : 512},
          {"scaling_factor", 0.18215},
          {"up_block_types", up}};
}

std::optional<nlohmann::json> config_from_dir(const std::string& dir, const std::string& rel) {
  if (dir.empty()) return std::nullopt;
  const fs::path p = fs::path(dir) / rel;
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::nullopt;
  return read_config_json(p.string());
}

std::string non_standard_hint(const std::string& what) {
  return "; head counts and other settings cannot be read from the weights. Give the folder of the model's "
         "diffusers configs (with " +
         what + ") as the config folder";
}

}  // namespace

// --- reading -----------------------------------------------------------------------------

TensorMap read_checkpoint_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("checkpoint not found: '" + path + "'");
  const std::string ext = ascii_lower(fs::path(path).extension().string());
  if (ext == ".safetensors") return load_weights_file(path);
  try {
    return load_weights_file(path);
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.find("references the Python object") != std::string::npos)
      throw Error("'" + path +
                  "' stores Python objects besides the weights (a training checkpoint, e.g. from PyTorch "
                  "Lightning), which cannot be loaded safely. Convert the checkpoint to .safetensors first (in "
                  "Python, for a file you trust: safetensors.torch.save_file(torch.load(path, weights_only=False)"
                  "['state_dict'], 'model.safetensors')) and load that file instead.\n(" +
                  msg + ")");
    throw;
  }
}

bool is_ldm_checkpoint(const TensorMap& weights) {
  for (const auto& [key, t] : weights)
    if (starts_with(key, kUnetPrefix)) return true;
  return false;
}

LdmUnetLayout infer_ldm_unet_layout(const TensorMap& unet, const std::string& source) {
  LdmUnetLayout l;
  const auto& conv_in = need(unet, "input_blocks.0.0.weight", source, kUnetPrefix);
  const auto& conv_out = need(unet, "out.2.weight", source, kUnetPrefix);
  l.in_channels = conv_in.size(1);
  l.out_channels = conv_out.size(0);

  int64_t num_input = 0, num_output = 0, downsamplers = 0;
  std::set<int64_t> transformer_layers;
  for (const auto& [key, t] : unet) {
    if (starts_with(key, "input_blocks.")) {
      if (auto idx = take_index(key.substr(13))) {
        num_input = std::max(num_input, idx->first + 1);
        if (idx->second == "0.op.weight") ++downsamplers;
      }
    } else if (starts_with(key, "output_blocks.")) {
      if (auto idx = take_index(key.substr(14))) num_output = std::max(num_output, idx->first + 1);
    } else if (starts_with(key, "middle_block.1.")) {
      l.mid_attention = true;
    }
    if (key.find("transformer_blocks.0.attn2.to_k.weight") != std::string::npos && l.cross_attention_dim == 0)
      l.cross_attention_dim = t.size(1);
    if (key.find(".proj_in.weight") != std::string::npos) l.use_linear_projection = t.dim() == 2;
    if (starts_with(key, "input_blocks.1.1.transformer_blocks."))
      if (auto idx = take_index(key.substr(36))) transformer_layers.insert(idx->first);
  }
  const int64_t levels = downsamplers + 1;
  if (num_input < 2 || num_input % levels != 0 || num_output != num_input)
    throw Error("'" + source + "': the UNet's blocks (" + std::to_string(num_input) + " input, " +
                std::to_string(num_output) + " output, " + std::to_string(downsamplers) +
                " downsamplers) do not form a Stable Diffusion UNet");
  l.layers_per_block = num_input / levels - 1;
  if (l.layers_per_block < 1)
    throw Error("'" + source + "': the UNet has no resnets per level; it is not a Stable Diffusion UNet");
  const int64_t per_level = l.layers_per_block + 1;
  auto has_prefix = [&](const std::string& p) {
    auto it = unet.lower_bound(p);
    return it != unet.end() && starts_with(it->first, p);
  };
  for (int64_t level = 0; level < levels; ++level) {
    const std::string first = "input_blocks." + std::to_string(1 + level * per_level);
    l.block_out_channels.push_back(need(unet, first + ".0.out_layers.3.weight", source, kUnetPrefix).size(0));
    l.down_attention.push_back(has_prefix(first + ".1."));
    const std::string up = "output_blocks." + std::to_string(level * per_level);
    l.up_attention.push_back(has_prefix(up + ".1.") && !has_prefix(up + ".1.conv."));
  }
  l.transformer_layers_per_block = std::max<int64_t>(1, static_cast<int64_t>(transformer_layers.size()));
  if (l.cross_attention_dim == 0)
    throw Error("'" + source + "': the UNet has no cross-attention (attn2) weights; it is not a text-to-image "
                "Stable Diffusion UNet");
  return l;
}

// --- conversions -------------------------------------------------------------------------

TensorMap convert_ldm_unet(const TensorMap& unet, int64_t layers_per_block, const std::string& source) {
  const int64_t per_level = layers_per_block + 1;
  // An output block's sub-module that holds only conv.* is its upsampler.
  std::map<std::string, bool> only_conv;
  for (const auto& [key, t] : unet) {
    if (!starts_with(key, "output_blocks.")) continue;
    auto i = take_index(key.substr(14));
    if (!i) continue;
    auto j = take_index(i->second);
    if (!j) continue;
    const std::string id = std::to_string(i->first) + "." + std::to_string(j->first);
    const bool conv = starts_with(j->second, "conv.");
    auto it = only_conv.find(id);
    only_conv[id] = (it == only_conv.end() ? true : it->second) && conv;
  }

  TensorMap out;
  for (const auto& [key, t] : unet) {
    const std::string full = kUnetPrefix + key;
    std::optional<std::string> simple = rename_prefix(key, {{"time_embed.0.", "time_embedding.linear_1."},
                                                            {"time_embed.2.", "time_embedding.linear_2."},
                                                            {"input_blocks.0.0.", "conv_in."},
                                                            {"out.0.", "conv_norm_out."},
                                                            {"out.2.", "conv_out."}});
    if (simple) {
      out[*simple] = t;
      continue;
    }
    std::optional<std::pair<int64_t, std::string>> i, j;
    if (starts_with(key, "input_blocks.") && (i = take_index(key.substr(13))) && (j = take_index(i->second)) &&
        i->first >= 1) {
      const int64_t level = (i->first - 1) / per_level, layer = (i->first - 1) % per_level;
      const std::string block = "down_blocks." + std::to_string(level) + ".";
      if (j->first == 0 && starts_with(j->second, "op."))
        out[block + "downsamplers.0.conv." + j->second.substr(3)] = t;
      else if (j->first == 0)
        out[block + "resnets." + std::to_string(layer) + "." + unet_resnet(j->second, source, full)] = t;
      else if (j->first == 1)
        out[block + "attentions." + std::to_string(layer) + "." + j->second] = t;
      else
        unknown_key(source, full, "UNet");
    } else if (starts_with(key, "middle_block.") && (j = take_index(key.substr(13)))) {
      if (j->first == 0)
        out["mid_block.resnets.0." + unet_resnet(j->second, source, full)] = t;
      else if (j->first == 1)
        out["mid_block.attentions.0." + j->second] = t;
      else if (j->first == 2)
        out["mid_block.resnets.1." + unet_resnet(j->second, source, full)] = t;
      else
        unknown_key(source, full, "UNet");
    } else if (starts_with(key, "output_blocks.") && (i = take_index(key.substr(14))) &&
               (j = take_index(i->second))) {
      const int64_t level = i->first / per_level, layer = i->first % per_level;
      const std::string block = "up_blocks." + std::to_string(level) + ".";
      const bool upsampler = j->first > 0 && only_conv[std::to_string(i->first) + "." + std::to_string(j->first)];
      if (j->first == 0)
        out[block + "resnets." + std::to_string(layer) + "." + unet_resnet(j->second, source, full)] = t;
      else if (upsampler)
        out[block + "upsamplers.0.conv." + j->second.substr(5)] = t;
      else if (j->first == 1)
        out[block + "attentions." + std::to_string(layer) + "." + j->second] = t;
      else
        unknown_key(source, full, "UNet");
    } else {
      unknown_key(source, full, "UNet");
    }
  }
  return out;
}

TensorMap convert_ldm_vae(const TensorMap& vae, const std::string& source) {
  // The decoder's up blocks are numbered from the lowest resolution in diffusers and from
  // the highest in LDM.
  int64_t num_up = 0;
  for (const auto& [key, t] : vae)
    if (starts_with(key, "decoder.up."))
      if (auto i = take_index(key.substr(11))) num_up = std::max(num_up, i->first + 1);

  TensorMap out;
  for (const auto& [key, t] : vae) {
    const std::string full = kVaePrefix + key;
    if (starts_with(key, "loss.")) continue;  // the training discriminator, not part of the model
    if (auto r = rename_prefix(key, {{"encoder.conv_in.", "encoder.conv_in."},
                                     {"encoder.conv_out.", "encoder.conv_out."},
                                     {"encoder.norm_out.", "encoder.conv_norm_out."},
                                     {"decoder.conv_in.", "decoder.conv_in."},
                                     {"decoder.conv_out.", "decoder.conv_out."},
                                     {"decoder.norm_out.", "decoder.conv_norm_out."},
                                     {"quant_conv.", "quant_conv."},
                                     {"post_quant_conv.", "post_quant_conv."}})) {
      out[*r] = t;
      continue;
    }
    const bool enc = starts_with(key, "encoder."), dec = starts_with(key, "decoder.");
    if (!enc && !dec) unknown_key(source, full, "VAE");
    const std::string side = enc ? "encoder." : "decoder.";
    const std::string rest = key.substr(8);
    std::optional<std::pair<int64_t, std::string>> i, j;
    if (starts_with(rest, "mid.block_") && (j = take_index(rest.substr(10))) && (j->first == 1 || j->first == 2)) {
      out[side + "mid_block.resnets." + std::to_string(j->first - 1) + "." + vae_resnet(j->second, source, full)] = t;
    } else if (starts_with(rest, "mid.attn_1.")) {
      vae_attention(side + "mid_block.attentions.0.", rest.substr(11), t, out, source, full);
    } else if (enc && starts_with(rest, "down.") && (i = take_index(rest.substr(5)))) {
      const std::string block = side + "down_blocks." + std::to_string(i->first) + ".";
      if (starts_with(i->second, "downsample.conv."))
        out[block + "downsamplers.0.conv." + i->second.substr(16)] = t;
      else if (starts_with(i->second, "block.") && (j = take_index(i->second.substr(6))))
        out[block + "resnets." + std::to_string(j->first) + "." + vae_resnet(j->second, source, full)] = t;
      else
        unknown_key(source, full, "VAE");
    } else if (dec && starts_with(rest, "up.") && (i = take_index(rest.substr(3)))) {
      const std::string block = side + "up_blocks." + std::to_string(num_up - 1 - i->first) + ".";
      if (starts_with(i->second, "upsample.conv."))
        out[block + "upsamplers.0.conv." + i->second.substr(14)] = t;
      else if (starts_with(i->second, "block.") && (j = take_index(i->second.substr(6))))
        out[block + "resnets." + std::to_string(j->first) + "." + vae_resnet(j->second, source, full)] = t;
      else
        unknown_key(source, full, "VAE");
    } else {
      unknown_key(source, full, "VAE");
    }
  }
  return out;
}

TensorMap convert_ldm_clip(const TensorMap& text, const std::string& source) {
  TensorMap out;
  for (const auto& [key, t] : text) {
    // Checkpoints saved with old transformers versions lack the text_model. level.
    const std::string name = starts_with(key, "text_model.") ? key : "text_model." + key;
    if (!starts_with(name, "text_model.embeddings.") && !starts_with(name, "text_model.encoder.layers.") &&
        !starts_with(name, "text_model.final_layer_norm."))
      unknown_key(source, kClipPrefix + key, "CLIP text model");
    out[name] = t;
  }
  return out;
}

TensorMap convert_open_clip(const TensorMap& text, int64_t keep_layers, const std::string& source,
                            std::vector<std::string>* dropped) {
  auto drop = [&](const std::string& key) {
    if (dropped) dropped->push_back(kOpenClipPrefix + key);
  };
  TensorMap out;
  for (const auto& [key, t] : text) {
    const std::string full = kOpenClipPrefix + key;
    if (key == "positional_embedding") {
      out["text_model.embeddings.position_embedding.weight"] = t;
    } else if (key == "token_embedding.weight") {
      out["text_model.embeddings.token_embedding.weight"] = t;
    } else if (key == "ln_final.weight" || key == "ln_final.bias") {
      out["text_model.final_layer_norm." + key.substr(9)] = t;
    } else if (key == "text_projection" || key == "logit_scale" || key == "attn_mask" || starts_with(key, "visual.")) {
      drop(key);  // CLIPTextModel has no projection; SD never used the image tower
    } else if (std::optional<std::pair<int64_t, std::string>> i;
               starts_with(key, "transformer.resblocks.") && (i = take_index(key.substr(22)))) {
      if (i->first >= keep_layers) {
        drop(key);
        continue;
      }
      const std::string layer = "text_model.encoder.layers." + std::to_string(i->first) + ".";
      const std::string& rest = i->second;
      if (rest == "attn.in_proj_weight" || rest == "attn.in_proj_bias") {
        const bool w = rest == "attn.in_proj_weight";
        const int64_t d = t.size(0) / 3;
        if (t.size(0) != 3 * d) throw Error("'" + source + "': '" + full + "' is not a stacked q/k/v projection");
        const char* names[] = {"q_proj", "k_proj", "v_proj"};
        for (int64_t p = 0; p < 3; ++p)
          out[layer + "self_attn." + names[p] + (w ? ".weight" : ".bias")] = t.slice(0, p * d, (p + 1) * d);
      } else if (auto r = rename_prefix(rest, {{"attn.out_proj.", "self_attn.out_proj."},
                                               {"ln_1.", "layer_norm1."},
                                               {"ln_2.", "layer_norm2."},
                                               {"mlp.c_fc.", "mlp.fc1."},
                                               {"mlp.c_proj.", "mlp.fc2."}})) {
        out[layer + *r] = t;
      } else {
        unknown_key(source, full, "CLIP text model");
      }
    } else {
      unknown_key(source, full, "CLIP text model");
    }
  }
  return out;
}

nlohmann::json sd15_scheduler_config() { return standard_configs("sd15").scheduler; }

// --- the whole checkpoint ----------------------------------------------------------------

ConvertedCheckpoint convert_single_file_checkpoint(const TensorMap& checkpoint, const std::string& source,
                                                   const SingleFileOptions& options) {
  if (!options.prediction_type.empty() && options.prediction_type != "epsilon" &&
      options.prediction_type != "v_prediction")
    throw Error("unknown prediction type '" + options.prediction_type + "': use epsilon or v_prediction");
  std::error_code ec;
  if (!options.config_dir.empty() && !fs::is_directory(options.config_dir, ec))
    throw Error("config folder '" + options.config_dir + "' does not exist or is not a folder");

  ConvertedCheckpoint out;
  TensorMap unet, vae, clip, open_clip;
  bool sdxl = false;
  for (const auto& [key, t] : checkpoint) {
    if (starts_with(key, kUnetPrefix)) unet[key.substr(kUnetPrefix.size())] = t;
    else if (starts_with(key, kVaePrefix)) vae[key.substr(kVaePrefix.size())] = t;
    else if (starts_with(key, kClipPrefix)) clip[key.substr(kClipPrefix.size())] = t;
    else if (starts_with(key, kOpenClipPrefix)) open_clip[key.substr(kOpenClipPrefix.size())] = t;
    else if (starts_with(key, "conditioner.embedders.")) sdxl = true;
    else out.dropped.push_back(key);  // EMA copy, noise-schedule buffers, ...
  }
  if (sdxl)
    throw Error("'" + source + "' is a Stable Diffusion XL checkpoint (conditioner.embedders.*); only SD 1.x and "
                "2.x models are supported");
  if (unet.empty())
    throw Error("'" + source + "' is not a Stable Diffusion checkpoint: it has no model.diffusion_model.* (UNet) "
                "weights" + (checkpoint.empty() ? std::string(" (it holds no tensors)") : ", e.g. its first key is '" + checkpoint.begin()->first + "'"));
  if (vae.empty())
    throw Error("'" + source + "' has no first_stage_model.* (VAE) weights; a complete Stable Diffusion "
                "checkpoint is needed");
  if (clip.empty() && open_clip.empty())
    throw Error("'" + source + "' has no cond_stage_model.* (text encoder) weights; a complete Stable Diffusion "
                "checkpoint is needed");
  for (const auto& [key, t] : vae)
    if (starts_with(key, "loss.")) out.dropped.push_back(kVaePrefix + key);

  const LdmUnetLayout layout = infer_ldm_unet_layout(unet, source);
  out.unet = convert_ldm_unet(unet, layout.layers_per_block, source);
  out.vae = convert_ldm_vae(vae, source);

  const std::string& dir = options.config_dir;
  auto dir_unet = config_from_dir(dir, "unet/config.json");
  auto dir_vae = config_from_dir(dir, "vae/config.json");
  auto dir_text = config_from_dir(dir, "text_encoder/config.json");
  auto dir_sched = config_from_dir(dir, "scheduler/scheduler_config.json");
  if (!dir.empty() && !dir_unet && !dir_vae && !dir_text && !dir_sched)
    throw Error("config folder '" + dir + "' holds none of unet/config.json, vae/config.json, "
                "text_encoder/config.json, scheduler/scheduler_config.json; give a diffusers model folder");
  if (!dir.empty() && fs::is_directory(fs::path(dir) / "tokenizer", ec))
    out.tokenizer_dir = (fs::path(dir) / "tokenizer").string();

  const bool sd2 = !open_clip.empty();
  out.family = sd2 ? "SD 2.x" : "SD 1.x";
  std::string prediction = options.prediction_type;
  if (prediction.empty() && dir_sched && dir_sched->contains("prediction_type") &&
      (*dir_sched)["prediction_type"].is_string())
    prediction = (*dir_sched)["prediction_type"].get<std::string>();
  if (prediction.empty()) prediction = "epsilon";
  const bool v_pred = prediction == "v_prediction";

  // UNet config.
  const bool standard_unet = layout.block_out_channels == std::vector<int64_t>{320, 640, 1280, 1280} &&
                             layout.layers_per_block == 2 && layout.transformer_layers_per_block == 1 &&
                             layout.mid_attention &&
                             layout.down_attention == std::vector<bool>{true, true, true, false} &&
                             layout.up_attention == std::vector<bool>{false, true, true, true} &&
                             ((!sd2 && layout.cross_attention_dim == 768 && !layout.use_linear_projection) ||
                              (sd2 && layout.cross_attention_dim == 1024 && layout.use_linear_projection));
  if (dir_unet) {
    ConfigFields f(*dir_unet, (fs::path(dir) / "unet/config.json").string());
    const auto channels = f.get_int_list("block_out_channels");
    const auto lpb = f.get_int("layers_per_block", 2);
    const auto ctx = f.get_int("cross_attention_dim", 1280);
    if (channels != layout.block_out_channels || lpb != layout.layers_per_block || ctx != layout.cross_attention_dim)
      throw Error("the config folder's '" + f.source() + "' does not describe '" + source +
                  "': it has block_out_channels " + ints(channels) + ", layers_per_block " + std::to_string(lpb) +
                  ", cross_attention_dim " + std::to_string(ctx) + " but the checkpoint has " +
                  ints(layout.block_out_channels) + ", " + std::to_string(layout.layers_per_block) + ", " +
                  std::to_string(layout.cross_attention_dim));
    out.unet_config = *dir_unet;
  } else if (standard_unet) {
    out.unet_config = standard_unet_config(layout, sd2, v_pred);
  } else {
    throw ConfigFolderNeeded("'" + source + "': its UNet (block_out_channels " + ints(layout.block_out_channels) +
                ", layers_per_block " + std::to_string(layout.layers_per_block) + ", cross_attention_dim " +
                std::to_string(layout.cross_attention_dim) +
                ") matches no standard Stable Diffusion configuration (SD 1.x: [320, 640, 1280, 1280], 2, 768; "
                "SD 2.x: [320, 640, 1280, 1280], 2, 1024)" +
                non_standard_hint("unet/config.json"));
  }

  // Text encoder config and weights.
  if (sd2) {
    const auto& tok = need(open_clip, "token_embedding.weight", source, kOpenClipPrefix);
    int64_t layers = 0;
    while (open_clip.count("transformer.resblocks." + std::to_string(layers) + ".ln_1.weight")) ++layers;
    int64_t keep = layers - 1;
    if (dir_text) {
      ConfigFields f(*dir_text, (fs::path(dir) / "text_encoder/config.json").string());
      keep = f.get_int("num_hidden_layers", 12);
      if (f.get_int("hidden_size", 768) != tok.size(1) || keep > layers)
        throw Error("the config folder's '" + f.source() + "' does not describe the text encoder of '" + source +
                    "' (width " + std::to_string(tok.size(1)) + ", " + std::to_string(layers) + " layers)");
      out.text_encoder_config = *dir_text;
    } else if (tok.size(0) == 49408 && tok.size(1) == 1024 && layers == 24) {
      out.text_encoder_config = standard_configs("sd21").text_encoder;
      keep = 23;
    } else {
      throw ConfigFolderNeeded("'" + source + "': its OpenCLIP text encoder (vocabulary " + std::to_string(tok.size(0)) +
                  ", width " + std::to_string(tok.size(1)) + ", " + std::to_string(layers) +
                  " layers) matches no standard SD 2.x configuration (49408, 1024, 24)" +
                  non_standard_hint("text_encoder/config.json"));
    }
    out.text_encoder = convert_open_clip(open_clip, keep, source, &out.dropped);
  } else {
    out.text_encoder = convert_ldm_clip(clip, source);
    const auto& tok = need(out.text_encoder, "text_model.embeddings.token_embedding.weight", source, kClipPrefix);
    int64_t layers = 0;
    while (out.text_encoder.count("text_model.encoder.layers." + std::to_string(layers) + ".layer_norm1.weight"))
      ++layers;
    if (dir_text) {
      ConfigFields f(*dir_text, (fs::path(dir) / "text_encoder/config.json").string());
      if (f.get_int("hidden_size", 768) != tok.size(1) || f.get_int("num_hidden_layers", 12) != layers)
        throw Error("the config folder's '" + f.source() + "' does not describe the text encoder of '" + source +
                    "' (width " + std::to_string(tok.size(1)) + ", " + std::to_string(layers) + " layers)");
      out.text_encoder_config = *dir_text;
    } else if (tok.size(0) == 49408 && tok.size(1) == 768 && layers == 12) {
      out.text_encoder_config = standard_configs("sd15").text_encoder;
    } else {
      throw ConfigFolderNeeded("'" + source + "': its CLIP text encoder (vocabulary " + std::to_string(tok.size(0)) + ", width " +
                  std::to_string(tok.size(1)) + ", " + std::to_string(layers) +
                  " layers) matches no standard SD 1.x configuration (49408, 768, 12)" +
                  non_standard_hint("text_encoder/config.json"));
    }
  }

  out.vae_config = dir_vae ? *dir_vae : vae_config_from_shapes(out.vae, sd2, v_pred, source);
  out.scheduler_config = dir_sched ? *dir_sched : sd15_scheduler_config();
  if (!options.prediction_type.empty()) out.scheduler_config["prediction_type"] = prediction;
  if (sd2 && options.prediction_type.empty() && !dir_sched)
    out.notes.push_back("SD 2.x: the weights do not say whether the model predicts noise (512 \"base\" models) or "
                        "v (768 models); assuming epsilon. For a 768-v model choose the v_prediction prediction type.");

  out.config_source = dir_unet ? dir : "standard " + out.family + " configuration";
  return out;
}

ConvertedCheckpoint load_single_file_checkpoint(const std::string& path, const SingleFileOptions& options) {
  return convert_single_file_checkpoint(read_checkpoint_file(path), path, options);
}

}  // namespace mrti
