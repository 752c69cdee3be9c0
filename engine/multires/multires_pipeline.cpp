#include "multires/multires_pipeline.h"

#include <algorithm>

#include "models/stable_diffusion.h"

namespace mrti {

std::vector<std::string> ParsedPrompts::concept_names() const {
  auto names = prompt.concept_names();
  for (const auto& n : negative.concept_names())
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  return names;
}

ParsedPrompts parse_prompts(const TextToImageRequest& request, const ConceptScales& scales) {
  ParsedPrompts p;
  PromptParseOptions po;
  p.prompt = parse_prompt(request.prompt, scales, po);
  po.what = "negative prompt";
  p.negative = parse_prompt(request.negative_prompt, scales, po);
  return p;
}

MultiresResult multires_text_to_image(StableDiffusionModel& model, const TextToImageRequest& request,
                                      const ConceptSet& concepts, const MultiresOptions& options,
                                      const StepCallback& on_step, const CancellationToken* cancel) {
  return multires_text_to_image(model, request, parse_prompts(request, scales_of(concepts)), concepts, options,
                                on_step, cancel);
}

MultiresResult multires_text_to_image(StableDiffusionModel& model, const TextToImageRequest& request,
                                      ParsedPrompts prompts, const ConceptSet& concepts,
                                      const MultiresOptions& options, const StepCallback& on_step,
                                      const CancellationToken* cancel) {
  MultiresResult out;
  out.prompt = std::move(prompts.prompt);
  out.negative_prompt = std::move(prompts.negative);
  MultiresConditioning positive(model, out.prompt, concepts, options);
  MultiresConditioning negative(model, out.negative_prompt, concepts, options);
  for (const auto& w : positive.warnings()) out.warnings.push_back(w);
  for (const auto& w : negative.warnings()) out.warnings.push_back("negative prompt: " + w);
  out.result = sample(model, request, positive, negative, on_step, cancel);
  out.encoder_runs = positive.encoder_runs() + negative.encoder_runs();
  return out;
}

std::string concepts_parameter(const ConceptSet& concepts, const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) {
    auto it = concepts.find(n);
    if (it == concepts.end()) continue;
    const Concept& c = it->second;
    std::string item = n + ": " + std::to_string(c.num_scales()) + "x" + std::to_string(c.vectors_per_token()) + "x" +
                       std::to_string(c.token_dim());
    if (!c.base_model.empty()) item += " (base " + c.base_model + ")";
    s += (s.empty() ? "" : "; ") + item;
  }
  return s;
}

}  // namespace mrti
