#pragma once
// What a person sets for a picture: the one record of sampling settings that the command
// line, the studio facade and the app fill. Torch-free, so the app includes it through the
// facade; TextToImageRequest adds what only engine callers pass (tensors, debug switches).
#include <cstdint>
#include <string>

namespace mrti {

struct SamplingParameters {
  std::string prompt;
  std::string negative_prompt;
  std::string sampler;   // command-line name (pndm, euler_a, ...); "" = the model's own
  int steps = 20;
  double guidance = 7.5;  // <= 1 disables classifier-free guidance
  int width = 512, height = 512;  // multiples of 8
  int batch = 1;
  // Image i uses seed + i, so any image of a batch can be regenerated alone. < 0: random.
  int64_t seed = -1;
  double eta = 0.0;       // DDIM only
  bool previews = true;   // latent previews at every step
  // Less work per picture, each off by default and recorded in the PNG parameters:
  // DeepCache-style reuse of the UNet's deep features, which are computed only every
  // `deep_cache_interval` steps (1 = every step).
  int deep_cache_interval = 1;
  // ToMe-style token merging in the highest-resolution self-attention: this fraction of the
  // tokens merged away (0 = off; 0.5 is tomesd's default).
  double token_merge_ratio = 0;
};

}  // namespace mrti
