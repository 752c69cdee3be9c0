#include "imaging/png_io.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <png.h>
#include <zlib.h>

#include "imaging/image_decode.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"

namespace mrti {
namespace {

constexpr std::size_t kMaxTextBytes = 64u << 20;       // per inflated text chunk
const uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

// ---- text helpers -----------------------------------------------------------------

bool is_ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF) with every bad
// byte replaced by U+FFFD.
std::string sanitize_utf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    std::size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) len = 1, cp = c;
    else if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
    bool ok = len > 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) ok = false;
      else cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (ok && len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (ok && len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ok = false;
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string latin1_to_utf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

void check_key(const std::string& key) {
  bool ok = !key.empty() && key.size() <= 79 && key.front() != ' ' && key.back() != ' ' &&
            key.find("  ") == std::string::npos;
  for (char c : key) ok = ok && c >= 0x20 && c <= 0x7E;
  if (!ok)
    throw Error("invalid PNG text key '" + key +
                "': use 1-79 printable ASCII characters without leading, trailing or double spaces");
}

std::string inflate_text(const std::string& name, const char* chunk, const uint8_t* data, std::size_t size) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) throw Error(name + ": cannot initialise zlib");
  std::string out;
  uint8_t buf[16384];
  zs.next_in = const_cast<Bytef*>(data);
  zs.avail_in = static_cast<uInt>(size);
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = buf;
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw Error(name + ": corrupt compressed " + chunk + " chunk (" + (zs.msg ? zs.msg : "zlib error") + ")");
    }
    out.append(reinterpret_cast<char*>(buf), sizeof buf - zs.avail_out);
    if (out.size() > kMaxTextBytes) {
      inflateEnd(&zs);
      throw Error(name + ": " + chunk + " chunk inflates to more than 64 MiB; refusing to read it");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      throw Error(name + ": compressed " + chunk + " chunk is cut short");
    }
  }
  inflateEnd(&zs);
  return out;
}

