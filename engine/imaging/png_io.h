#pragma once
// PNG files with text metadata (libpng): the format generated images are saved in.
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "imaging/image.h"

namespace mrti {

// Key/value text chunks in file order. Values are UTF-8.
using PngText = std::vector<std::pair<std::string, std::string>>;

// The PNG bytes of `img` with `text` as chunks before the pixel data: a value that is
// pure ASCII goes into tEXt, any other into an uncompressed iTXt (tEXt is Latin-1 only,
// so non-ASCII prompts would be mangled there). Invalid UTF-8 is replaced by U+FFFD
// rather than refused, so an image is never lost over its metadata. Keys must be 1-79
// printable ASCII characters without leading, trailing or double spaces, and values
// must not hold NUL bytes (mrti::Error otherwise).
std::string encode_png(const Image& img, const PngText& text = {});

// encode_png written atomically to `path` (temporary file + rename).
void write_png(const std::string& path, const Image& img, const PngText& text = {});

// The tEXt, zTXt and iTXt chunks of a PNG, walking the chunk list without decoding (or
// even reading) the pixel data. tEXt/zTXt values are Latin-1 and come back as UTF-8.
// A file cut short after its header yields the chunks found so far. Throws mrti::Error
// naming the file when it is missing, not a PNG, or a text chunk is corrupt.
PngText read_png_text(const std::string& path);
PngText read_png_text(const void* data, std::size_t size, const std::string& name = "<memory>");

// The first value stored under `key`, if any.
std::optional<std::string> find_png_text(const PngText& text, const std::string& key);

// Refuses a PNG whose chunk list declares more bytes than the file holds, before any
// decoder sees it: libpng allocates an ancillary chunk's declared length before reading
// it, so a few hundred bytes declaring a 2 GB text chunk would cost 2 GB. Image data
// (IDAT) that runs past the end is left to the decoder, which reports a file cut short.
// Throws mrti::Error naming the chunk and its offset.
void check_png_chunk_lengths(const void* data, std::size_t size, const std::string& name);

// Decodes a PNG to RGB8 the way PIL's convert("RGB") does: palette and grey expanded,
// 16-bit reduced to the high byte, alpha dropped, no gamma correction.
Image decode_png(const std::string& path);
Image decode_png(const void* data, std::size_t size, const std::string& name = "<memory>");

}  // namespace mrti
