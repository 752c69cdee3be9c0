#pragma once
// The captioned shapes dataset the shipped demo model learns from: one filled shape on a
// flat background per picture, captioned "a [small |big ]COLOUR SHAPE on a COLOUR
// background", drawn deterministically from a seed and written as NNNNN.png + NNNNN.txt.
// Some pictures carry a dot of another colour at the shape's centre, captioned "a COLOUR
// SHAPE with a COLOUR dot on a COLOUR background", so the model can draw a detail words
// steer; the demo concept's combination (a yellow star with a blue dot) is never captioned.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "imaging/shapes.h"

namespace mrti {

struct ShapeCaption {
  std::string size;  // "small", "" or "big"
  std::string foreground, shape, background;
  std::string dot;  // colour of a dot at the shape's centre, "" for none

  std::string text() const;  // "a small red circle [with a white dot ]on a blue background"
};

// Parses a caption of the grammar above (case and surrounding space ignored);
// nullopt for anything else.
std::optional<ShapeCaption> parse_shape_caption(const std::string& text);

// The (foreground, background, shape) combinations the dataset leaves out, in every size,
// so a model can be judged on captions it never saw.
const std::vector<ShapeCaption>& held_out_shape_captions();
bool is_held_out(const ShapeCaption& caption);

// Every caption of the grammar (8 x 7 colour pairs x 4 shapes x 3 sizes).
std::vector<ShapeCaption> all_shape_captions();

struct ShapesDatasetOptions {
  int64_t count = 20000;
  uint64_t seed = 0;
  int size = 64;                 // square pictures of this many pixels
  double dot_probability = 0.2;  // centre dots
  int colour_jitter = 8;         // +- per channel around the palette colour
  bool include_held_out = false;
};

// The picture for a caption: position, exact size and colours from `rng_seed`. A caption
// that names a dot gets it; otherwise one is drawn with `dot_probability`, its colour
// written to `random_dot` when given.
ShapeDrawing shape_drawing_for(const ShapeCaption& caption, int image_size, uint64_t rng_seed,
                               double dot_probability = 0, int colour_jitter = 0, std::string* random_dot = nullptr);

// The (colour, shape, dot colour) combinations whose dot the dataset never names: the
// demo concept's, so textual inversion has to find it.
bool is_uncaptioned_dot(const ShapeCaption& caption_with_dot);

// Writes the dataset into `dir` (created) with a dataset.json manifest last. A folder that
// already holds a complete dataset of the same options is left as it is; one that holds
// anything else is refused. `progress(done, total)` is called as pictures are written.
void write_shapes_dataset(const std::string& dir, const ShapesDatasetOptions& options,
                          const std::function<void(int64_t, int64_t)>& progress = {});

// Training pictures of one object the grammar cannot name: a shape of one colour with a dot
// of another at its centre, on varied backgrounds, captioned "a {} on a COLOUR background"
// so textual inversion learns the object and not the background.
struct ConceptPicturesOptions {
  std::string colour = "yellow", shape = "star", dot_colour = "blue";
  std::string size = "big";     // "small", "" or "big"
  double dot_radius = 0.35;     // of the shape's radius
  int count = 6;
  uint64_t seed = 0;
  int image_size = 64;
};

// Writes NNNNN.png + NNNNN.txt into `dir` (created; must not hold pictures already).
void write_concept_pictures(const std::string& dir, const ConceptPicturesOptions& options);

}  // namespace mrti
