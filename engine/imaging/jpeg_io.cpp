#include "imaging/jpeg_io.h"

#include <algorithm>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <jpeglib.h>

#include "imaging/image_decode.h"
#include "runtime/error.h"

namespace mrti {
namespace {

// libjpeg reports errors by calling error_exit, which must not return: it jumps back to
// the setjmp in the function that started the work. Those functions hold no object with
// a destructor of their own, so nothing is skipped by the jump.
struct ErrorJump {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jump_on_error(j_common_ptr c) {
  auto* e = reinterpret_cast<ErrorJump*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

// Warnings (corrupt data libjpeg recovers from) are not printed to stderr.
void ignore_message(j_common_ptr, int) {}

jpeg_error_mgr* install(ErrorJump& e) {
  jpeg_error_mgr* manager = jpeg_std_error(&e.manager);
  manager->error_exit = jump_on_error;
  manager->emit_message = ignore_message;
  e.message[0] = '\0';
  return manager;
}

// "" on success, else libjpeg's message. `out` lives in the caller's frame.
const char* read_jpeg(const void* data, std::size_t size, Image* out, bool* too_large) {
  static thread_local ErrorJump e;
  jpeg_decompress_struct cinfo;
  cinfo.err = install(e);
  if (setjmp(e.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return e.message;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, static_cast<const unsigned char*>(data), static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  jpeg_calc_output_dimensions(&cinfo);
  if (int64_t(cinfo.output_width) * cinfo.output_height > kMaxImagePixels) {
    *too_large = true;
    jpeg_destroy_decompress(&cinfo);
    return "";
  }
  jpeg_start_decompress(&cinfo);
  out->width = static_cast<int>(cinfo.output_width);
  out->height = static_cast<int>(cinfo.output_height);
  out->rgb.resize(out->stride() * out->height);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out->pixel(0, static_cast<int>(cinfo.output_scanline));
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return "";
}

// "" on success, else libjpeg's message; `*bytes` (malloc'd by libjpeg) holds the file.
const char* write_jpeg(const Image* img, int quality, unsigned char** bytes, unsigned long* size) {
  static thread_local ErrorJump e;
  jpeg_compress_struct cinfo;
  cinfo.err = install(e);
  if (setjmp(e.jump)) {
    jpeg_destroy_compress(&cinfo);
    return e.message;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, bytes, size);
  cinfo.image_width = static_cast<JDIMENSION>(img->width);
  cinfo.image_height = static_cast<JDIMENSION>(img->height);
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(img->pixel(0, static_cast<int>(cinfo.next_scanline)));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return "";
}

}  // namespace

Image decode_jpeg(const void* data, std::size_t size, const std::string& name) {
  Image img;
  bool too_large = false;
  const std::string why = read_jpeg(data, size, &img, &too_large);
  if (too_large)
    throw Error("'" + name + "' declares more than the " + std::to_string(kMaxImagePixels / 1000000) +
                " megapixels an image may have here (8192x8192)");
  if (!why.empty())
    throw Error("'" + name + "' looks like a JPEG image but cannot be decoded: it is corrupt, cut short or in an " +
                "unsupported variant: " + why);
  return img;
}

std::string encode_jpeg(const Image& img, int quality) {
  if (!img.valid() || img.empty()) throw Error("encode_jpeg: the image is empty or its buffer does not match its size");
  unsigned char* bytes = nullptr;
  unsigned long size = 0;
  const std::string why = write_jpeg(&img, std::clamp(quality, 1, 100), &bytes, &size);
  std::string out = why.empty() ? std::string(reinterpret_cast<const char*>(bytes), size) : std::string();
  std::free(bytes);
  if (!why.empty()) throw Error("cannot encode a " + std::to_string(img.width) + "x" + std::to_string(img.height) +
                                " image as JPEG: " + why);
  return out;
}

}  // namespace mrti
