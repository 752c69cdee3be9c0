#pragma once
// Judging what a model trained on the shapes dataset (shapes_dataset.h) draws: generate
// pictures of captions and read back, with judge_shape, their foreground colour,
// background colour and shape; and, for a concept with a detail the captions cannot name
// (a dot of some colour at a shape's centre), how often each resolution form and level
// shows the detail and keeps the coarse identity.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "imaging/shapes.h"
#include "multires/concept.h"
#include "pipeline/text_to_image_pipeline.h"
#include "training/shapes_dataset.h"

namespace mrti {

struct StableDiffusionModel;

struct ShapesScore {
  int images = 0, foreground = 0, background = 0, shape = 0, all = 0;
  double rate(int n) const { return images ? double(n) / images : 0; }
};

struct JudgedPicture {
  std::string caption;
  int64_t seed = 0;
  Image image;
  ShapeVerdict verdict;
};

struct ShapesEvaluation {
  ShapesScore score;
  std::vector<JudgedPicture> pictures;
};

// `seeds_per_caption` pictures of each caption (seeds first_seed, first_seed + 1, ...),
// with `base`'s size, sampler, steps and guidance.
ShapesEvaluation evaluate_shape_captions(StableDiffusionModel& model, const std::vector<ShapeCaption>& captions,
                                         int seeds_per_caption, int64_t first_seed, const TextToImageRequest& base,
                                         const std::function<void(int, int)>& progress = {});

// What a concept should look like: its coarse identity and its fine detail.
struct ConceptLook {
  std::string colour, shape;  // the coarse identity
  std::string detail_colour;  // the dot at the centre
};

struct ConceptDetailRow {
  std::string form;  // "fixed", "fully", "semi"
  int64_t k = 0;
  int images = 0;
  int detail = 0;  // pictures showing the dot
  int coarse = 0;  // pictures keeping the colour and shape
  std::vector<Image> examples;  // the first few pictures
};

// For each form and each k in 0 .. N-1: `seeds` pictures judged against `look`, shared
// out in turn among `prompts` ({} = the reference, e.g. "a {} on a red background"):
// a concept is judged on several backgrounds, as a person would use it, not on one.
std::vector<ConceptDetailRow> evaluate_concept_detail(StableDiffusionModel& model, const Concept& concept,
                                                      const std::vector<std::string>& prompts,
                                                      const ConceptLook& look, int seeds,
                                                      int64_t first_seed, const TextToImageRequest& base,
                                                      const std::vector<std::string>& forms = {"fixed", "fully", "semi"},
                                                      int examples = 4,
                                                      const std::function<void(int, int)>& progress = {});

// "a {} on a COLOUR background" for every palette colour other than the concept's two.
std::vector<std::string> concept_background_prompts(const ConceptLook& look);

// "<c|k|>", "<c[k]>" or "<c(k)>".
std::string concept_reference(const std::string& name, const std::string& form, int64_t k);

}  // namespace mrti
