#pragma once
// The diffusers configs of the standard Stable Diffusion models, as their config.json
// files hold them: used for single-file checkpoints and for random full-size models.
#include <string>

#include <nlohmann/json.hpp>

namespace mrti {

struct StandardConfigs {
  nlohmann::json unet, vae, text_encoder, scheduler;
  std::string name;  // "sd15", "sd21" or "shapes64"
};

// "sd15" (runwayml/stable-diffusion-v1-5) or "sd21" (stabilityai/stable-diffusion-2-1,
// 768 px, v-prediction) or "shapes64" (the shipped demo model's small sizes). Throws mrti::Error for other names.
StandardConfigs standard_configs(const std::string& arch);

}  // namespace mrti
