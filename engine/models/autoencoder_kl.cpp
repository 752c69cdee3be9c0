#include "models/autoencoder_kl.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "models/config_json.h"
#include "models/group_norm_statistics.h"
#include "models/layer_forward.h"
#include "runtime/error.h"

namespace mrti {

namespace nn = torch::nn;

AutoencoderKLConfig AutoencoderKLConfig::from_json(const nlohmann::json& json, const std::string& source) {
  const ConfigFields f(json, source);
  if (f.has("_class_name") && f.get_string("_class_name") != "AutoencoderKL")
    f.fail("_class_name", "= \"" + f.get_string("_class_name") +
                              "\": expected an AutoencoderKL config (is this the vae folder?)");
  const std::string only_sd = "only Stable Diffusion 1.x/2.x VAEs are supported";
  f.require_null("shift_factor", only_sd);
  if (!f.get_bool("use_quant_conv", true)) f.fail("use_quant_conv", "= false is not supported; " + only_sd);
  if (!f.get_bool("use_post_quant_conv", true)) f.fail("use_post_quant_conv", "= false is not supported; " + only_sd);

  AutoencoderKLConfig c;
  c.in_channels = f.get_int("in_channels");
  c.out_channels = f.get_int("out_channels");
  c.block_out_channels = f.get_int_list("block_out_channels");
  c.down_block_types = f.get_string_list("down_block_types");
  c.up_block_types = f.get_string_list("up_block_types");
  c.layers_per_block = f.get_int("layers_per_block");
  c.latent_channels = f.get_int("latent_channels");
  c.norm_num_groups = f.get_int("norm_num_groups", c.norm_num_groups);
  c.act_fn = f.get_string("act_fn", c.act_fn);
  parse_activation(c.act_fn, source);
  c.sample_size = f.get_int("sample_size", c.sample_size);
  c.scaling_factor = f.get_double("scaling_factor", c.scaling_factor);
  c.force_upcast = f.get_bool("force_upcast", c.force_upcast);
  c.mid_block_add_attention = f.get_bool("mid_block_add_attention", c.mid_block_add_attention);

  const size_t n = c.block_out_channels.size();
  auto check_types = [&](const std::string& key, const std::vector<std::string>& types, const std::string& expected) {
    if (types.size() != n)
      f.fail(key, "has " + std::to_string(types.size()) + " entries but block_out_channels has " + std::to_string(n));
    for (const auto& type : types)
      if (type != expected) f.fail(key, "holds \"" + type + "\", which is not supported (only " + expected + ")");
  };
  check_types("down_block_types", c.down_block_types, "DownEncoderBlock2D");
  check_types("up_block_types", c.up_block_types, "UpDecoderBlock2D");
  auto positive = [&](const std::string& key, int64_t v) {
    if (v <= 0) f.fail(key, "must be positive, got " + std::to_string(v));
  };
  positive("in_channels", c.in_channels);
  positive("out_channels", c.out_channels);
  positive("layers_per_block", c.layers_per_block);
  positive("latent_channels", c.latent_channels);
  positive("norm_num_groups", c.norm_num_groups);
  if (!(c.scaling_factor > 0)) f.fail("scaling_factor", "must be positive");
  for (size_t i = 0; i < n; ++i) {
    positive("block_out_channels", c.block_out_channels[i]);
    if (c.block_out_channels[i] % c.norm_num_groups)
      f.fail("norm_num_groups", "= " + std::to_string(c.norm_num_groups) + " does not divide block_out_channels[" +
                                    std::to_string(i) + "] = " + std::to_string(c.block_out_channels[i]));
  }
  // Encoder and decoder: about two 3x3 convolutions per ResNet, layers (+1 up) per block.
  double weights = 0;
  for (int64_t ch : c.block_out_channels) weights += 2.0 * (2.0 * double(c.layers_per_block) + 1) * 18.0 * double(ch) * ch;
  f.check_parameter_count(weights + 9.0 * double(c.latent_channels) * (double(c.in_channels) + double(c.out_channels)));
  return c;
}

AutoencoderKLConfig AutoencoderKLConfig::from_file(const std::string& path) {
  const nlohmann::json json = read_config_json(path);
  return from_json(json, config_json_path(path));
}

AutoencoderKLImpl::AutoencoderKLImpl(const AutoencoderKLConfig& config) : config_(config) {
  VaeCoderOptions o;
  o.block_out_channels = config.block_out_channels;
  o.layers_per_block = config.layers_per_block;
  o.norm_num_groups = config.norm_num_groups;
  o.act = parse_activation(config.act_fn, "VAE config");
  o.mid_block_add_attention = config.mid_block_add_attention;
  VaeCoderOptions enc = o;
  enc.in_channels = config.in_channels;
  enc.out_channels = config.latent_channels;
  enc.double_z = true;
  VaeCoderOptions dec = o;
  dec.in_channels = config.latent_channels;
  dec.out_channels = config.out_channels;
  const int64_t lc = config.latent_channels;
  encoder = register_module("encoder", Encoder(enc));
  decoder = register_module("decoder", Decoder(dec));
  quant_conv = register_module("quant_conv", nn::Conv2d(nn::Conv2dOptions(2 * lc, 2 * lc, 1)));
  post_quant_conv = register_module("post_quant_conv", nn::Conv2d(nn::Conv2dOptions(lc, lc, 1)));
}

namespace {
std::string shape_str(const at::Tensor& t) {
  if (!t.defined()) return "nothing";
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

template <typename F>
at::Tensor per_item(const at::Tensor& x, bool slicing, F f) {
  if (!slicing || x.size(0) <= 1) return f(x);
  std::vector<at::Tensor> parts;
  for (const auto& item : x.split(1, 0)) parts.push_back(f(item));
  return at::cat(parts, 0);
}
}  // namespace

DiagonalGaussianDistribution AutoencoderKLImpl::encode(const at::Tensor& image) {
  if (!image.defined() || image.dim() != 4 || image.size(1) != config_.in_channels)
    throw Error("VAE encode: image must be [B, " + std::to_string(config_.in_channels) + ", H, W], got " +
                shape_str(image));
  return DiagonalGaussianDistribution(
      per_item(image, slicing_, [this](const at::Tensor& x) { return conv2d(quant_conv, encoder->forward(x)); }));
}

at::Tensor AutoencoderKLImpl::decode(const at::Tensor& latent) {
  if (!latent.defined() || latent.dim() != 4 || latent.size(1) != config_.latent_channels)
    throw Error("VAE decode: latent must be [B, " + std::to_string(config_.latent_channels) + ", h, w], got " +
                shape_str(latent));
  const int64_t tile = config_.sample_size / config_.downscale_factor();
  if (tiling_ && (latent.size(2) > tile || latent.size(3) > tile)) return tiled_decode(latent);
  return per_item(latent, slicing_,
                  [this](const at::Tensor& z) { return decoder->forward(conv2d(post_quant_conv, z)); });
}

namespace {
// b's first `extent` rows (dim 2) or columns (dim 3) fade in from a's last ones, in place.
void blend(const at::Tensor& a, at::Tensor& b, int64_t dim, int64_t extent) {
  extent = std::min({a.size(dim), b.size(dim), extent});
  if (extent <= 0) return;
  std::vector<int64_t> shape(4, 1);
  shape[dim] = extent;
  const at::Tensor w = (at::arange(extent, at::TensorOptions().dtype(at::kDouble)) / double(extent))
                           .to(b.scalar_type())
                           .to(b.device())
                           .view(shape);
  at::Tensor head = b.narrow(dim, 0, extent);
  head.copy_(a.narrow(dim, a.size(dim) - extent, extent) * (1 - w) + head * w);
}
}  // namespace

at::Tensor AutoencoderKLImpl::tiled_decode(const at::Tensor& latent) {
  // diffusers' AutoencoderKL.tiled_decode: tiles of sample_size pixels every 3/4 tile, each
  // blended with the tile above and the one to its left (already blended themselves), then
  // cut to the stride.
  // Unlike diffusers, every tile is normalised with the GroupNorm statistics of the whole
  // picture, recorded from a decode of the latent shrunk to one tile (nearest neighbours,
  // so the latent values themselves are kept): tiles normalised by their own statistics
  // came out in visibly different tones.
  const int64_t tile = std::max<int64_t>(1, config_.sample_size / config_.downscale_factor());
  const int64_t stride = std::max<int64_t>(1, int64_t(double(tile) * (1 - 0.25)));
  const int64_t blend_extent = int64_t(double(config_.sample_size) * 0.25);
  const int64_t keep = config_.sample_size - blend_extent;
  const auto decode_whole = [this](const at::Tensor& t) { return decoder->forward(conv2d(post_quant_conv, t)); };
  GroupNormStatistics stats;
  {
    const double scale = std::min(1.0, double(tile) / double(std::max(latent.size(2), latent.size(3))));
    const int64_t h = std::max<int64_t>(1, int64_t(std::lround(double(latent.size(2)) * scale)));
    const int64_t w = std::max<int64_t>(1, int64_t(std::lround(double(latent.size(3)) * scale)));
    const GroupNormStatistics::Use record(stats, GroupNormStatistics::Mode::Record);
    decode_whole(at::upsample_nearest2d(latent, {h, w}));
  }
  std::vector<std::vector<at::Tensor>> rows;
  for (int64_t i = 0; i < latent.size(2); i += stride) {
    std::vector<at::Tensor> row;
    for (int64_t j = 0; j < latent.size(3); j += stride) {
      const at::Tensor z = latent.narrow(2, i, std::min(tile, latent.size(2) - i))
                               .narrow(3, j, std::min(tile, latent.size(3) - j));
      const GroupNormStatistics::Use replay(stats, GroupNormStatistics::Mode::Replay);
      row.push_back(decode_whole(z));
    }
    rows.push_back(std::move(row));
  }
  std::vector<at::Tensor> out_rows;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::vector<at::Tensor> out_row;
    for (std::size_t j = 0; j < rows[i].size(); ++j) {
      at::Tensor& t = rows[i][j];
      if (i > 0) blend(rows[i - 1][j], t, 2, blend_extent);
      if (j > 0) blend(rows[i][j - 1], t, 3, blend_extent);
      out_row.push_back(t.narrow(2, 0, std::min(keep, t.size(2))).narrow(3, 0, std::min(keep, t.size(3))));
    }
    out_rows.push_back(at::cat(out_row, 3));
  }
  return at::cat(out_rows, 2);
}

// ---- state-dict key and shape normalisation ----

namespace {
// For "<prefix>.attentions.<n>.<name>.<weight|bias>", yields the offset where <name>
// starts and the name with its parameter suffix; false for any other key.
bool attention_param(const std::string& key, size_t& name_start, std::string& tail) {
  static const std::string marker = ".attentions.";
  size_t pos = key.find(marker);
  if (pos == std::string::npos) return false;
  pos += marker.size();
  size_t end = pos;
  while (end < key.size() && std::isdigit(static_cast<unsigned char>(key[end]))) ++end;
  if (end == pos || end >= key.size() || key[end] != '.') return false;
  name_start = end + 1;
  tail = key.substr(name_start);
  return true;
}
}  // namespace

TensorMap rename_legacy_vae_attention_keys(const TensorMap& weights) {
  static const std::pair<const char*, const char*> renames[] = {
      {"query", "to_q"}, {"key", "to_k"}, {"value", "to_v"}, {"proj_attn", "to_out.0"}};
  TensorMap out;
  for (const auto& [key, tensor] : weights) {
    std::string new_key = key;
    size_t name_start = 0;
    std::string tail;
    if (attention_param(key, name_start, tail)) {
      for (const auto& [old_name, new_name] : renames) {
        const std::string o = old_name;
        if (tail == o + ".weight" || tail == o + ".bias") {
          new_key = key.substr(0, name_start) + new_name + tail.substr(o.size());
          break;
        }
      }
    }
    out[new_key] = tensor;
  }
  return out;
}

TensorMap squeeze_vae_attention_shapes(const TensorMap& weights) {
  static const char* names[] = {"to_q", "to_k", "to_v", "to_out.0", "query", "key", "value", "proj_attn"};
  TensorMap out;
  for (const auto& [key, tensor] : weights) {
    at::Tensor t = tensor;
    size_t name_start = 0;
    std::string tail;
    if (attention_param(key, name_start, tail)) {
      for (const char* name : names) {
        const std::string n = name;
        if (tail == n + ".weight" && t.dim() == 4 && t.size(2) == 1 && t.size(3) == 1)
          t = t.reshape({t.size(0), t.size(1)});
        else if (tail == n + ".bias" && t.dim() == 3 && t.size(1) == 1 && t.size(2) == 1)
          t = t.reshape({t.size(0)});
      }
    }
    out[key] = t;
  }
  return out;
}

TensorMap normalize_vae_state_dict(const TensorMap& weights) {
  return squeeze_vae_attention_shapes(rename_legacy_vae_attention_keys(weights));
}

}  // namespace mrti
