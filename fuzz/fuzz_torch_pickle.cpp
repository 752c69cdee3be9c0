// The restricted torch.save reader: the zip container, the pickle opcodes, the globals it
// allows, storages and views.
#include "fuzz_support.h"
#include "tensor_io/torch_pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string path = mrti_fuzz::write_input(data, size, ".pt");
  mrti_fuzz::expect_clear_errors([&] {
    const auto value = mrti::load_torch_pickle(path);
    for (const auto& [name, t] : mrti::flatten_tensors(value)) (void)t.sum();
  });
  return 0;
}
