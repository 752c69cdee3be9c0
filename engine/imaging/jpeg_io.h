#pragma once
// JPEG through libjpeg: what a build without OpenCV's imgcodecs reads and writes JPEG with.
#include <cstddef>
#include <string>

#include "imaging/image.h"

namespace mrti {

// Decodes a baseline or progressive JPEG (grey or YCbCr) to RGB8. The EXIF orientation is
// not applied. Throws mrti::Error naming `name` for corrupt data, CMYK files and images
// over kMaxImagePixels.
Image decode_jpeg(const void* data, std::size_t size, const std::string& name = "<memory>");

// The JPEG bytes of `img` at `quality` (1-100, 4:2:0 chroma like PIL's default).
std::string encode_jpeg(const Image& img, int quality);

}  // namespace mrti
