#pragma once
// A plain 8-bit RGB image, row-major, 3 interleaved channels (HWC). It has no OpenCV or
// torch in it so that any layer (the GUI wraps it into a QImage) can hold one.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mrti {

struct Rgb8 {
  uint8_t r = 0, g = 0, b = 0;
};

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3 bytes, HWC

  bool empty() const { return width <= 0 || height <= 0; }
  // True when the buffer size agrees with the dimensions.
  bool valid() const {
    return width >= 0 && height >= 0 && rgb.size() == static_cast<std::size_t>(width) * height * 3;
  }
  std::size_t stride() const { return static_cast<std::size_t>(width) * 3; }
  uint8_t* pixel(int x, int y) { return rgb.data() + (static_cast<std::size_t>(y) * width + x) * 3; }
  const uint8_t* pixel(int x, int y) const {
    return rgb.data() + (static_cast<std::size_t>(y) * width + x) * 3;
  }
};

// A width x height image filled with one colour.
inline Image make_image(int width, int height, Rgb8 fill = {}) {
  Image img;
  img.width = width;
  img.height = height;
  img.rgb.resize(static_cast<std::size_t>(width) * height * 3);
  for (std::size_t i = 0; i < img.rgb.size(); i += 3) {
    img.rgb[i] = fill.r;
    img.rgb[i + 1] = fill.g;
    img.rgb[i + 2] = fill.b;
  }
  return img;
}

inline bool operator==(const Image& a, const Image& b) {
  return a.width == b.width && a.height == b.height && a.rgb == b.rgb;
}
inline bool operator!=(const Image& a, const Image& b) { return !(a == b); }

}  // namespace mrti
