#include "multires/resolution_sweep.h"

#include <algorithm>

#include "imaging/grid.h"
#include "runtime/error.h"
#include "runtime/random_seed.h"

namespace mrti {

std::string fill_prompt_template(const std::string& prompt_template, const std::string& reference) {
  if (prompt_template.find("{}") == std::string::npos)
    throw Error("the sweep prompt '" + prompt_template + "' has no {} where the concept goes, e.g. \"a painting of {}\"");
  std::string out;
  std::size_t i = 0;
  while (true) {
    const std::size_t p = prompt_template.find("{}", i);
    if (p == std::string::npos) break;
    out += prompt_template.substr(i, p - i) + reference;
    i = p + 2;
  }
  return out + prompt_template.substr(i);
}

ResolutionSweepResult resolution_sweep(StableDiffusionModel& model, const ResolutionSweepRequest& request,
                                       const ConceptSet& concepts, const MultiresOptions& options,
                                       const SweepProgress& progress, const CancellationToken* cancel) {
  if (request.base.batch != 1) throw Error("a resolution sweep renders one image per resolution: batch must be 1");
  auto it = concepts.find(request.concept_name);
  if (it == concepts.end()) throw Error("concept '" + request.concept_name + "' is not loaded");
  const int64_t N = it->second.num_scales();
  ResolutionSweepResult out;
  out.resolutions = request.resolutions;
  if (out.resolutions.empty())
    for (int64_t k = 0; k < N; ++k) out.resolutions.push_back(k);
  for (int64_t k : out.resolutions)
    if (k < 0 || k >= N)
      throw Error("resolution " + std::to_string(k) + " is out of range: concept '" + request.concept_name + "' has " +
                  std::to_string(N) + " resolutions, 0.." + std::to_string(N - 1));
  (void)fill_prompt_template(request.base.prompt, "");  // fail before any work
  validate_request(request.base);

  TextToImageRequest r = request.base;
  if (r.seed < 0 && !r.initial_latents.defined()) r.seed = random_seed();
  out.seed = r.seed;
  const int count = static_cast<int>(out.resolutions.size());
  for (int i = 0; i < count; ++i) {
    check_cancelled(cancel);
    ConceptRef ref;
    ref.name = request.concept_name;
    ref.form = request.form;
    ref.index = out.resolutions[i];
    ref.num_scales = N;
    r.prompt = fill_prompt_template(request.base.prompt, format_concept_ref(ref));
    StepCallback on_step;
    if (progress) on_step = [&](const StepEvent& ev) { progress(i, count, ev); };
    MultiresResult m = multires_text_to_image(model, r, concepts, options, on_step, cancel);
    for (const auto& w : m.warnings)
      if (std::find(out.warnings.begin(), out.warnings.end(), w) == out.warnings.end()) out.warnings.push_back(w);
    out.prompts.push_back(r.prompt);
    out.images.push_back(m.result.images.at(0));
    out.final_latents.push_back(m.result.final_latents);
    out.sampler = m.result.sampler;
  }
  const int columns = request.columns > 0 ? request.columns : count;
  out.grid = make_grid(out.images, columns, request.padding);
  return out;
}

}  // namespace mrti
