#pragma once
// StudioEngine's state, shared by its generation (studio_engine.cpp) and training
// (studio_training.cpp) halves. Private to engine/studio.
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "imaging/generation_parameters.h"
#include "models/stable_diffusion.h"
#include "multires/concept.h"
#include "multires/concept_library.h"
#include "multires/prompt_syntax.h"
#include "studio/studio_engine.h"
#include "text/clip_tokenizer.h"
#include "training/training_control.h"

namespace mrti::studio {

struct StudioEngine::Impl {
  std::unique_ptr<StableDiffusionModel> model;
  ModelInfo info;

  // The training run on `model`, while one runs on another thread. Generation is refused
  // while it steps, and allowed while it is paused (pause and probe): the concept as it
  // is at that step then stands in for the library's concept of that name.
  struct Training {
    TrainingControl* control = nullptr;
    std::string name;
    int64_t num_scales = 0;
    std::function<Concept()> snapshot;
  };
  mutable std::mutex training_mutex;
  Training training;
  // Training processes on this machine (this one as rank 0 and workers running `mrti`).
  int training_processes = 1;

  StableDiffusionModel& require_model() const;
  // Access to the model for generation: throws while a run is training, and waits for the
  // current step of a run that is pausing. Empty lock when no run is active.
  std::unique_lock<std::mutex> model_for_generation() const;
  void refuse_while_training(const std::string& what) const;
  // Adds the active run's concept to the known scales.
  void add_training_concept(ConceptScales& scales) const;
  // The concepts `used` from `lib`, with the active run's concept as it is now in place
  // of a library concept of its name.
  ConceptSet load_concepts(const ConceptLibrary& lib, const std::vector<std::string>& used) const;

  GenerationParameters base_parameters(const GenerateRequest& r, const ConceptSet& concepts,
                                       const std::vector<std::string>& used) const;
};

// One tokenizer per folder ("" = the bundled CLIP vocabulary), loaded on first use.
std::shared_ptr<const ClipTokenizer> shared_tokenizer(const std::string& tokenizer_dir);
// Makes a loaded model's tokenizer the one shared_tokenizer(its folder) returns.
void remember_tokenizer(const std::shared_ptr<const ClipTokenizer>& tokenizer);

}  // namespace mrti::studio
