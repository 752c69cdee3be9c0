#pragma once
// Conversions between image tensors and Image.
#include <vector>

#include <ATen/core/Tensor.h>

#include "imaging/image.h"

namespace mrti {

// A float tensor in [0, 1] shaped [3,H,W] or [H,W,3] (channels-first wins when both
// fit) to an Image, exactly as diffusers' numpy_to_pil: clamp, then
// round(x * 255) in float32 with numpy's round-half-to-even; NaN becomes 0. Any
// floating dtype and device is accepted (converted to float32 on the CPU first). A uint8
// tensor of the same shapes is taken as is.
Image tensor_to_image(const at::Tensor& t);

// [B,3,H,W] or [B,H,W,3] (or a single image as above) to one Image per batch entry.
std::vector<Image> tensor_to_images(const at::Tensor& t);

// Image to float32 [3,H,W] in [-1, 1]: v / 127.5 - 1 rounded once to float32, as the
// textual-inversion training data loader computes it (diffusers' VaeImageProcessor
// differs by at most one float32 ulp).
at::Tensor image_to_tensor(const Image& img);

// Several images of one size to float32 [B,3,H,W] in [-1, 1].
at::Tensor images_to_tensor(const std::vector<Image>& images);

// Image to uint8 [H,W,3] (a concept thumbnail's layout) and back through tensor_to_image.
at::Tensor image_to_uint8_tensor(const Image& img);

}  // namespace mrti
