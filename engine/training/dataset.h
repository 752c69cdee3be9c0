#pragma once
// Training images: a folder of PNG, JPEG, WebP or BMP files, each resized (shorter side
// to the training size) and cropped to a square, optionally mirrored, as float tensors
// in [-1, 1]. An image may come with a caption file beside it (cat.png + cat.txt) whose
// "{}" stands for the concept's placeholder; other images use the caption templates.
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "imaging/image.h"

namespace mrti {

struct DatasetOptions {
  int resolution = 512;     // square training size in pixels
  bool center_crop = true;  // false: a random crop per draw
  int min_size = 64;        // images whose shorter side is smaller are skipped
  std::string property = "object";  // caption templates: "object" or "style"
  // Captions must hold "{}" (a concept's place); off for plain captioned pictures.
  bool caption_placeholder = true;
};

struct DatasetReport {
  std::string folder;
  std::vector<std::string> used;                             // file names, sorted
  std::vector<std::pair<std::string, std::string>> skipped;  // file name, why
  std::string hash;  // of the used files' names, contents and captions (16 hex digits)
  // "Using 5 images from DIR; skipped 2: notes.md (not an image), ..."
  std::string summary() const;
};

struct DatasetItem {
  std::string path;
  std::string caption;  // from the caption file, "" when none
  Image image;          // resized so the shorter side is the training size
};

class TrainingDataset {
 public:
  // Throws mrti::Error naming the folder when it is missing or holds no usable image
  // (unless `allow_empty`: a dataset view still wants the report then).
  TrainingDataset(const std::string& folder, DatasetOptions options = {}, bool allow_empty = false);

  std::size_t size() const { return items_.size(); }
  const DatasetItem& item(std::size_t i) const { return items_.at(i); }
  const DatasetReport& report() const { return report_; }
  const DatasetOptions& options() const { return options_; }

  // Image i cropped to the training size (centre, or random from `rng` when the
  // options ask for random crops) and mirrored when `flip`: float32 [3, R, R] in [-1, 1].
  at::Tensor pixels(std::size_t i, bool flip, std::mt19937_64* rng = nullptr) const;

  // The templates a caption is drawn from for image i: its own caption when it has one,
  // else the property's templates.
  std::vector<std::string> caption_templates_of(std::size_t i) const;

 private:
  DatasetOptions options_;
  std::vector<DatasetItem> items_;
  DatasetReport report_;
};

// FNV-1a 64 of `bytes` as 16 hex digits: a content hash for duplicates and resume checks.
std::string content_hash(const std::string& bytes);

}  // namespace mrti
