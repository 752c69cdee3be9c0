#include "multires/multires_pipeline.h"

#include "models/stable_diffusion.h"

namespace mrti {

MultiresResult multires_text_to_image(StableDiffusionModel& model, const TextToImageRequest& request,
                                      const ConceptSet& concepts, const MultiresOptions& options,
                                      const StepCallback& on_step, const CancellationToken* cancel) {
  validate_request(request);
  MultiresResult out;
  const ConceptScales scales = scales_of(concepts);
  PromptParseOptions po;
  out.prompt = parse_prompt(request.prompt, scales, po);
  po.what = "negative prompt";
  out.negative_prompt = parse_prompt(request.negative_prompt, scales, po);
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
