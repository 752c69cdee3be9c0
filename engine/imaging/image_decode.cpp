#include "imaging/image_decode.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "imaging/image_codecs.h"
#include "imaging/opencv_image.h"
#include "imaging/png_io.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"

namespace mrti {
namespace {

std::string size_text(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

void check_image(const Image& img, const char* what) {
  if (!img.valid() || img.empty())
    throw Error(std::string(what) + ": the image is empty or its buffer does not match " +
                size_text(img.width, img.height));
}

// The format the first bytes announce, or "" when none we know.
std::string sniff_format(const uint8_t* p, std::size_t n) {
  auto starts = [&](const char* magic, std::size_t len, std::size_t at = 0) {
    return n >= at + len && std::memcmp(p + at, magic, len) == 0;
  };
  if (starts("\x89PNG\r\n\x1a\n", 8)) return "PNG";
  if (starts("\xFF\xD8\xFF", 3)) return "JPEG";
  if (starts("RIFF", 4) && starts("WEBP", 4, 8)) return "WebP";
  if (starts("BM", 2)) return "BMP";
  if (starts("II*\0", 4) || starts("MM\0*", 4)) return "TIFF";
  if (starts("GIF8", 4)) return "GIF";
  return "";
}

uint32_t be16(const uint8_t* p) { return uint32_t(p[0]) << 8 | p[1]; }
uint32_t le16(const uint8_t* p) { return uint32_t(p[1]) << 8 | p[0]; }
uint32_t be32(const uint8_t* p) { return be16(p) << 16 | be16(p + 2); }
uint32_t le32(const uint8_t* p) { return le16(p + 2) << 16 | le16(p); }

using Dimensions = std::optional<std::pair<int64_t, int64_t>>;

// The first SOFn segment's size; markers without a length (RSTn, TEM) are stepped over.
Dimensions jpeg_dimensions(const uint8_t* p, std::size_t n) {
  std::size_t i = 2;
  while (i + 4 <= n) {
    if (p[i] != 0xFF) return std::nullopt;
    const uint8_t marker = p[i + 1];
    if (marker == 0xFF) { ++i; continue; }  // fill byte
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { i += 2; continue; }
    if (marker == 0xD9 || marker == 0xDA) return std::nullopt;  // end, or scan data before any frame
    const std::size_t length = be16(p + i + 2);
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (i + 9 > n) return std::nullopt;
      return std::make_pair(int64_t(be16(p + i + 7)), int64_t(be16(p + i + 5)));
    }
    if (length < 2) return std::nullopt;
    i += 2 + length;
  }
  return std::nullopt;
}

Dimensions webp_dimensions(const uint8_t* p, std::size_t n) {
  if (n < 30) return std::nullopt;
  if (std::memcmp(p + 12, "VP8 ", 4) == 0)
    return std::make_pair(int64_t(le16(p + 26) & 0x3FFF), int64_t(le16(p + 28) & 0x3FFF));
  if (std::memcmp(p + 12, "VP8L", 4) == 0) {
    const uint32_t b = le32(p + 21);
    return std::make_pair(int64_t(b & 0x3FFF) + 1, int64_t((b >> 14) & 0x3FFF) + 1);
  }
  if (std::memcmp(p + 12, "VP8X", 4) == 0) {
    const auto le24 = [](const uint8_t* q) { return int64_t(q[0]) | int64_t(q[1]) << 8 | int64_t(q[2]) << 16; };
    return std::make_pair(le24(p + 24) + 1, le24(p + 27) + 1);
  }
  return std::nullopt;
}

Dimensions bmp_dimensions(const uint8_t* p, std::size_t n) {
  if (n < 26) return std::nullopt;
  if (le32(p + 14) == 12) return std::make_pair(int64_t(le16(p + 18)), int64_t(le16(p + 20)));
  const auto w = int64_t(int32_t(le32(p + 18))), h = int64_t(int32_t(le32(p + 22)));
  return std::make_pair(w < 0 ? -w : w, h < 0 ? -h : h);  // a negative height is top-down
}

// ImageWidth (256) and ImageLength (257) of the first IFD.
Dimensions tiff_dimensions(const uint8_t* p, std::size_t n) {
  const bool le = p[0] == 'I';
  const auto u16 = [&](std::size_t at) { return le ? le16(p + at) : be16(p + at); };
  const auto u32 = [&](std::size_t at) { return le ? le32(p + at) : be32(p + at); };
  if (n < 8) return std::nullopt;
  const std::size_t ifd = u32(4);
  if (ifd > n || n - ifd < 2) return std::nullopt;
  const std::size_t count = u16(ifd);
  int64_t w = -1, h = -1;
  for (std::size_t k = 0; k < count && ifd + 2 + 12 * (k + 1) <= n; ++k) {
    const std::size_t e = ifd + 2 + 12 * k;
    const uint32_t tag = u16(e), type = u16(e + 2);
    if (tag != 256 && tag != 257) continue;
    const int64_t value = type == 3 ? int64_t(u16(e + 8)) : type == 4 ? int64_t(u32(e + 8)) : -1;
    (tag == 256 ? w : h) = value;
  }
  if (w < 0 || h < 0) return std::nullopt;
  return std::make_pair(w, h);
}

int cv_interpolation(Interpolation mode, bool shrinking) {
  switch (mode) {
    case Interpolation::Nearest: return cv::INTER_NEAREST;
    case Interpolation::Bilinear: return cv::INTER_LINEAR;
    case Interpolation::Bicubic: return cv::INTER_CUBIC;
    case Interpolation::Area: return cv::INTER_AREA;
    case Interpolation::Lanczos: return cv::INTER_LANCZOS4;
    case Interpolation::Auto: break;
  }
  // Area averaging does not alias when shrinking; it is bilinear when enlarging, where
  // bicubic is sharper.
  return shrinking ? cv::INTER_AREA : cv::INTER_CUBIC;
}

}  // namespace

std::optional<std::pair<int64_t, int64_t>> image_dimensions(const void* data, std::size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  const std::string format = sniff_format(p, size);
  if (format == "PNG") {
    if (size < 24 || std::memcmp(p + 12, "IHDR", 4) != 0) return std::nullopt;
    return std::make_pair(int64_t(be32(p + 16)), int64_t(be32(p + 20)));
  }
  if (format == "JPEG") return jpeg_dimensions(p, size);
  if (format == "WebP") return webp_dimensions(p, size);
  if (format == "BMP") return bmp_dimensions(p, size);
  if (format == "TIFF") return tiff_dimensions(p, size);
  return std::nullopt;
}

Image decode_image(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error("image file not found: '" + path + "'");
  const std::string bytes = read_file(path);
  return decode_image(bytes.data(), bytes.size(), path);
}

Image decode_image(const void* data, std::size_t size, const std::string& name) {
  if (size == 0) throw Error("'" + name + "' is empty (0 bytes), not an image");
  const auto* p = static_cast<const uint8_t*>(data);
  const std::string format = sniff_format(p, size);
  if (format.empty())
    throw Error("'" + name + "' is not an image file: its contents are not PNG, JPEG, WebP, BMP or TIFF");
  if (format == "GIF") throw Error("'" + name + "' is a GIF image, which is not supported: convert it to PNG");
  if (size > static_cast<std::size_t>(INT32_MAX)) throw Error("'" + name + "' is too large to decode (over 2 GiB)");
  if (const auto dims = image_dimensions(p, size); dims && (dims->first > kMaxImagePixels || dims->second > kMaxImagePixels ||
                                                          dims->first * dims->second > kMaxImagePixels))
    throw Error("'" + name + "' declares " + std::to_string(dims->first) + "x" + std::to_string(dims->second) +
                " pixels, more than the " + std::to_string(kMaxImagePixels / 1000000) +
                " megapixels an image may have here (8192x8192)");
  if (format == "PNG") check_png_chunk_lengths(p, size, name);
  return decode_with_codecs(p, size, format, name);
}

std::string encode_image(const Image& img, const std::string& extension, int quality) {
  check_image(img, "encode_image");
  std::string ext = extension.empty() || extension[0] == '.' ? extension : "." + extension;
  return encode_with_codecs(img, ext, quality);
}

Image resize(const Image& img, int width, int height, Interpolation mode) {
  check_image(img, "resize");
  if (width <= 0 || height <= 0) throw Error("resize: invalid target size " + size_text(width, height));
  if (width == img.width && height == img.height) return img;
  const bool shrinking = width <= img.width && height <= img.height;
  cv::Mat out;
  cv::resize(mat_view(img), out, cv::Size(width, height), 0, 0, cv_interpolation(mode, shrinking));
  return image_from_mat(out);
}

Image resize_shorter_side(const Image& img, int size, Interpolation mode) {
  check_image(img, "resize_shorter_side");
  if (size <= 0) throw Error("resize_shorter_side: invalid size " + std::to_string(size));
  if (img.width <= img.height)
    return resize(img, size, static_cast<int>(int64_t{size} * img.height / img.width), mode);
  return resize(img, static_cast<int>(int64_t{size} * img.width / img.height), size, mode);
}

Image crop(const Image& img, int x, int y, int width, int height) {
  check_image(img, "crop");
  if (width <= 0 || height <= 0 || x < 0 || y < 0 || x > img.width - width || y > img.height - height)
    throw Error("crop: the " + size_text(width, height) + " window at (" + std::to_string(x) + ", " +
                std::to_string(y) + ") does not fit in a " + size_text(img.width, img.height) + " image");
  Image out;
  out.width = width;
  out.height = height;
  out.rgb.resize(out.stride() * height);
  for (int r = 0; r < height; ++r) std::memcpy(out.pixel(0, r), img.pixel(x, y + r), out.stride());
  return out;
}

Image center_crop(const Image& img, int size) {
  check_image(img, "center_crop");
  if (size <= 0) throw Error("center_crop: invalid size " + std::to_string(size));
  if (img.width < size || img.height < size)
    throw Error("center_crop: the image is " + size_text(img.width, img.height) + ", smaller than the " +
                size_text(size, size) + " crop: resize it first");
  return crop(img, (img.width - size) / 2, (img.height - size) / 2, size, size);
}

Image center_crop_square(const Image& img) {
  check_image(img, "center_crop_square");
  return center_crop(img, std::min(img.width, img.height));
}

Image random_crop(const Image& img, int size, std::mt19937_64& rng) {
  check_image(img, "random_crop");
  if (size <= 0) throw Error("random_crop: invalid size " + std::to_string(size));
  if (img.width < size || img.height < size)
    throw Error("random_crop: the image is " + size_text(img.width, img.height) + ", smaller than the " +
                size_text(size, size) + " crop: resize it first");
  const int x = static_cast<int>(rng() % static_cast<uint64_t>(img.width - size + 1));
  const int y = static_cast<int>(rng() % static_cast<uint64_t>(img.height - size + 1));
  return crop(img, x, y, size, size);
}

Image flip_horizontal(const Image& img) {
  check_image(img, "flip_horizontal");
  cv::Mat out;
  cv::flip(mat_view(img), out, 1);
  return image_from_mat(out);
}

}  // namespace mrti
