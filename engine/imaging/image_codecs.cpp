#include "imaging/image_codecs.h"

#include <algorithm>
#include <vector>

#if MRTI_OPENCV_IMGCODECS
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "imaging/opencv_image.h"
#endif

#include "imaging/jpeg_io.h"
#include "imaging/png_io.h"
#include "runtime/ascii_lower.h"
#include "runtime/error.h"

namespace mrti {
namespace {

bool is_jpeg_extension(const std::string& lower) { return lower == ".jpg" || lower == ".jpeg" || lower == ".jpe"; }

}  // namespace

#if MRTI_OPENCV_IMGCODECS

Image decode_with_codecs(const uint8_t* p, std::size_t size, const std::string& format, const std::string& name) {
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
  return image_from_mat(rgb);
}

std::string encode_with_codecs(const Image& img, const std::string& ext, int quality) {
  if (!cv::haveImageWriter("x" + ext)) throw Error("cannot encode images as '" + ext + "': format not supported");
  cv::Mat bgr;
  cv::cvtColor(mat_view(img), bgr, cv::COLOR_RGB2BGR);
  quality = std::max(1, quality);
  // Only the format's own option: OpenCV's WebP encoder reads just the first pair.
  const std::string lower = ascii_lower(ext);
  std::vector<int> params;
  if (is_jpeg_extension(lower)) params = {cv::IMWRITE_JPEG_QUALITY, std::min(100, quality)};
  if (lower == ".webp") params = {cv::IMWRITE_WEBP_QUALITY, quality};
  std::vector<uchar> out;
  bool ok = false;
  std::string why;
  try {
    ok = cv::imencode(ext, bgr, out, params);
  } catch (const cv::Exception& e) {
    why = std::string(": ") + e.err;
  }
  if (!ok)
    throw Error("cannot encode a " + std::to_string(img.width) + "x" + std::to_string(img.height) + " image as '" + ext +
                "'" + why);
  return std::string(out.begin(), out.end());
}

#else

Image decode_with_codecs(const uint8_t* p, std::size_t size, const std::string& format, const std::string& name) {
  if (format == "PNG") return decode_png(p, size, name);
  if (format == "JPEG") return decode_jpeg(p, size, name);
  throw Error("'" + name + "' is a " + format + " image, which this build (without OpenCV's imgcodecs) cannot read: " +
              "convert it to PNG or JPEG");
}

std::string encode_with_codecs(const Image& img, const std::string& ext, int quality) {
  const std::string lower = ascii_lower(ext);
  if (lower == ".png") return encode_png(img);
  if (is_jpeg_extension(lower)) return encode_jpeg(img, quality);
  throw Error("cannot encode images as '" + ext + "': this build (without OpenCV's imgcodecs) writes PNG and JPEG only");
}

#endif

}  // namespace mrti
