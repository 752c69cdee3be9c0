// read_safetensors on arbitrary bytes: header length, JSON, dtypes, shapes, offsets.
#include "fuzz_support.h"
#include "tensor_io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string path = mrti_fuzz::write_input(data, size, ".safetensors");
  mrti_fuzz::expect_clear_errors([&] {
    const auto file = mrti::read_safetensors(path);
    for (const auto& [name, t] : file.tensors) (void)t.sum();  // every byte of every tensor is readable
  });
  mrti_fuzz::expect_clear_errors([&] { (void)mrti::read_safetensors_metadata(path); });
  return 0;
}
