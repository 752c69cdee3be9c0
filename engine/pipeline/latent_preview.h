#pragma once
// A cheap RGB preview of SD latents: a fixed linear map from the 4 latent channels to
// RGB (the approximation other SD front ends use for live previews), no VAE run.
#include <vector>

#include <ATen/core/Tensor.h>

#include "imaging/image.h"

namespace mrti {

// latents [B, 4, h, w] (any device/dtype) -> B images of h x w pixels.
std::vector<Image> latent_previews(const at::Tensor& latents);

}  // namespace mrti
