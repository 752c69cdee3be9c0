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

// Parses request.prompt and request.negative_prompt against `concepts` (throws
// PromptSyntaxError for bad references), checks the concepts fit the model, then samples.
MultiresResult multires_text_to_image(StableDiffusionModel& model, const TextToImageRequest& request,
                                      const ConceptSet& concepts, const MultiresOptions& options = {},
                                      const StepCallback& on_step = {}, const CancellationToken* cancel = nullptr);

// "cat: 10x1x768 (base sd15)" for each concept the prompts use, joined with "; " -- the
// Concepts field of a generated image's parameters. "" when none is used.
std::string concepts_parameter(const ConceptSet& concepts, const std::vector<std::string>& names);

}  // namespace mrti
