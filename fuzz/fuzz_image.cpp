// Image decoding (PNG, JPEG, WebP, BMP, TIFF through OpenCV), where nothing over
// kMaxImagePixels is ever decoded, and the PNG text chunks that carry generation
// parameters (libpng).
#include "fuzz_support.h"
#include "imaging/image_decode.h"
#include "imaging/png_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  mrti_fuzz::expect_clear_errors([&] {
    const mrti::Image img = mrti::decode_image(data, size);
    if (int64_t(img.width) * img.height > mrti::kMaxImagePixels || !img.valid()) std::abort();
  });
  mrti_fuzz::expect_clear_errors([&] { (void)mrti::read_png_text(data, size); });  // the parameters chunk
  return 0;
}
