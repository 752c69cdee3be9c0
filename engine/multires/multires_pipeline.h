#pragma once
// Text to image with concept references in the prompt and the negative prompt: the
// sampling loop of text_to_image_pipeline.h, conditioned per timestep.
#include <string>
#include <vector>

#include "multires/concept_library.h"
#include "multires/multires_conditioning.h"
#include "pipeline/text_to_image_pipeline.h"

namespace mrti {

struct MultiresResult {
  TextToImageResult result;
  ParsedPrompt prompt, negative_prompt;
  std::vector<std::string> warnings;  // '<' left as text, prompts cut to fit, ...
  int encoder_runs = 0;               // text-encoder runs, prompt and negative together
};

// A request's prompt and negative prompt, parsed once.
struct ParsedPrompts {
  ParsedPrompt prompt, negative;
  std::vector<std::string> concept_names() const;  // both prompts', distinct, in order of first use
};
// Throws PromptSyntaxError for a bad reference or a name `scales` does not have.
ParsedPrompts parse_prompts(const TextToImageRequest& request, const ConceptScales& scales);

// Samples with the parsed prompts, after checking the concepts fit the model (sample()
// checks the request).
MultiresResult multires_text_to_image(StableDiffusionModel& model, const TextToImageRequest& request,
                                      ParsedPrompts prompts, const ConceptSet& concepts,
                                      const MultiresOptions& options = {}, const StepCallback& on_step = {},
                                      const CancellationToken* cancel = nullptr);
// The same, parsing the prompts against `concepts` first.
MultiresResult multires_text_to_image(StableDiffusionModel& model, const TextToImageRequest& request,
                                      const ConceptSet& concepts, const MultiresOptions& options = {},
                                      const StepCallback& on_step = {}, const CancellationToken* cancel = nullptr);

// "cat: 10x1x768 (base sd15)" for each concept the prompts use, joined with "; " -- the
// Concepts field of a generated image's parameters. "" when none is used.
std::string concepts_parameter(const ConceptSet& concepts, const std::vector<std::string>& names);

}  // namespace mrti
