#pragma once
// What every picture's PNG records of how it was made, built in one place for the command
// line and the studio.
#include <string>

#include "imaging/generation_parameters.h"
#include "pipeline/sampling_parameters.h"

namespace mrti {

struct StableDiffusionModel;

// The name a model is shown and recorded under: its folder's or file's name.
std::string model_name_of(const std::string& path);

// The request's settings (prompt, negative prompt, steps, guidance, size, the work-saving
// options) and how the model ran them (its name from `model_path`, the sampler's display name,
// device, precision, int8 weights). Callers add the seed, concepts and their own extras.
GenerationParameters picture_parameters(const StableDiffusionModel& model, const std::string& model_path,
                                        const SamplingParameters& request);

}  // namespace mrti