// One text chunk's payload (after its type) to key/value; false for chunks to ignore
// (e.g. an unknown compression method).
bool parse_text_chunk(const std::string& name, const std::string& type, const uint8_t* d, std::size_t n,
                      std::pair<std::string, std::string>& kv) {
  const auto* end = d + n;
  const auto* nul = std::find(d, end, uint8_t{0});
  if (type == "tEXt") {
    kv.first = latin1_to_utf8(std::string(d, nul));
    kv.second = nul == end ? std::string() : latin1_to_utf8(std::string(nul + 1, end));
    return true;
  }
  if (nul == end) throw Error(name + ": corrupt " + type + " chunk (no keyword terminator)");
  kv.first = latin1_to_utf8(std::string(d, nul));
  const uint8_t* p = nul + 1;
  if (type == "zTXt") {
    if (p >= end || *p != 0) return false;
    kv.second = latin1_to_utf8(inflate_text(name, "zTXt", p + 1, static_cast<std::size_t>(end - p - 1)));
    return true;
  }
  // iTXt: compression flag, method, language tag\0, translated keyword\0, text.
  if (end - p < 2) throw Error(name + ": corrupt iTXt chunk (too short)");
  const bool compressed = p[0] != 0;
  if (compressed && p[1] != 0) return false;
  p += 2;
  const auto* lang_end = std::find(p, end, uint8_t{0});
  if (lang_end == end) throw Error(name + ": corrupt iTXt chunk (no language tag terminator)");
  const auto* tkey_end = std::find(lang_end + 1, end, uint8_t{0});
  if (tkey_end == end) throw Error(name + ": corrupt iTXt chunk (no translated keyword terminator)");
  p = tkey_end + 1;
  const std::size_t len = static_cast<std::size_t>(end - p);
  kv.second = sanitize_utf8(compressed ? inflate_text(name, "iTXt", p, len) : std::string(p, end));
  return true;
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// Walks the chunk list through `source`, which offers read(buf, n) -> bool and
// skip(n) -> bool.
template <class Source>
PngText walk_text_chunks(const std::string& name, Source& src) {
  uint8_t sig[8];
  if (!src.read(sig, 8) || std::memcmp(sig, kSignature, 8) != 0)
    throw Error("'" + name + "' is not a PNG file (bad signature)");
  PngText out;
  std::vector<uint8_t> buf;
  for (;;) {
    uint8_t head[8];
    if (!src.read(head, 8)) break;  // cut short: keep what was found
    const uint32_t len = be32(head);
    const std::string type(reinterpret_cast<char*>(head + 4), 4);
    if (len > 0x7FFFFFFFu) throw Error("'" + name + "' is a corrupt PNG (chunk '" + type + "' has an invalid length)");
    if (type == "IEND") break;
    if (type != "tEXt" && type != "zTXt" && type != "iTXt") {
      if (!src.skip(std::size_t{len} + 4)) break;
      continue;
    }
    if (len > kMaxTextBytes) throw Error("'" + name + "': " + type + " chunk larger than 64 MiB; refusing to read it");
    buf.resize(std::size_t{len} + 4);
    if (!src.read(buf.data(), buf.size())) break;
    uLong crc = crc32(0L, head + 4, 4);
    crc = crc32(crc, buf.data(), len);
    if (crc != be32(buf.data() + len))
      throw Error("'" + name + "' has a corrupt " + type + " chunk (CRC mismatch)");
    std::pair<std::string, std::string> kv;
    if (parse_text_chunk("'" + name + "'", type, buf.data(), len, kv)) out.push_back(std::move(kv));
  }
  return out;
}

struct FileSource {
  std::ifstream& in;
  bool read(void* p, std::size_t n) {
    in.read(static_cast<char*>(p), static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(in.gcount()) == n;
  }
  bool skip(std::size_t n) {
    in.seekg(static_cast<std::streamoff>(n), std::ios::cur);
    return static_cast<bool>(in);
  }
};

struct MemorySource {
  const uint8_t* data;
  std::size_t size, pos = 0;
  bool read(void* p, std::size_t n) {
    if (size - pos < n) return false;
    std::memcpy(p, data + pos, n);
    pos += n;
    return true;
  }
  bool skip(std::size_t n) {
    if (size - pos < n) return false;
    pos += n;
    return true;
  }
};

// ---- libpng plumbing ----------------------------------------------------------------
// libpng reports errors by longjmp. Every C++ object in the functions below that call
// setjmp is constructed before the setjmp, so jumping back skips no destructor.

struct PngIo {
  const uint8_t* data = nullptr;
  std::size_t size = 0, pos = 0;
  std::string* out = nullptr;
  char message[512] = {0};
};

void on_png_error(png_structp png, png_const_charp msg) {
  auto* io = static_cast<PngIo*>(png_get_error_ptr(png));
  std::snprintf(io->message, sizeof io->message, "%s", msg ? msg : "libpng error");
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

void on_png_read(png_structp png, png_bytep dst, png_size_t n) {
  auto* io = static_cast<PngIo*>(png_get_io_ptr(png));
  if (io->size - io->pos < n) png_error(png, "the file is cut short");
  std::memcpy(dst, io->data + io->pos, n);
  io->pos += n;
}

void on_png_write(png_structp png, png_bytep src, png_size_t n) {
  static_cast<PngIo*>(png_get_io_ptr(png))->out->append(reinterpret_cast<const char*>(src), n);
}

void on_png_flush(png_structp) {}

}  // namespace

std::string encode_png(const Image& img, const PngText& text) {
  if (!img.valid() || img.empty())
    throw Error("cannot encode a PNG: the image is empty or its buffer does not match " + std::to_string(img.width) +
                "x" + std::to_string(img.height));
  // Every object is built before setjmp (see above).
  std::vector<std::string> keys, values;
  std::vector<png_text> chunks(text.size());
  std::vector<png_bytep> rows(static_cast<std::size_t>(img.height));
  std::string out;
  PngIo io;
  io.out = &out;
  for (const auto& [key, value] : text) {
    check_key(key);
    if (value.find('\0') != std::string::npos) throw Error("PNG text value for key '" + key + "' contains a NUL byte");
    keys.push_back(key);
    values.push_back(is_ascii(value) ? value : sanitize_utf8(value));
  }
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    png_text& t = chunks[i];
    std::memset(&t, 0, sizeof t);
    t.key = const_cast<char*>(keys[i].c_str());
    t.text = const_cast<char*>(values[i].c_str());
    t.compression = is_ascii(values[i]) ? PNG_TEXT_COMPRESSION_NONE : PNG_ITXT_COMPRESSION_NONE;
    if (t.compression == PNG_TEXT_COMPRESSION_NONE) t.text_length = values[i].size();
    else t.itxt_length = values[i].size();
  }
  for (int y = 0; y < img.height; ++y) rows[static_cast<std::size_t>(y)] = const_cast<png_bytep>(img.pixel(0, y));

  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &io, on_png_error, on_png_warning);
  if (!png) throw Error("cannot encode a PNG: out of memory");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    throw Error("cannot encode a PNG: out of memory");
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw Error(std::string("cannot encode a PNG: ") + io.message);
  }
  png_set_write_fn(png, &io, on_png_write, on_png_flush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(img.width), static_cast<png_uint_32>(img.height), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!chunks.empty()) png_set_text(png, info, chunks.data(), static_cast<int>(chunks.size()));
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out;
}

