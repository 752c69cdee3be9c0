#include "imaging/image_decode.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

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

// A view of the image's buffer; OpenCV never writes through it.
cv::Mat view(const Image& img) {
  return cv::Mat(img.height, img.width, CV_8UC3, const_cast<uint8_t*>(img.rgb.data()), img.stride());
}

Image from_mat(const cv::Mat& m) {
  CV_Assert(m.type() == CV_8UC3);
  Image img;
  img.width = m.cols;
  img.height = m.rows;
  img.rgb.resize(img.stride() * img.height);
  for (int y = 0; y < m.rows; ++y) std::memcpy(img.pixel(0, y), m.ptr(y), img.stride());
  return img;
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
  cv::Mat bgr;
  std::string why;
  try {
    // IMREAD_COLOR applies the EXIF orientation (OpenCV >= 3.1, also in imdecode).
    const cv::Mat buf(1, static_cast<int>(size), CV_8UC1, const_cast<uint8_t*>(p));
    bgr = cv::imdecode(buf, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    why = std::string(": ") + e.err;
  }
  if (bgr.empty() || bgr.type() != CV_8UC3)
    throw Error("'" + name + "' looks like a " + format + " image but cannot be decoded: it is corrupt, cut short or " +
                "in an unsupported variant" + why);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return from_mat(rgb);
}

std::string encode_image(const Image& img, const std::string& extension, int quality) {
  check_image(img, "encode_image");
  std::string ext = extension.empty() || extension[0] == '.' ? extension : "." + extension;
  if (!cv::haveImageWriter("x" + ext)) throw Error("cannot encode images as '" + extension + "': format not supported");
  cv::Mat bgr;
  cv::cvtColor(view(img), bgr, cv::COLOR_RGB2BGR);
  quality = std::max(1, quality);
  // Only the format's own option: OpenCV's WebP encoder reads just the first pair.
  std::string lower = ext;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::vector<int> params;
  if (lower == ".jpg" || lower == ".jpeg" || lower == ".jpe") params = {cv::IMWRITE_JPEG_QUALITY, std::min(100, quality)};
  if (lower == ".webp") params = {cv::IMWRITE_WEBP_QUALITY, quality};
  std::vector<uchar> out;
  bool ok = false;
  std::string why;
  try {
    ok = cv::imencode(ext, bgr, out, params);
  } catch (const cv::Exception& e) {
    why = std::string(": ") + e.err;
  }
  if (!ok) throw Error("cannot encode a " + size_text(img.width, img.height) + " image as '" + extension + "'" + why);
  return std::string(out.begin(), out.end());
}

Image resize(const Image& img, int width, int height, Interpolation mode) {
  check_image(img, "resize");
  if (width <= 0 || height <= 0) throw Error("resize: invalid target size " + size_text(width, height));
  if (width == img.width && height == img.height) return img;
  const bool shrinking = width <= img.width && height <= img.height;
  cv::Mat out;
  cv::resize(view(img), out, cv::Size(width, height), 0, 0, cv_interpolation(mode, shrinking));
  return from_mat(out);
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
  cv::flip(view(img), out, 1);
  return from_mat(out);
}

}  // namespace mrti
