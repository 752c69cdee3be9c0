#include "imaging/tensor_image.h"

#include <array>
#include <cstring>
#include <sstream>

#include <torch/torch.h>

#include "runtime/error.h"

namespace mrti {
namespace {

std::string shape_of(const at::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

// [3,H,W] or [H,W,3] -> contiguous uint8 [H,W,3] on the CPU.
at::Tensor to_hwc_uint8(const at::Tensor& t) {
  at::Tensor x = t.detach();
  if (x.dim() != 3 || (x.size(0) != 3 && x.size(2) != 3))
    throw Error("cannot make an RGB image from a tensor of shape " + shape_of(t) +
                ": expected [3,H,W] or [H,W,3] (or a batch of them)");
  if (x.size(0) == 3) x = x.permute({1, 2, 0});
  if (x.size(0) == 0 || x.size(1) == 0) throw Error("cannot make an image from an empty tensor " + shape_of(t));
  x = x.to(torch::kCPU);
  if (x.scalar_type() == torch::kByte) return x.contiguous();
  if (!at::isFloatingType(x.scalar_type()))
    throw Error("cannot make an image from a tensor of dtype " + std::string(c10::toString(x.scalar_type())) +
                ": expected a floating tensor in [0, 1] or uint8");
  // float32 first, as diffusers calls .float() before numpy; torch::round is half-to-even
  // like numpy's.
  x = torch::nan_to_num(x.to(torch::kFloat), 0.0, 1.0, 0.0).clamp(0.0, 1.0).mul(255.0f).round();
  return x.to(torch::kByte).contiguous();
}

Image hwc_to_image(const at::Tensor& hwc) {
  Image img;
  img.height = static_cast<int>(hwc.size(0));
  img.width = static_cast<int>(hwc.size(1));
  img.rgb.resize(static_cast<std::size_t>(hwc.numel()));
  std::memcpy(img.rgb.data(), hwc.data_ptr<uint8_t>(), img.rgb.size());
  return img;
}

void check_image(const Image& img, const char* what) {
  if (!img.valid() || img.empty())
    throw Error(std::string(what) + ": the image is empty or its buffer does not match " +
                std::to_string(img.width) + "x" + std::to_string(img.height));
}

}  // namespace

Image tensor_to_image(const at::Tensor& t) { return hwc_to_image(to_hwc_uint8(t)); }

std::vector<Image> tensor_to_images(const at::Tensor& t) {
  if (t.dim() == 3) return {tensor_to_image(t)};
  if (t.dim() != 4)
    throw Error("cannot make RGB images from a tensor of shape " + shape_of(t) +
                ": expected [B,3,H,W] or [B,H,W,3]");
  std::vector<Image> out;
  out.reserve(static_cast<std::size_t>(t.size(0)));
  for (int64_t b = 0; b < t.size(0); ++b) out.push_back(tensor_to_image(t[b]));
  return out;
}

at::Tensor image_to_tensor(const Image& img) {
  check_image(img, "image_to_tensor");
  static const std::array<float, 256> table = [] {
    std::array<float, 256> v{};
    for (int i = 0; i < 256; ++i) v[i] = static_cast<float>(i / 127.5 - 1.0);
    return v;
  }();
  auto out = torch::empty({3, img.height, img.width}, torch::kFloat);
  float* dst = out.data_ptr<float>();
  const std::size_t plane = static_cast<std::size_t>(img.width) * img.height;
  for (std::size_t i = 0; i < plane; ++i)
    for (std::size_t c = 0; c < 3; ++c) dst[c * plane + i] = table[img.rgb[i * 3 + c]];
  return out;
}

at::Tensor images_to_tensor(const std::vector<Image>& images) {
  if (images.empty()) throw Error("images_to_tensor: no images given");
  std::vector<at::Tensor> parts;
  parts.reserve(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (images[i].width != images[0].width || images[i].height != images[0].height)
      throw Error("images_to_tensor: image " + std::to_string(i) + " is " + std::to_string(images[i].width) + "x" +
                  std::to_string(images[i].height) + " but image 0 is " + std::to_string(images[0].width) + "x" +
                  std::to_string(images[0].height) + ": resize them to one size first");
    parts.push_back(image_to_tensor(images[i]));
  }
  return torch::stack(parts);
}

at::Tensor image_to_uint8_tensor(const Image& img) {
  check_image(img, "image_to_uint8_tensor");
  auto out = torch::empty({img.height, img.width, 3}, torch::kByte);
  std::memcpy(out.data_ptr<uint8_t>(), img.rgb.data(), img.rgb.size());
  return out;
}

}  // namespace mrti
