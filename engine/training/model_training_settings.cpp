#include "training/model_training_settings.h"

#include "models/standard_configs.h"
#include "runtime/error.h"
#include "training/settings_json.h"

namespace mrti {

nlohmann::json ModelTrainingSettings::to_json() const {
  return {{"stage", stage},
          {"arch", arch},
          {"resolution", resolution},
          {"steps", steps},
          {"batch_size", batch_size},
          {"lr", lr},
          {"lr_schedule", lr_schedule},
          {"warmup_steps", warmup_steps},
          {"adam_beta1", adam_beta1},
          {"adam_beta2", adam_beta2},
          {"adam_eps", adam_eps},
          {"weight_decay", weight_decay},
          {"max_grad_norm", max_grad_norm},
          {"ema_decay", ema_decay},
          {"kl_weight", kl_weight},
          {"caption_dropout", caption_dropout},
          {"snr_gamma", snr_gamma},
          {"seed", seed},
          {"save_dtype", save_dtype}};
}

ModelTrainingSettings ModelTrainingSettings::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("model training settings must be a JSON object");
  ModelTrainingSettings s;
  s.stage = setting_or(j, "stage", s.stage);
  s.arch = setting_or(j, "arch", s.arch);
  s.resolution = setting_or(j, "resolution", s.resolution);
  s.steps = setting_or(j, "steps", s.steps);
  s.batch_size = setting_or(j, "batch_size", s.batch_size);
  s.lr = setting_or(j, "lr", s.lr);
  s.lr_schedule = setting_or(j, "lr_schedule", s.lr_schedule);
  s.warmup_steps = setting_or(j, "warmup_steps", s.warmup_steps);
  s.adam_beta1 = setting_or(j, "adam_beta1", s.adam_beta1);
  s.adam_beta2 = setting_or(j, "adam_beta2", s.adam_beta2);
  s.adam_eps = setting_or(j, "adam_eps", s.adam_eps);
  s.weight_decay = setting_or(j, "weight_decay", s.weight_decay);
  s.max_grad_norm = setting_or(j, "max_grad_norm", s.max_grad_norm);
  s.ema_decay = setting_or(j, "ema_decay", s.ema_decay);
  s.kl_weight = setting_or(j, "kl_weight", s.kl_weight);
  s.caption_dropout = setting_or(j, "caption_dropout", s.caption_dropout);
  s.snr_gamma = setting_or(j, "snr_gamma", s.snr_gamma);
  s.seed = setting_or(j, "seed", s.seed);
  s.save_dtype = setting_or(j, "save_dtype", s.save_dtype);
  return s;
}

void ModelTrainingSettings::validate() const {
  if (stage != "vae" && stage != "unet") throw Error("the stage must be 'vae' or 'unet', not '" + stage + "'");
  standard_configs(arch);  // throws naming an unknown architecture
  if (resolution < 16 || resolution > 1024 || resolution % 8)
    throw Error("resolution must be a multiple of 8 between 16 and 1024");
  if (steps < 1 || steps > 100000000) throw Error("steps must be between 1 and 100000000");
  if (batch_size < 1 || batch_size > 4096) throw Error("batch size must be between 1 and 4096");
  if (!(lr >= 0) || !(lr < 1)) throw Error("the learning rate must be in [0, 1)");
  if (warmup_steps < 0) throw Error("warmup steps cannot be negative");
  if (!(ema_decay >= 0 && ema_decay < 1)) throw Error("the EMA decay must be in [0, 1)");
  if (!(kl_weight >= 0)) throw Error("the KL weight cannot be negative");
  if (!(caption_dropout >= 0 && caption_dropout <= 1)) throw Error("caption dropout must be in [0, 1]");
  if (!(snr_gamma >= 0 && snr_gamma <= 1e6)) throw Error("the SNR gamma must be between 0 and 1000000");
  if (!(max_grad_norm >= 0)) throw Error("max_grad_norm cannot be negative");
  if (save_dtype != "fp16" && save_dtype != "fp32") throw Error("save dtype must be fp16 or fp32");
  make_schedule();
}

LrSchedule ModelTrainingSettings::make_schedule() const {
  return LrSchedule::parse(lr_schedule, lr, warmup_steps, steps);
}

}  // namespace mrti
