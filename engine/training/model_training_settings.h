#pragma once
// Settings of a from-scratch model training run (model_training_run.h), in two stages:
//   vae   an AutoencoderKL on the pictures of a folder (L1 reconstruction + KL)
//   unet  a UNet2DConditionModel and a CLIPTextModel on the folder's captioned pictures,
//         over the latents of a trained VAE (cached once)
// Both keep an exponential moving average of the weights, which is what they write.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "training/lr_schedule.h"

namespace mrti {

struct ModelTrainingSettings {
  std::string stage = "unet";  // "vae" or "unet"
  std::string arch = "shapes64";  // standard_configs() name whose configs are built
  int resolution = 64;           // square training pictures
  int64_t steps = 5000;
  int batch_size = 64;
  double lr = 5e-4;
  std::string lr_schedule = "cosine";
  int64_t warmup_steps = 200;
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_eps = 1e-8, weight_decay = 1e-2;
  double max_grad_norm = 1.0;  // 0: no clipping
  double ema_decay = 0.999;
  double kl_weight = 1e-4;        // vae: per-element KL against per-pixel L1
  double caption_dropout = 0.1;   // unet: empty captions, for classifier-free guidance
  // unet: Min-SNR-gamma loss weighting (Hang et al. 2023), min(SNR, gamma) relative to the
  // target's own SNR weight; 0 leaves every timestep weighted alike.
  double snr_gamma = 0;
  int64_t seed = 0;
  std::string save_dtype = "fp16";  // of the written weights: fp16 or fp32

  // The keys of settings.json, one per member (settings_json.h).
  template <class Self, class Visit>
  static void fields(Self& s, Visit&& f) {
    f("stage", s.stage);
    f("arch", s.arch);
    f("resolution", s.resolution);
    f("steps", s.steps);
    f("batch_size", s.batch_size);
    f("lr", s.lr);
    f("lr_schedule", s.lr_schedule);
    f("warmup_steps", s.warmup_steps);
    f("adam_beta1", s.adam_beta1);
    f("adam_beta2", s.adam_beta2);
    f("adam_eps", s.adam_eps);
    f("weight_decay", s.weight_decay);
    f("max_grad_norm", s.max_grad_norm);
    f("ema_decay", s.ema_decay);
    f("kl_weight", s.kl_weight);
    f("caption_dropout", s.caption_dropout);
    f("snr_gamma", s.snr_gamma);
    f("seed", s.seed);
    f("save_dtype", s.save_dtype);
  }
  nlohmann::json to_json() const;
  // Missing keys keep their defaults; wrong types throw naming the key.
  static ModelTrainingSettings from_json(const nlohmann::json& j);
  // Throws mrti::Error naming the first bad setting.
  void validate() const;
  LrSchedule make_schedule() const;
};

}  // namespace mrti
