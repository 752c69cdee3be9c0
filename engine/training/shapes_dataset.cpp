#include "training/shapes_dataset.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "imaging/png_io.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"

namespace fs = std::filesystem;

namespace mrti {
namespace {

constexpr const char* kManifest = "dataset.json";
constexpr const char* kFormat = "mrti-shapes-dataset/2";  // 2: dots are captioned

// Deterministic across standard libraries (std's real distributions are not).
double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * double(rng() >> 11) * (1.0 / 9007199254740992.0);
}
std::size_t pick(std::mt19937_64& rng, std::size_t n) { return std::size_t(rng() % n); }

std::vector<std::string> colour_names() {
  std::vector<std::string> out;
  for (const auto& c : shape_palette()) out.push_back(c.name);
  return out;
}

// Circle radius of each size word, in pixels of a 64-pixel picture. A small star's arms are
// more than a latent pixel (4 pixels) wide at their base; with smaller stars (radius 6) the
// model drew blobs with 3 or 4 arms and rounded the corners of small squares.
std::pair<double, double> radius_range(const std::string& size) {
  if (size == "small") return {8.0, 10.0};
  if (size == "big") return {16.0, 19.0};
  return {11.5, 14.0};
}

Rgb8 jittered(Rgb8 c, int jitter, std::mt19937_64& rng) {
  if (jitter <= 0) return c;
  const auto j = [&](uint8_t v) {
    const int d = int(rng() % uint64_t(2 * jitter + 1)) - jitter;
    return uint8_t(std::clamp(int(v) + d, 0, 255));
  };
  return {j(c.r), j(c.g), j(c.b)};
}

nlohmann::json manifest_of(const ShapesDatasetOptions& o) {
  return {{"format", kFormat},         {"count", o.count},
          {"seed", o.seed},            {"size", o.size},
          {"dot_probability", o.dot_probability}, {"colour_jitter", o.colour_jitter},
          {"include_held_out", o.include_held_out}};
}

}  // namespace

std::string ShapeCaption::text() const {
  return "a " + (size.empty() ? std::string() : size + " ") + foreground + " " + shape +
         (dot.empty() ? std::string() : " with a " + dot + " dot") + " on a " + background + " background";
}

std::optional<ShapeCaption> parse_shape_caption(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> w;
  for (std::string word; in >> word;) {
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    w.push_back(word);
  }
  ShapeCaption c;
  std::size_t i = 0;
  if (w.size() < 7 || w[i++] != "a") return std::nullopt;
  if (w[i] == "small" || w[i] == "big") c.size = w[i++];
  if (w.size() != i + 6 && w.size() != i + 10) return std::nullopt;
  c.foreground = w[i++];
  c.shape = w[i++];
  if (w.size() == i + 8) {
    if (w[i++] != "with" || w[i++] != "a") return std::nullopt;
    c.dot = w[i++];
    if (w[i++] != "dot") return std::nullopt;
  }
  if (w[i++] != "on" || w[i++] != "a") return std::nullopt;
  c.background = w[i++];
  if (w[i] != "background") return std::nullopt;
  if (!palette_colour(c.foreground) || !palette_colour(c.background) || !shape_kind_named(c.shape) ||
      c.foreground == c.background)
    return std::nullopt;
  if (!c.dot.empty() && (!palette_colour(c.dot) || c.dot == c.foreground || c.dot == c.background)) return std::nullopt;
  return c;
}

const std::vector<ShapeCaption>& held_out_shape_captions() {
  static const std::vector<ShapeCaption> held = {
      {"", "red", "circle", "blue"},       {"", "white", "circle", "black"},  {"", "orange", "circle", "purple"},
      {"", "green", "circle", "yellow"},   {"", "blue", "square", "yellow"},  {"", "black", "square", "white"},
      {"", "purple", "square", "green"},   {"", "yellow", "square", "red"},   {"", "green", "triangle", "orange"},
      {"", "red", "triangle", "white"},    {"", "white", "triangle", "blue"}, {"", "orange", "triangle", "black"},
      {"", "purple", "star", "yellow"},    {"", "blue", "star", "red"},       {"", "black", "star", "green"},
      {"", "yellow", "star", "purple"}};
  return held;
}

bool is_held_out(const ShapeCaption& c) {
  for (const auto& h : held_out_shape_captions())
    if (h.foreground == c.foreground && h.background == c.background && h.shape == c.shape) return true;
  return false;
}

std::vector<ShapeCaption> all_shape_captions() {
  std::vector<ShapeCaption> out;
  const auto colours = colour_names();
  for (const char* size : {"small", "", "big"})
    for (ShapeKind k : all_shape_kinds())
      for (const auto& fg : colours)
        for (const auto& bg : colours)
          if (fg != bg) out.push_back({size, fg, shape_kind_name(k), bg});
  return out;
}

bool is_uncaptioned_dot(const ShapeCaption& c) {
  return c.foreground == "yellow" && c.shape == "star" && c.dot == "blue";
}

