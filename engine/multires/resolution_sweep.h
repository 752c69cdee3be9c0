#pragma once
// One prompt rendered at every resolution of one concept, with the same seed, side by
// side: how the concept's level of detail changes with k.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "imaging/image.h"
#include "multires/multires_pipeline.h"

namespace mrti {

struct ResolutionSweepRequest {
  // prompt: a template where "{}" stands for the concept reference ("a painting of {}").
  // batch must be 1; the seed (drawn once when < 0) or initial_latents serve every image.
  TextToImageRequest base;
  std::string concept_name;
  ResolutionForm form = ResolutionForm::fixed;
  std::vector<int64_t> resolutions;  // empty: 0 .. N-1
  int columns = 0;                   // grid columns; 0 = all in one row
  int padding = 0;                   // grid padding in pixels
};

struct ResolutionSweepResult {
  std::vector<int64_t> resolutions;
  std::vector<std::string> prompts;  // the prompt each image used
  std::vector<Image> images;
  std::vector<at::Tensor> final_latents;
  Image grid;
  int64_t seed = -1;
  std::string sampler;  // command-line name actually used
  std::vector<std::string> warnings;
};

// (image index, image count, the step event of that image)
using SweepProgress = std::function<void(int image, int images, const StepEvent& step)>;

// "{}" in `prompt_template` replaced by `reference`; throws when there is no "{}".
std::string fill_prompt_template(const std::string& prompt_template, const std::string& reference);

ResolutionSweepResult resolution_sweep(StableDiffusionModel& model, const ResolutionSweepRequest& request,
                                       const ConceptSet& concepts, const MultiresOptions& options = {},
                                       const SweepProgress& progress = {}, const CancellationToken* cancel = nullptr);

}  // namespace mrti
