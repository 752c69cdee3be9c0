#include "training/shapes_evaluation.h"

#include <torch/torch.h>

#include "models/stable_diffusion.h"
#include "multires/multires_pipeline.h"
#include "runtime/error.h"
#include "training/caption_templates.h"

namespace mrti {

std::string concept_reference(const std::string& name, const std::string& form, int64_t k) {
  const std::string n = std::to_string(k);
  if (form == "fixed") return "<" + name + "|" + n + "|>";
  if (form == "fully") return "<" + name + "[" + n + "]>";
  if (form == "semi") return "<" + name + "(" + n + ")>";
  throw Error("unknown resolution form '" + form + "': use fixed, fully or semi");
}

ShapesEvaluation evaluate_shape_captions(StableDiffusionModel& model, const std::vector<ShapeCaption>& captions,
                                         int seeds_per_caption, int64_t first_seed, const TextToImageRequest& base,
                                         const std::function<void(int, int)>& progress) {
  if (seeds_per_caption < 1) throw Error("at least one seed per caption is needed");
  ShapesEvaluation out;
  int done = 0;
  for (const auto& c : captions) {
    TextToImageRequest r = base;
    r.prompt = c.text();
    r.seed = first_seed;
    r.batch = seeds_per_caption;
    r.previews = false;
    const TextToImageResult result = text_to_image(model, r);
    for (std::size_t i = 0; i < result.images.size(); ++i) {
      JudgedPicture p{r.prompt, result.seeds[i], result.images[i], judge_shape(result.images[i])};
      ShapesScore& s = out.score;
      ++s.images;
      const bool fg = p.verdict.foreground == c.foreground, bg = p.verdict.background == c.background,
                 shape = p.verdict.shape == c.shape;
      s.foreground += fg;
      s.background += bg;
      s.shape += shape;
      s.all += fg && bg && shape;
      out.pictures.push_back(std::move(p));
    }
    if (progress) progress(++done, int(captions.size()));
  }
  return out;
}

std::vector<std::string> concept_background_prompts(const ConceptLook& look) {
  std::vector<std::string> out;
  for (const auto& c : shape_palette())
    if (c.name != look.colour && c.name != look.detail_colour) out.push_back("a {} on a " + c.name + " background");
  return out;
}

std::vector<ConceptDetailRow> evaluate_concept_detail(StableDiffusionModel& model, const Concept& concept,
                                                      const std::vector<std::string>& prompts,
                                                      const ConceptLook& look, int seeds, int64_t first_seed,
                                                      const TextToImageRequest& base,
                                                      const std::vector<std::string>& forms, int examples,
                                                      const std::function<void(int, int)>& progress) {
  if (seeds < 1) throw Error("at least one seed is needed");
  if (prompts.empty()) throw Error("at least one prompt is needed");
  ConceptSet concepts;
  concepts[concept.name] = concept;
  const int64_t N = concept.num_scales();
  const int P = int(prompts.size());
  std::vector<ConceptDetailRow> rows;
  const int total = int(forms.size() * N);
  for (const auto& form : forms)
    for (int64_t k = 0; k < N; ++k) {
      ConceptDetailRow row;
      row.form = form;
      row.k = k;
      std::vector<std::vector<Image>> per_prompt;
      for (int p = 0; p < P && p < seeds; ++p) {
        TextToImageRequest r = base;
        r.prompt = fill_caption(prompts[p], concept_reference(concept.name, form, k));
        r.seed = first_seed + int64_t(p) * seeds;  // the same seeds at every k and form
        r.batch = seeds / P + (p < seeds % P ? 1 : 0);
        r.previews = false;
        per_prompt.push_back(multires_text_to_image(model, r, concepts).result.images);
        for (const auto& img : per_prompt.back()) {
          const ShapeVerdict v = judge_shape(img);
          ++row.images;
          row.detail += shows_dot(v, look.detail_colour);
          row.coarse += v.foreground == look.colour && v.shape == look.shape;
        }
      }
      // Examples in turn from each prompt, so a sweep grid shows every background.
      for (std::size_t i = 0; int(row.examples.size()) < examples && i < std::size_t(seeds); ++i)
        for (std::size_t p = 0; p < per_prompt.size() && int(row.examples.size()) < examples; ++p)
          if (i < per_prompt[p].size()) row.examples.push_back(per_prompt[p][i]);
      rows.push_back(std::move(row));
      if (progress) progress(int(rows.size()), total);
    }
  return rows;
}

}  // namespace mrti