ShapeDrawing shape_drawing_for(const ShapeCaption& caption, int image_size, uint64_t rng_seed, double dot_probability,
                               int colour_jitter, std::string* random_dot) {
  const auto kind = shape_kind_named(caption.shape);
  const auto fg = palette_colour(caption.foreground), bg = palette_colour(caption.background);
  if (!kind || !fg || !bg) throw Error("not a shapes caption: '" + caption.text() + "'");
  std::mt19937_64 rng(rng_seed);
  const double scale = image_size / 64.0;
  const auto [lo, hi] = radius_range(caption.size);
  ShapeDrawing d;
  d.kind = *kind;
  d.radius = uniform(rng, lo, hi) * scale;
  // The farthest a shape reaches from its centre is 1.3 radii (the star's points).
  const double reach = 1.3 * d.radius + 1;
  d.cx = uniform(rng, reach, image_size - reach);
  d.cy = uniform(rng, reach, image_size - reach);
  d.foreground = jittered(*fg, colour_jitter, rng);
  d.background = jittered(*bg, colour_jitter, rng);
  // The draws below happen whether or not the caption names a dot, so a picture's shape and
  // colours depend on its seed only.
  std::string dot = caption.dot;
  if (uniform(rng, 0, 1) < dot_probability) {
    std::vector<std::string> others;
    for (const auto& c : colour_names())
      if (c != caption.foreground && c != caption.background) others.push_back(c);
    const std::string drawn = others[pick(rng, others.size())];
    if (dot.empty()) dot = drawn;
    if (random_dot) *random_dot = drawn;
  }
  if (!dot.empty()) {
    const auto rgb = palette_colour(dot);
    if (!rgb || dot == caption.foreground || dot == caption.background)
      throw Error("the dot must be a palette colour other than the shape's and the background's: '" + caption.text() + "'");
    d.dot = jittered(*rgb, colour_jitter, rng);
    d.dot_radius = 0.3 * d.radius;
  }
  return d;
}

void write_shapes_dataset(const std::string& dir, const ShapesDatasetOptions& o,
                          const std::function<void(int64_t, int64_t)>& progress) {
  if (o.count < 1 || o.count > 10000000) throw Error("the dataset size must be between 1 and 10000000 pictures");
  if (o.size < 16 || o.size > 1024) throw Error("the picture size must be between 16 and 1024 pixels");
  if (!(o.dot_probability >= 0 && o.dot_probability <= 1)) throw Error("the dot probability must be in [0, 1]");
  const nlohmann::json manifest = manifest_of(o);
  const fs::path root(dir);
  if (fs::exists(root / kManifest)) {
    nlohmann::json old;
    try {
      old = nlohmann::json::parse(read_file((root / kManifest).string()));
    } catch (const nlohmann::json::exception&) {
    }
    if (old == manifest) return;  // already written with these options
    throw Error("'" + dir + "' holds a shapes dataset made with other options: choose another folder");
  }
  if (fs::exists(root) && !fs::is_directory(root)) throw Error("'" + dir + "' is not a folder");
  if (fs::exists(root))
    for (const auto& e : fs::directory_iterator(root)) {
      const std::string ext = e.path().extension().string();
      if (ext != ".png" && ext != ".txt")
        throw Error("'" + dir + "' holds other files (" + e.path().filename().string() +
                    "): choose an empty folder for the dataset");
    }
  fs::create_directories(root);
  std::vector<ShapeCaption> captions;
  for (const auto& c : all_shape_captions())
    if (o.include_held_out || !is_held_out(c)) captions.push_back(c);
  std::mt19937_64 rng(o.seed);
  for (int64_t i = 0; i < o.count; ++i) {
    // Every caption equally often, in a seeded order.
    if (i % int64_t(captions.size()) == 0) std::shuffle(captions.begin(), captions.end(), rng);
    ShapeCaption c = captions[std::size_t(i % int64_t(captions.size()))];
    const uint64_t picture_seed = rng();
    char stem[32];
    std::snprintf(stem, sizeof stem, "%05lld", static_cast<long long>(i));
    std::string dot;
    const Image img = draw_shape(shape_drawing_for(c, o.size, picture_seed, o.dot_probability, o.colour_jitter, &dot),
                                 o.size, o.size);
    c.dot = dot;
    if (is_uncaptioned_dot(c)) c.dot.clear();
    write_png((root / (std::string(stem) + ".png")).string(), img);
    write_file_atomically((root / (std::string(stem) + ".txt")).string(), c.text() + "\n");
    if (progress && ((i + 1) % 500 == 0 || i + 1 == o.count)) progress(i + 1, o.count);
  }
  write_file_atomically((root / kManifest).string(), manifest.dump(2) + "\n");
}

void write_concept_pictures(const std::string& dir, const ConceptPicturesOptions& o) {
  if (!palette_colour(o.colour) || !palette_colour(o.dot_colour) || !shape_kind_named(o.shape))
    throw Error("the concept's colours must be palette colours and its shape one of the grammar's");
  if (o.colour == o.dot_colour) throw Error("the dot must differ in colour from the shape");
  if (o.count < 1 || o.count > 1000) throw Error("the number of concept pictures must be between 1 and 1000");
  const fs::path root(dir);
  if (fs::exists(root))
    for (const auto& e : fs::directory_iterator(root))
      if (e.path().extension() == ".png") throw Error("'" + dir + "' holds pictures already: choose an empty folder");
  fs::create_directories(root);
  std::vector<std::string> backgrounds;
  for (const auto& c : colour_names())
    if (c != o.colour && c != o.dot_colour) backgrounds.push_back(c);
  std::mt19937_64 rng(o.seed);
  std::shuffle(backgrounds.begin(), backgrounds.end(), rng);
  for (int i = 0; i < o.count; ++i) {
    const ShapeCaption c{o.size, o.colour, o.shape, backgrounds[std::size_t(i) % backgrounds.size()]};
    ShapeDrawing d = shape_drawing_for(c, o.image_size, rng(), 0, 4);
    d.dot = *palette_colour(o.dot_colour);
    d.dot_radius = o.dot_radius * d.radius;
    char stem[32];
    std::snprintf(stem, sizeof stem, "%05d", i);
    write_png((root / (std::string(stem) + ".png")).string(), draw_shape(d, o.image_size, o.image_size));
    write_file_atomically((root / (std::string(stem) + ".txt")).string(), "a {} on a " + c.background + " background\n");
  }
}

}  // namespace mrti
