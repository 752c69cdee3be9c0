#pragma once
// Reading any common image file (OpenCV), and the geometric operations training data
// needs: resize, crops, flip. All results are RGB8.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "imaging/image.h"

namespace mrti {

// The most pixels an image file may declare: 8192 x 8192. A few hundred bytes of PNG can
// declare 30000 x 30000, which would take gigabytes to decode.
constexpr int64_t kMaxImagePixels = int64_t(1) << 26;

// The width and height a PNG, JPEG, WebP, BMP or TIFF header declares, read without
// decoding; nullopt when the header is not one of those or is cut short before the size.
std::optional<std::pair<int64_t, int64_t>> image_dimensions(const void* data, std::size_t size);

// Decodes PNG, JPEG, WebP, BMP, TIFF (whatever this OpenCV build reads) to RGB8, turned
// upright by its EXIF orientation; alpha is dropped and 16-bit samples are reduced to
// 8 bits. Throws mrti::Error naming the file when it is missing, empty, not an image,
// a corrupt one, or declares more than kMaxImagePixels (before allocating anything).
Image decode_image(const std::string& path);
Image decode_image(const void* data, std::size_t size, const std::string& name = "<memory>");

// Encodes to the format of `extension` (".png", ".jpg", ".webp", ".bmp" ...); `quality`
// (1-100) applies to JPEG and WebP, and above 100 makes WebP lossless. For PNGs with
// text metadata use png_io.h.
std::string encode_image(const Image& img, const std::string& extension, int quality = 95);

enum class Interpolation {
  Auto,      // Area when shrinking both sides, Bicubic otherwise
  Nearest,
  Bilinear,
  Bicubic,
  Area,
  Lanczos,
};

// Resizes to exactly width x height.
Image resize(const Image& img, int width, int height, Interpolation mode = Interpolation::Auto);

// Resizes so the shorter side is `size`, keeping the aspect ratio; the longer side is
// truncated as torchvision's Resize(int) does.
Image resize_shorter_side(const Image& img, int size, Interpolation mode = Interpolation::Auto);

// The width x height window whose top-left corner is (x, y); it must lie inside.
Image crop(const Image& img, int x, int y, int width, int height);

// The size x size window at the centre (offset floor((W-size)/2), floor((H-size)/2),
// as the textual-inversion data loader computes it). Throws when the image is smaller.
Image center_crop(const Image& img, int size);

// The largest centred square, min(W,H) on a side.
Image center_crop_square(const Image& img);

// A size x size window at a uniformly drawn position, using `rng` (64-bit Mersenne
// twister, reduced by modulo, so a seed gives the same crop on every platform).
Image random_crop(const Image& img, int size, std::mt19937_64& rng);

// Mirrored left to right.
Image flip_horizontal(const Image& img);

}  // namespace mrti
