// The CLIP tokenizer: prompt text (any bytes, invalid UTF-8 included) through the bundled
// vocabulary, and, when the input starts with a 0 byte, a tokenizer folder of its own
// (vocab.json, merges.txt and added tokens split from the input at 0 bytes).
#include <filesystem>

#include "fuzz_support.h"
#include "text/clip_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const mrti::ClipTokenizer bundled(MRTI_FUZZ_TOKENIZER_DIR);
  const std::string input(reinterpret_cast<const char*>(data), size);
  if (input.empty() || input[0] != '\0') {
    mrti_fuzz::expect_clear_errors([&] { (void)bundled.encode(input); });
    return 0;
  }
  std::string parts[3];
  std::size_t at = 1;
  for (auto& part : parts) {
    const std::size_t end = std::min(input.size(), input.find('\0', at));
    if (at <= input.size()) part = input.substr(at, end - at);
    at = end + 1;
  }
  const std::string dir = "/dev/shm/mrti-fuzz-tokenizer-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/vocab.json", std::ios::trunc) << parts[0];
  std::ofstream(dir + "/merges.txt", std::ios::trunc) << parts[1];
  std::ofstream(dir + "/added_tokens.json", std::ios::trunc) << parts[2];
  mrti_fuzz::expect_clear_errors([&] {
    const mrti::ClipTokenizer t(dir);
    (void)t.encode("a photo of a cat <jane> 😀");
  });
  return 0;
}