void write_png(const std::string& path, const Image& img, const PngText& text) {
  std::string bytes;
  try {
    bytes = encode_png(img, text);
  } catch (const Error& e) {
    throw Error("cannot write '" + path + "': " + e.what());
  }
  write_file_atomically(path, bytes);
}

PngText read_png_text(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error("file not found: '" + path + "'");
  if (std::filesystem::is_directory(path, ec)) throw Error("'" + path + "' is a folder, expected a PNG file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "': " + std::strerror(errno));
  FileSource src{in};
  return walk_text_chunks(path, src);
}

PngText read_png_text(const void* data, std::size_t size, const std::string& name) {
  MemorySource src{static_cast<const uint8_t*>(data), size};
  return walk_text_chunks(name, src);
}

std::optional<std::string> find_png_text(const PngText& text, const std::string& key) {
  for (const auto& [k, v] : text)
    if (k == key) return v;
  return std::nullopt;
}

void check_png_chunk_lengths(const void* data, std::size_t size, const std::string& name) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (std::size_t at = 8; at <= size && size - at >= 8;) {
    const uint32_t length = be32(p + at);
    const std::string type(reinterpret_cast<const char*>(p + at + 4), 4);
    const std::size_t left = size - at - 8;
    if (length > 0x7FFFFFFFu || (type != "IDAT" && std::size_t{length} + 4 > left)) {
      std::string shown;
      for (char c : type) shown += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
      throw Error("'" + name + "' is a corrupt PNG image: its chunk '" + shown + "' at byte " + std::to_string(at) +
                  " declares " + std::to_string(length) + " bytes, but the file has " +
                  std::to_string(left >= 4 ? left - 4 : 0) + " after it");
    }
    if (type == "IEND") break;
    at += std::size_t{length} + 12;
  }
}

Image decode_png(const std::string& path) {
  const std::string bytes = read_file(path);
  return decode_png(bytes.data(), bytes.size(), path);
}

Image decode_png(const void* data, std::size_t size, const std::string& name) {
  if (size == 0) throw Error("'" + name + "' is empty (0 bytes), not a PNG image");
  if (size < 8 || png_sig_cmp(static_cast<png_const_bytep>(data), 0, 8) != 0)
    throw Error("'" + name + "' is not a PNG image (bad signature)");
  check_png_chunk_lengths(data, size, name);
  // Every object is built before setjmp (see above).
  Image img;
  std::vector<uint8_t> buffer;
  std::vector<png_bytep> rows;
  PngIo io;
  io.data = static_cast<const uint8_t*>(data);
  io.size = size;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &io, on_png_error, on_png_warning);
  if (!png) throw Error("cannot decode '" + name + "': out of memory");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    throw Error("cannot decode '" + name + "': out of memory");
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw Error("'" + name + "' is a corrupt PNG image: " + io.message);
  }
  png_set_read_fn(png, &io, on_png_read);
  png_read_info(png, info);
  const png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
  if (uint64_t{width} * height > uint64_t(kMaxImagePixels))
    png_error(png, "the image declares more than 67 megapixels (8192x8192), the most allowed here");
  const int color_type = png_get_color_type(png, info);
  // Like PIL's convert("RGB"): expand palette/low-bit grey/tRNS, keep the high byte of
  // 16-bit samples, then drop any alpha below. No gamma handling, as PIL does none.
  png_set_expand(png);
  png_set_strip_16(png);
  if (!(color_type & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const std::size_t channels = png_get_channels(png, info);
  const std::size_t rowbytes = png_get_rowbytes(png, info);
  if ((channels != 3 && channels != 4) || rowbytes != channels * width)
    png_error(png, "unsupported pixel layout after conversion");
  buffer.resize(rowbytes * height);
  rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) rows[y] = buffer.data() + rowbytes * y;
  // No png_read_end: chunks after the pixels are not needed, and a file that lost only
  // its IEND still decodes.
  png_read_image(png, rows.data());
  png_destroy_read_struct(&png, &info, nullptr);

  img.width = static_cast<int>(width);
  img.height = static_cast<int>(height);
  if (channels == 3) {
    img.rgb = std::move(buffer);
  } else {
    img.rgb.resize(std::size_t{width} * height * 3);
    for (std::size_t i = 0, n = std::size_t{width} * height; i < n; ++i)
      std::memcpy(&img.rgb[i * 3], &buffer[i * 4], 3);
  }
  return img;
}

}  // namespace mrti
