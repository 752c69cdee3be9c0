#include "models/unet_2d_condition_model.h"

#include <algorithm>
#include <optional>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "models/config_json.h"
#include "models/group_norm_statistics.h"
#include "models/layer_forward.h"
#include "models/token_merging.h"
#include "runtime/error.h"

namespace mrti {

namespace nn = torch::nn;

UNet2DConditionConfig UNet2DConditionConfig::from_json(const nlohmann::json& json, const std::string& source) {
  const ConfigFields f(json, source);
  if (f.has("_class_name") && f.get_string("_class_name") != "UNet2DConditionModel")
    f.fail("_class_name", "= \"" + f.get_string("_class_name") +
                              "\": expected a UNet2DConditionModel config (is this the unet folder?)");

  const std::string only_sd = "only Stable Diffusion 1.x/2.x UNets are supported";
  f.require_null("addition_embed_type", "added text/time conditioning (SDXL and similar) is not supported; " + only_sd);
  f.require_null("class_embed_type", "class-conditioned UNets (e.g. upscalers) are not supported; " + only_sd);
  f.require_null("num_class_embeds", "class-conditioned UNets are not supported; " + only_sd);
  f.require_null("encoder_hid_dim", "an encoder_hid_proj is not supported; " + only_sd);
  f.require_null("encoder_hid_dim_type", "an encoder_hid_proj is not supported; " + only_sd);
  f.require_null("time_cond_proj_dim", "guidance-embedding (LCM-distilled) UNets are not supported; " + only_sd);
  f.require_null("timestep_post_act", only_sd);
  f.require_null("time_embedding_act_fn", only_sd);
  f.require_null("cross_attention_norm", only_sd);
  f.require_null("reverse_transformer_layers_per_block", only_sd);
  if (f.get_bool("dual_cross_attention", false))
    f.fail("dual_cross_attention", "= true is not supported (it must be false); " + only_sd);
  f.require_string("time_embedding_type", "positional", only_sd);
  f.require_string("resnet_time_scale_shift", "default", only_sd);
  f.require_string("attention_type", "default", only_sd);

  UNet2DConditionConfig c;
  c.in_channels = f.get_int("in_channels");
  c.out_channels = f.get_int("out_channels");
  c.block_out_channels = f.get_int_list("block_out_channels");
  const size_t n = c.block_out_channels.size();
  c.down_block_types = f.get_string_list("down_block_types");
  c.up_block_types = f.get_string_list("up_block_types");
  auto check_count = [&](const std::string& key, size_t count) {
    if (count != n)
      f.fail(key, "has " + std::to_string(count) + " entries but block_out_channels has " + std::to_string(n));
  };
  check_count("down_block_types", c.down_block_types.size());
  check_count("up_block_types", c.up_block_types.size());
  for (const auto& type : c.down_block_types)
    if (type != "CrossAttnDownBlock2D" && type != "DownBlock2D")
      f.fail("down_block_types", "holds \"" + type + "\", which is not supported (CrossAttnDownBlock2D, DownBlock2D)");
  for (const auto& type : c.up_block_types)
    if (type != "CrossAttnUpBlock2D" && type != "UpBlock2D")
      f.fail("up_block_types", "holds \"" + type + "\", which is not supported (CrossAttnUpBlock2D, UpBlock2D)");
  if (json.contains("mid_block_type")) {
    c.mid_block_type = f.get_string("mid_block_type", "");
    if (!c.mid_block_type.empty() && c.mid_block_type != "UNetMidBlock2DCrossAttn")
      f.fail("mid_block_type", "= \"" + c.mid_block_type + "\" is not supported (UNetMidBlock2DCrossAttn or null)");
  }

  c.layers_per_block = f.get_int_or_list("layers_per_block", n);
  const std::string heads_key = f.has("num_attention_heads") ? "num_attention_heads" : "attention_head_dim";
  c.num_attention_heads = f.get_int_or_list(heads_key, n);
  c.cross_attention_dim = f.get_int_or_list("cross_attention_dim", n);
  c.transformer_layers_per_block =
      f.has("transformer_layers_per_block") ? f.get_int_or_list("transformer_layers_per_block", n)
                                            : std::vector<int64_t>(n, 1);
  c.only_cross_attention = f.get_bool_or_list("only_cross_attention", n, false);
  c.norm_num_groups = f.get_int("norm_num_groups", c.norm_num_groups);
  c.norm_eps = f.get_double("norm_eps", c.norm_eps);
  c.use_linear_projection = f.get_bool("use_linear_projection", c.use_linear_projection);
  c.upcast_attention = f.get_bool("upcast_attention", c.upcast_attention);
  c.flip_sin_to_cos = f.get_bool("flip_sin_to_cos", c.flip_sin_to_cos);
  c.freq_shift = f.get_double("freq_shift", c.freq_shift);
  c.center_input_sample = f.get_bool("center_input_sample", c.center_input_sample);
  c.act_fn = f.get_string("act_fn", c.act_fn);
  parse_activation(c.act_fn, source);
  c.downsample_padding = f.get_int("downsample_padding", c.downsample_padding);
  c.mid_block_scale_factor = f.get_double("mid_block_scale_factor", c.mid_block_scale_factor);
  c.conv_in_kernel = f.get_int("conv_in_kernel", c.conv_in_kernel);
  c.conv_out_kernel = f.get_int("conv_out_kernel", c.conv_out_kernel);
  c.time_embedding_dim = f.get_int("time_embedding_dim", 0);
  c.sample_size = f.get_int("sample_size", c.sample_size);

  auto positive = [&](const std::string& key, const std::vector<int64_t>& values) {
    for (int64_t v : values)
      if (v <= 0) f.fail(key, "must hold positive integers, got " + std::to_string(v));
  };
  positive("in_channels", {c.in_channels});
  positive("out_channels", {c.out_channels});
  positive("block_out_channels", c.block_out_channels);
  positive("layers_per_block", c.layers_per_block);
  positive(heads_key, c.num_attention_heads);
  positive("cross_attention_dim", c.cross_attention_dim);
  positive("transformer_layers_per_block", c.transformer_layers_per_block);
  positive("norm_num_groups", {c.norm_num_groups});
  if (c.time_embedding_dim < 0) f.fail("time_embedding_dim", "must be positive");
  if (c.conv_in_kernel % 2 == 0) f.fail("conv_in_kernel", "must be odd");
  if (c.conv_out_kernel % 2 == 0) f.fail("conv_out_kernel", "must be odd");
  for (size_t i = 0; i < n; ++i) {
    const int64_t ch = c.block_out_channels[i];
    if (ch % c.norm_num_groups)
      f.fail("norm_num_groups", "= " + std::to_string(c.norm_num_groups) + " does not divide block_out_channels[" +
                                    std::to_string(i) + "] = " + std::to_string(ch));
    if (ch % c.num_attention_heads[i])
      f.fail(heads_key, "[" + std::to_string(i) + "] = " + std::to_string(c.num_attention_heads[i]) +
                            " heads do not divide block_out_channels[" + std::to_string(i) + "] = " + std::to_string(ch));
  }
  // Per block, down and up (one more layer): a ResNet of two 3x3 convolutions and, per
  // transformer layer, attention and feed-forward (~12 ch^2) and the cross-attention keys
  // and values (2 ch cross).
  double weights = 0;
  for (size_t i = 0; i < n; ++i) {
    const double ch = double(c.block_out_channels[i]);
    const double layer = 18 * ch * ch + double(c.transformer_layers_per_block[i]) *
                                            (12 * ch * ch + 2 * ch * double(c.cross_attention_dim[i]));
    weights += (2.0 * double(c.layers_per_block[i]) + 1) * layer;
  }
  f.check_parameter_count(weights);
  return c;
}

UNet2DConditionConfig UNet2DConditionConfig::from_file(const std::string& path) {
  const nlohmann::json json = read_config_json(path);
  return from_json(json, config_json_path(path));
}

UNet2DConditionModelImpl::UNet2DConditionModelImpl(const UNet2DConditionConfig& config)
    : config_(config), act_(parse_activation(config.act_fn, "UNet config")) {
  const auto& c = config_;
  const size_t n = c.block_out_channels.size();
  const int64_t ch0 = c.block_out_channels[0];
  const int64_t time_embed_dim = c.time_embedding_dim > 0 ? c.time_embedding_dim : ch0 * 4;

  conv_in = register_module(
      "conv_in", nn::Conv2d(nn::Conv2dOptions(c.in_channels, ch0, c.conv_in_kernel).padding(c.conv_in_kernel / 2)));
  time_proj = register_module("time_proj", Timesteps(ch0, c.flip_sin_to_cos, c.freq_shift));
  time_embedding = register_module("time_embedding", TimestepEmbedding(ch0, time_embed_dim, act_));

  UNetBlockOptions base;
  base.temb_channels = time_embed_dim;
  base.eps = c.norm_eps;
  base.act = act_;
  base.groups = c.norm_num_groups;
  base.downsample_padding = c.downsample_padding;
  base.use_linear_projection = c.use_linear_projection;
  base.upcast_attention = c.upcast_attention;

  down_blocks = register_module("down_blocks", nn::ModuleList());
  int64_t output_channel = ch0;
  for (size_t i = 0; i < n; ++i) {
    UNetBlockOptions o = base;
    o.in_channels = output_channel;
    output_channel = c.block_out_channels[i];
    o.out_channels = output_channel;
    o.num_layers = c.layers_per_block[i];
    o.add_sampler = i + 1 < n;
    o.transformer_layers = c.transformer_layers_per_block[i];
    o.num_attention_heads = c.num_attention_heads[i];
    o.cross_attention_dim = c.cross_attention_dim[i];
    o.only_cross_attention = c.only_cross_attention[i];
    std::shared_ptr<UNetDownBlock> block;
    if (c.down_block_types[i] == "CrossAttnDownBlock2D")
      block = std::make_shared<CrossAttnDownBlock2DImpl>(o);
    else
      block = std::make_shared<DownBlock2DImpl>(o);
    down_.push_back(block);
    down_blocks->push_back(block);
  }

  if (c.mid_block_type == "UNetMidBlock2DCrossAttn") {
    UNetBlockOptions o = base;
    o.in_channels = o.out_channels = c.block_out_channels.back();
    o.num_layers = 1;
    o.output_scale_factor = c.mid_block_scale_factor;
    o.transformer_layers = c.transformer_layers_per_block.back();
    o.num_attention_heads = c.num_attention_heads.back();
    o.cross_attention_dim = c.cross_attention_dim.back();
    mid_block = register_module("mid_block", UNetMidBlock2DCrossAttn(o));
  }

  up_blocks = register_module("up_blocks", nn::ModuleList());
  auto rev = [](auto values) {
    std::reverse(values.begin(), values.end());
    return values;
  };
  const auto channels = rev(c.block_out_channels);
  const auto heads = rev(c.num_attention_heads);
  const auto layers = rev(c.layers_per_block);
  const auto cross = rev(c.cross_attention_dim);
  const auto tlayers = rev(c.transformer_layers_per_block);
  const auto only_cross = rev(c.only_cross_attention);
  output_channel = channels[0];
  for (size_t i = 0; i < n; ++i) {
    UNetBlockOptions o = base;
    o.prev_output_channels = output_channel;
    output_channel = channels[i];
    o.out_channels = output_channel;
    o.in_channels = channels[std::min(i + 1, n - 1)];
    o.num_layers = layers[i] + 1;
    o.add_sampler = i + 1 < n;
    o.transformer_layers = tlayers[i];
    o.num_attention_heads = heads[i];
    o.cross_attention_dim = cross[i];
    o.only_cross_attention = only_cross[i];
    if (o.add_sampler) ++num_upsamplers_;
    std::shared_ptr<UNetUpBlock> block;
    if (c.up_block_types[i] == "CrossAttnUpBlock2D")
      block = std::make_shared<CrossAttnUpBlock2DImpl>(o);
    else
      block = std::make_shared<UpBlock2DImpl>(o);
    up_.push_back(block);
    up_blocks->push_back(block);
  }

  conv_norm_out =
      register_module("conv_norm_out", nn::GroupNorm(nn::GroupNormOptions(c.norm_num_groups, ch0).eps(c.norm_eps)));
  conv_out = register_module(
      "conv_out", nn::Conv2d(nn::Conv2dOptions(ch0, c.out_channels, c.conv_out_kernel).padding(c.conv_out_kernel / 2)));
}

void UNet2DConditionModelImpl::set_gradient_checkpointing(bool enabled) {
  gradient_checkpointing_ = enabled;
  for (auto& block : down_) block->gradient_checkpointing = enabled;
  if (mid_block) mid_block->gradient_checkpointing = enabled;
  for (auto& block : up_) block->gradient_checkpointing = enabled;
}

namespace {
std::string shape_str(const at::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}
}  // namespace

at::Tensor UNet2DConditionModelImpl::forward(const at::Tensor& sample, const at::Tensor& timestep,
                                             const at::Tensor& encoder_hidden_states, UNetShortcuts* cache) {
  const auto& c = config_;
  if (!sample.defined() || sample.dim() != 4 || sample.size(1) != c.in_channels)
    throw Error("UNet: sample must be [B, " + std::to_string(c.in_channels) + ", h, w], got " +
                (sample.defined() ? shape_str(sample) : std::string("nothing")));
  const int64_t batch = sample.size(0);
  if (!encoder_hidden_states.defined() || encoder_hidden_states.dim() != 3 ||
      encoder_hidden_states.size(0) != batch ||
      encoder_hidden_states.size(2) != *std::max_element(c.cross_attention_dim.begin(), c.cross_attention_dim.end()))
    throw Error("UNet: encoder_hidden_states must be [" + std::to_string(batch) + ", L, " +
                std::to_string(c.cross_attention_dim[0]) + "] (text-encoder output for each sample), got " +
                (encoder_hidden_states.defined() ? shape_str(encoder_hidden_states) : std::string("nothing")) +
                ": is the text encoder the one this UNet was trained with?");
  if (!timestep.defined() || !(at::isIntegralType(timestep.scalar_type(), false) ||
                               at::isFloatingType(timestep.scalar_type())))
    throw Error("UNet: timestep must be an integer or floating-point tensor");
  at::Tensor t = timestep.dim() == 0 ? timestep.reshape({1}) : timestep;
  if (t.dim() != 1 || (t.size(0) != 1 && t.size(0) != batch))
    throw Error("UNet: timestep must be 0-dim, [1] or [" + std::to_string(batch) + "], got " + shape_str(timestep));
  t = t.to(sample.device()).expand({batch});

  // Sizes that the down path does not halve evenly are restored exactly on the way up.
  const int64_t factor = int64_t(1) << num_upsamplers_;
  const bool forward_upsample_size = sample.size(2) % factor != 0 || sample.size(3) % factor != 0;

  // 1. time: sinusoids (float32 whatever the model dtype), then the embedding MLP.
  const at::Tensor emb = time_embedding->forward(time_proj->forward(t).to(sample.scalar_type()));

  // A DeepCache call between whole ones: the first down block for the last up block's
  // skips, then that block on the kept deep features.
  const bool cached = cache && cache->deep_cache_interval > 1 && up_.size() > 1 && !down_.empty();
  const bool reuse = cached && cache->calls % cache->deep_cache_interval != 0 && cache->deep.defined() &&
                     cache->deep.size(0) == batch && cache->deep.scalar_type() == sample.scalar_type();
  std::optional<TokenMergeScope> merging;
  if (cache && cache->token_merge_ratio > 0)
    merging.emplace(TokenMergeSettings{cache->token_merge_ratio, sample.size(2), sample.size(3), uint64_t(cache->calls)});
  if (cache) ++cache->calls;

  // 2. pre-process
  at::Tensor x = c.center_input_sample ? sample * 2.0 - 1.0 : sample;
  x = conv2d(conv_in, x);
  // 3. down, keeping every block's outputs for the skip connections
  std::vector<at::Tensor> skips{x};
  if (reuse) {
    down_.front()->forward(x, emb, encoder_hidden_states, skips);
    // The last up block takes the bottom of the skip stack; the rest belonged to the deeper
    // blocks that are not run.
    const size_t used = up_.back()->num_resnets();
    TORCH_CHECK(skips.size() >= used, "UNet: down and up blocks do not match");
    skips.resize(used);
    x = up_.back()->forward(cache->deep, skips, emb, encoder_hidden_states, {});
    return conv2d(conv_out, activate(group_norm(conv_norm_out, x), act_));
  }
  for (auto& block : down_) x = block->forward(x, emb, encoder_hidden_states, skips);
  // 4. mid
  if (mid_block) x = mid_block->forward(x, emb, encoder_hidden_states);
  // 5. up, each block taking its skips back
  for (size_t i = 0; i < up_.size(); ++i) {
    const size_t used = up_[i]->num_resnets();
    TORCH_CHECK(skips.size() >= used, "UNet: down and up blocks do not match");
    std::vector<int64_t> upsample_size;
    if (forward_upsample_size && i + 1 < up_.size() && skips.size() > used) {
      const auto sizes = skips[skips.size() - used - 1].sizes();
      upsample_size = {sizes[2], sizes[3]};
    }
    if (cached && i + 1 == up_.size()) cache->deep = x;
    x = up_[i]->forward(x, skips, emb, encoder_hidden_states, upsample_size);
  }
  // 6. post-process
  return conv2d(conv_out, activate(group_norm(conv_norm_out, x), act_));
}

}  // namespace mrti
