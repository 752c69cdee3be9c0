#include "pipeline/latent_preview.h"

#include <torch/torch.h>

#include "imaging/tensor_image.h"

namespace mrti {

std::vector<Image> latent_previews(const at::Tensor& latents) {
  torch::NoGradGuard no_grad;
  // Least-squares fit of decoded RGB on SD 1.x/2.x latents (both share the VAE latent space).
  static const float factors[4][3] = {{0.3512f, 0.2297f, 0.3227f},
                                      {0.3250f, 0.4974f, 0.2350f},
                                      {-0.2829f, 0.1762f, 0.2721f},
                                      {-0.2120f, -0.2616f, -0.7177f}};
  // Computed where the latents are; only the small RGB result comes to the host, on CUDA
  // into pinned memory (a direct DMA copy, no staging through a bounce buffer).
  auto x = latents.detach().to(torch::kFloat);
  auto w = torch::from_blob(const_cast<float*>(&factors[0][0]), {4, 3}, torch::kFloat)
               .to(x.device(), torch::kFloat, /*non_blocking=*/false, /*copy=*/true);
  auto rgb = torch::einsum("bchw,cr->brhw", {x, w});
  rgb = ((rgb + 1.0) * 0.5).clamp(0.0, 1.0);
  if (rgb.is_cuda()) {
    auto host = at::empty(rgb.sizes(), rgb.options().device(torch::kCPU).pinned_memory(true));
    rgb = host.copy_(rgb);
  }
  std::vector<Image> out;
  for (int64_t b = 0; b < rgb.size(0); ++b) out.push_back(tensor_to_image(rgb[b]));
  return out;
}

}  // namespace mrti
