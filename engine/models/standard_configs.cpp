#include "models/standard_configs.h"

#include "runtime/error.h"

namespace mrti {

namespace {

using json = nlohmann::json;

json unet_config(bool sd2) {
  json j = {{"_class_name", "UNet2DConditionModel"},
            {"act_fn", "silu"},
            {"block_out_channels", {320, 640, 1280, 1280}},
            {"center_input_sample", false},
            {"down_block_types", {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"}},
            {"downsample_padding", 1},
            {"flip_sin_to_cos", true},
            {"freq_shift", 0},
            {"in_channels", 4},
            {"layers_per_block", 2},
            {"mid_block_scale_factor", 1},
            {"norm_eps", 1e-05},
            {"norm_num_groups", 32},
            {"out_channels", 4},
            {"up_block_types", {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"}}};
  if (sd2) {
    j["attention_head_dim"] = {5, 10, 20, 20};
    j["cross_attention_dim"] = 1024;
    j["sample_size"] = 96;
    j["use_linear_projection"] = true;
    j["upcast_attention"] = true;
  } else {
    j["attention_head_dim"] = 8;
    j["cross_attention_dim"] = 768;
    j["sample_size"] = 64;
  }
  return j;
}

json vae_config(bool sd2) {
  return {{"_class_name", "AutoencoderKL"},
          {"act_fn", "silu"},
          {"block_out_channels", {128, 256, 512, 512}},
          {"down_block_types", {"DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"}},
          {"in_channels", 3},
          {"latent_channels", 4},
          {"layers_per_block", 2},
          {"norm_num_groups", 32},
          {"out_channels", 3},
          {"sample_size", sd2 ? 768 : 512},
          {"scaling_factor", 0.18215},
          {"up_block_types", {"UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"}}};
}

json text_config(bool sd2) {
  json j = {{"architectures", {"CLIPTextModel"}},
            {"attention_dropout", 0.0},
            {"bos_token_id", 0},
            {"eos_token_id", 2},
            {"initializer_factor", 1.0},
            {"initializer_range", 0.02},
            {"layer_norm_eps", 1e-05},
            {"max_position_embeddings", 77},
            {"model_type", "clip_text_model"},
            {"pad_token_id", 1},
            {"torch_dtype", "float32"},
            {"vocab_size", 49408}};
  if (sd2) {
    j["hidden_act"] = "gelu";
    j["hidden_size"] = 1024;
    j["intermediate_size"] = 4096;
    j["num_attention_heads"] = 16;
    j["num_hidden_layers"] = 23;  // OpenCLIP ViT-H minus its last layer: SD 2.x uses the penultimate one
    j["projection_dim"] = 512;
  } else {
    j["hidden_act"] = "quick_gelu";
    j["hidden_size"] = 768;
    j["intermediate_size"] = 3072;
    j["num_attention_heads"] = 12;
    j["num_hidden_layers"] = 12;
    j["projection_dim"] = 768;
  }
  return j;
}

json scheduler_config(bool sd2) {
  json j = {{"beta_end", 0.012},
            {"beta_schedule", "scaled_linear"},
            {"beta_start", 0.00085},
            {"clip_sample", false},
            {"num_train_timesteps", 1000},
            {"set_alpha_to_one", false},
            {"skip_prk_steps", true},
            {"steps_offset", 1},
            {"trained_betas", nullptr}};
  if (sd2) {
    j["_class_name"] = "DDIMScheduler";
    j["prediction_type"] = "v_prediction";
  } else {
    j["_class_name"] = "PNDMScheduler";
  }
  return j;
}

// The shipped demo model: 64 px pictures, a 4x VAE (16x16x4 latents), a UNet of widths
// 32/64/128 and a three-layer CLIP text encoder of width 64 over the full CLIP vocabulary:
// small enough to train from scratch on two CPU cores and to ship (under 25 MB in fp16).
StandardConfigs shapes64_configs() {
  StandardConfigs c;
  c.name = "shapes64";
  c.unet = {{"_class_name", "UNet2DConditionModel"},
            {"act_fn", "silu"},
            {"attention_head_dim", {1, 2, 4}},
            {"block_out_channels", {32, 64, 128}},
            {"center_input_sample", false},
            {"cross_attention_dim", 64},
            {"down_block_types", {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"}},
            {"downsample_padding", 1},
            {"flip_sin_to_cos", true},
            {"freq_shift", 0},
            {"in_channels", 4},
            {"layers_per_block", 1},
            {"mid_block_scale_factor", 1},
            {"norm_eps", 1e-05},
            {"norm_num_groups", 32},
            {"out_channels", 4},
            {"sample_size", 16},
            {"up_block_types", {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"}}};
  c.vae = {{"_class_name", "AutoencoderKL"},
           {"act_fn", "silu"},
           {"block_out_channels", {32, 64, 64}},
           {"down_block_types", {"DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"}},
           {"in_channels", 3},
           {"latent_channels", 4},
           {"layers_per_block", 1},
           {"norm_num_groups", 16},
           {"out_channels", 3},
           {"sample_size", 64},
           {"scaling_factor", 1.0},
           {"force_upcast", false},
           {"up_block_types", {"UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"}}};
  c.text_encoder = text_config(false);
  c.text_encoder["hidden_size"] = 64;
  c.text_encoder["intermediate_size"] = 256;
  c.text_encoder["num_attention_heads"] = 4;
  c.text_encoder["num_hidden_layers"] = 3;
  c.text_encoder["projection_dim"] = 64;
  c.scheduler = scheduler_config(false);
  // DDPM's linear betas, not SD's scaled-linear: at 16x16 latents SD's last step still leaves
  // the picture's mean colour visible (its SNR is ~1 over 256 latents), so a model trained on
  // it takes the mean of the starting noise for the background and ignores the caption.
  // Here the terminal SNR of the mean is below 0.01.
  c.scheduler["beta_schedule"] = "linear";
  c.scheduler["beta_start"] = 0.0001;
  c.scheduler["beta_end"] = 0.02;
  c.scheduler["_class_name"] = "DPMSolverMultistepScheduler";
  c.scheduler["algorithm_type"] = "dpmsolver++";
  c.scheduler["solver_order"] = 2;
  // v-prediction: with epsilon prediction the first steps' picture estimate divides the
  // model's error by sqrt(alpha_bar) ~ 0.006, and a small model's samples came out black.
  c.scheduler["prediction_type"] = "v_prediction";
  return c;
}

}  // namespace

StandardConfigs standard_configs(const std::string& arch) {
  bool sd2;
  if (arch == "shapes64") return shapes64_configs();
  if (arch == "sd15" || arch == "sd1" || arch == "sd1.5")
    sd2 = false;
  else if (arch == "sd21" || arch == "sd2" || arch == "sd2.1")
    sd2 = true;
  else
    throw Error("unknown architecture '" + arch + "': use sd15, sd21 or shapes64");
  return {unet_config(sd2), vae_config(sd2), text_config(sd2), scheduler_config(sd2), sd2 ? "sd21" : "sd15"};
}

}  // namespace mrti
