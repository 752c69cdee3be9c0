#include "training/dataset.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "imaging/image_decode.h"
#include "imaging/tensor_image.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "training/caption_templates.h"

namespace fs = std::filesystem;

namespace mrti {

namespace {

uint64_t fnv1a(const std::string& bytes, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

bool is_image_extension(std::string ext) {
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".webp" || ext == ".bmp";
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string content_hash(const std::string& bytes) { return hex64(fnv1a(bytes)); }

std::string DatasetReport::summary() const {
  std::string s = "Using " + std::to_string(used.size()) + " image" + (used.size() == 1 ? "" : "s") + " from " + folder;
  if (!skipped.empty()) {
    s += "; skipped " + std::to_string(skipped.size()) + ":";
    for (const auto& [name, why] : skipped) s += "\n  " + name + " (" + why + ")";
  }
  return s;
}

TrainingDataset::TrainingDataset(const std::string& folder, DatasetOptions options, bool allow_empty)
    : options_(std::move(options)) {
  if (options_.resolution < 8 || options_.resolution % 8 != 0)
    throw Error("training resolution " + std::to_string(options_.resolution) + " must be a positive multiple of 8");
  caption_templates(options_.property);  // validates the property
  report_.folder = folder;
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw Error("training image folder '" + folder + "' does not exist or is not a folder");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    // A symlink loop or a dangling link is skipped with its reason, not a run-ending throw.
    std::error_code entry_ec;
    const bool regular = entry.is_regular_file(entry_ec);
    if (entry_ec) {
      report_.skipped.emplace_back(name, "cannot be read: " + entry_ec.message());
      continue;
    }
    if (regular) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::set<std::string> image_stems;
  for (const auto& f : files)
    if (is_image_extension(f.extension().string())) image_stems.insert(f.stem().string());
  std::map<std::string, std::string> seen;  // content hash -> first file name
  uint64_t dataset_hash = fnv1a("mrti-dataset/1");
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    std::string ext = path.extension().string();
    std::string lower = ext;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == ".txt") {
      // A caption file belongs to the image of the same stem; a lone one is noted.
      if (!image_stems.count(path.stem().string())) report_.skipped.emplace_back(name, "caption file without an image of the same name");
      continue;
    }
    if (!is_image_extension(ext)) {
      if (name == "dataset.json") continue;  // the manifest `mrti make-shapes` writes beside its pictures
      report_.skipped.emplace_back(name, "not an image (PNG, JPEG, WebP or BMP expected)");
      continue;
    }
    std::string bytes;
    try {
      bytes = read_file(path.string());
    } catch (const Error& e) {
      report_.skipped.emplace_back(name, std::string("unreadable: ") + e.what());
      continue;
    }
    const std::string hash = content_hash(bytes);
    if (auto it = seen.find(hash); it != seen.end()) {
      report_.skipped.emplace_back(name, "duplicate of " + it->second);
      continue;
    }
    Image img;
    try {
      img = decode_image(bytes.data(), bytes.size(), path.string());
    } catch (const Error& e) {
      report_.skipped.emplace_back(name, std::string("unreadable: ") + e.what());
      continue;
    }
    if (std::min(img.width, img.height) < options_.min_size) {
      report_.skipped.emplace_back(name, std::to_string(img.width) + "x" + std::to_string(img.height) +
                                             " is smaller than the minimum " + std::to_string(options_.min_size));
      continue;
    }
    seen[hash] = name;
    DatasetItem item;
    item.path = path.string();
    fs::path caption_path = path;
    caption_path.replace_extension(".txt");
    if (fs::is_regular_file(caption_path, ec)) {
      item.caption = trim(read_file(caption_path.string()));
      if (options_.caption_placeholder && item.caption.find("{}") == std::string::npos)
        throw Error("caption file '" + caption_path.string() +
                    "' has no {}: write {} where the concept's placeholder goes");
    }
    item.image = resize_shorter_side(img, options_.resolution);
    dataset_hash = fnv1a(name + '\0' + hash + '\0' + item.caption + '\0', dataset_hash);
    report_.used.push_back(name);
    items_.push_back(std::move(item));
  }
  if (items_.empty() && !allow_empty) {
    std::string why = files.empty() ? "it is empty" : "none of its " + std::to_string(files.size()) + " files could be used";
    throw Error("training image folder '" + folder + "' holds no usable image (" + why +
                "): add PNG, JPEG, WebP or BMP files of at least " + std::to_string(options_.min_size) + " pixels");
  }
  report_.hash = hex64(dataset_hash);
}

at::Tensor TrainingDataset::pixels(std::size_t i, bool flip, std::mt19937_64* rng) const {
  const Image& img = items_.at(i).image;
  Image cropped = (options_.center_crop || !rng) ? center_crop(img, options_.resolution)
                                                 : random_crop(img, options_.resolution, *rng);
  if (flip) cropped = flip_horizontal(cropped);
  return image_to_tensor(cropped);
}

std::vector<std::string> TrainingDataset::caption_templates_of(std::size_t i) const {
  const auto& item = items_.at(i);
  if (!item.caption.empty()) return {item.caption};
  return caption_templates(options_.property);
}

}  // namespace mrti
