#include "training/model_training_settings.h"

#include "models/standard_configs.h"
#include "runtime/error.h"
#include "training/settings_json.h"

namespace mrti {

nlohmann::json ModelTrainingSettings::to_json() const { return fields_to_json(*this); }

ModelTrainingSettings ModelTrainingSettings::from_json(const nlohmann::json& j) {
  return fields_from_json<ModelTrainingSettings>(j, "model training settings");
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
