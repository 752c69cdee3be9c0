// Embedding and concept files as downloaded: A1111 .pt, diffusers learned_embeds.bin,
// .safetensors embeddings and MRTI concepts. The first byte picks the file type.
#include "fuzz_support.h"
#include "multires/concept.h"
#include "multires/importers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const char* const kinds[] = {".pt", ".bin", ".safetensors", ".concept"};
  const std::string kind = kinds[data[0] % 4];
  const std::string path = mrti_fuzz::write_input(data + 1, size - 1, kind == ".concept" ? ".safetensors" : kind);
  if (kind == ".concept")
    mrti_fuzz::expect_clear_errors([&] { (void)mrti::load_concept(path); });
  else
    mrti_fuzz::expect_clear_errors([&] { (void)mrti::import_embedding_file(path, "fuzzed"); });
  return 0;
}
