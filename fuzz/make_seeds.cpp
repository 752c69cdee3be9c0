// Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/) with the engine's
// own writers, so every seed is a valid input the fuzzer mutates from:
//   make_seeds OUT_DIR
#include <filesystem>
#include <iostream>

#include <torch/torch.h>

#include "imaging/image_decode.h"
#include "imaging/png_io.h"
#include "multires/concept.h"
#include "multires/exporters.h"
#include "runtime/atomic_file.h"
#include "tensor_io/safetensors.h"
#include "training/dreambooth_trainer.h"
#include "training/model_training_settings.h"
#include "training/textual_inversion_trainer.h"

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) { return mrti::read_file(p.string()); }

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  mrti::write_file_atomically(p.string(), bytes);
}

mrti::Image checkerboard(int w, int h) {
  mrti::Image img;
  img.width = w, img.height = h;
  img.rgb.resize(std::size_t(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) img.rgb[(std::size_t(y) * w + x) * 3 + c] = uint8_t(((x + y) % 2) * 200 + c * 20);
  return img;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds OUT_DIR\n";
    return 2;
  }
  const fs::path out = argv[1];
  const fs::path tmp = out / ".tmp";
  fs::create_directories(tmp);
  torch::manual_seed(0);
  mrti::Concept c = mrti::make_concept("cat", torch::randn({3, 1, 8}), "cat", "tiny-sd15", 100);
  mrti::save_concept((tmp / "cat.safetensors").string(), c);
  mrti::export_embedding(c, 1, (tmp / "cat.pt").string());
  mrti::export_embedding(c, 1, (tmp / "cat.bin").string());
  mrti::export_embedding(c, 1, (tmp / "emb.safetensors").string());
  mrti::save_safetensors((tmp / "mixed.safetensors").string(),
                         {{"a.weight", torch::randn({2, 3}).to(torch::kHalf)}, {"ids", torch::arange(4)}},
                         {{"format", "pt"}});

  write(out / "safetensors/concept", read(tmp / "cat.safetensors"));
  write(out / "safetensors/mixed", read(tmp / "mixed.safetensors"));
  write(out / "torch_pickle/a1111", read(tmp / "cat.pt"));
  write(out / "torch_pickle/diffusers", read(tmp / "cat.bin"));
  write(out / "importers/a1111", std::string(1, '\0') + read(tmp / "cat.pt"));
  write(out / "importers/diffusers", std::string(1, '\1') + read(tmp / "cat.bin"));
  write(out / "importers/safetensors", std::string(1, '\2') + read(tmp / "emb.safetensors"));
  write(out / "importers/concept", std::string(1, '\3') + read(tmp / "cat.safetensors"));

  write(out / "tokenizer/plain", "a photo of a cat, 4k, trending on artstation");
  write(out / "tokenizer/unicode", "naïve café ☃ 😀 &amp; <jane(3)> ÃƒÂ©");
  write(out / "tokenizer/invalid-utf8", "a \xff\xfe cat \xc3");
  write(out / "tokenizer/folder", std::string(1, '\0') +
                                      R"({"!": 0, "a": 1, "c": 2, "t": 3, "at</w>": 4, "cat</w>": 5, "<|startoftext|>": 6, "<|endoftext|>": 7})" +
                                      std::string(1, '\0') + "#version: 0.2\na t</w>\nc at</w>\n" + std::string(1, '\0') +
                                      R"({"<jane>": 8})");

  write(out / "prompt/forms", "a painting of <cat(3)> and <dog|0|> in a forest");
  write(out / "prompt/decimal", "<cat[0.5]>, <my-owl_2[2]> <cat|9|>, (((masterpiece)))");
  write(out / "prompt/broken", "<cat|3> <cat[3) <unknown(1)> <b> <<cat>>");

  write(out / "image/png", mrti::encode_png(checkerboard(8, 6), {{"parameters", "a cat\nSteps: 20, Seed: 1"}}));
  write(out / "image/jpeg", mrti::encode_image(checkerboard(8, 8), ".jpg", 80));
  write(out / "image/bmp", mrti::encode_image(checkerboard(4, 4), ".bmp"));
  write(out / "image/webp", mrti::encode_image(checkerboard(8, 8), ".webp", 80));

  write(out / "settings_json/ti", mrti::TextualInversionSettings{}.to_json().dump());
  write(out / "settings_json/dreambooth", mrti::DreamBoothSettings{}.to_json().dump());
  write(out / "settings_json/model", mrti::ModelTrainingSettings{}.to_json().dump());
  fs::remove_all(tmp);
  return 0;
}
