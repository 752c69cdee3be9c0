#pragma once
// The decoders and encoders behind decode_image and encode_image: OpenCV's imgcodecs where
// the build has it (MRTI_OPENCV_IMGCODECS), else libpng and libjpeg, which read and write
// PNG and JPEG only. Internal to the imaging module.
#include <cstddef>
#include <cstdint>
#include <string>

#include "imaging/image.h"

namespace mrti {

// `format` is what the file's first bytes announce ("PNG", "JPEG", "WebP", ...).
Image decode_with_codecs(const uint8_t* data, std::size_t size, const std::string& format, const std::string& name);

// `ext` is ".png", ".jpg", ... as asked; quality applies to JPEG and WebP.
std::string encode_with_codecs(const Image& img, const std::string& ext, int quality);

}  // namespace mrti
