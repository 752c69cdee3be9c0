#pragma once
// What a textual-inversion run is asked to do: the trainer's settings and the run's (folders,
// checkpoint and preview cadence). One record filled by the command line (its options bind
// into it), the desktop app (through the studio facade) and settings.json; torch-free.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "training/lr_schedule.h"

namespace mrti {

struct TextualInversionSettings {
  std::string name;        // the concept's name (a valid concept name)
  std::string init_token;  // a word that is ONE token; every e_i starts from its embedding
  int64_t num_scales = 10;
  int64_t vectors_per_token = 1;
  std::string property = "object";  // caption templates: "object" or "style"
  int resolution = 512;
  bool center_crop = true;
  double flip_probability = 0.5;
  int min_image_size = 64;
  int64_t steps = 3000;       // optimizer steps
  int batch_size = 1;
  int grad_accum = 1;
  double lr = 5e-3;
  bool scale_lr = false;      // lr x batch_size x grad_accum
  std::string lr_schedule = "constant";  // or constant_with_warmup, cosine, "5e-3:200, 1e-3:1000, 5e-4"
  int64_t warmup_steps = 0;
  double adam_beta1 = 0.9, adam_beta2 = 0.999, weight_decay = 1e-2, adam_eps = 1e-8;
  int64_t seed = 0;
  bool cache_latents = true;  // VAE posterior once per image and flip (centre crops only)
  std::string precision = "fp32";    // the model's dtype: "fp32", "bf16" or "fp16" (CUDA only)
  bool gradient_checkpointing = false;  // recompute UNet activations in backward (less memory)

  // The keys of settings.json, one per member (settings_json.h).
  template <class Self, class Visit>
  static void fields(Self& s, Visit&& f) {
    f("name", s.name);
    f("init_token", s.init_token);
    f("num_scales", s.num_scales);
    f("vectors_per_token", s.vectors_per_token);
    f("property", s.property);
    f("resolution", s.resolution);
    f("center_crop", s.center_crop);
    f("flip_probability", s.flip_probability);
    f("min_image_size", s.min_image_size);
    f("steps", s.steps);
    f("batch_size", s.batch_size);
    f("grad_accum", s.grad_accum);
    f("lr", s.lr);
    f("scale_lr", s.scale_lr);
    f("lr_schedule", s.lr_schedule);
    f("warmup_steps", s.warmup_steps);
    f("adam_beta1", s.adam_beta1);
    f("adam_beta2", s.adam_beta2);
    f("weight_decay", s.weight_decay);
    f("adam_eps", s.adam_eps);
    f("seed", s.seed);
    f("cache_latents", s.cache_latents);
    f("precision", s.precision);
    f("gradient_checkpointing", s.gradient_checkpointing);
  }
  nlohmann::json to_json() const;
  // Missing keys keep their defaults; wrong types throw naming the key.
  static TextualInversionSettings from_json(const nlohmann::json& j);
  // Throws mrti::Error naming the first bad setting.
  void validate() const;
  double scaled_lr_factor() const { return scale_lr ? double(batch_size) * grad_accum : 1.0; }
  LrSchedule make_schedule() const;
};

struct TrainingRunSettings {
  // Paths are recorded absolute, so a run resumes from any working folder.
  std::string model_path;  // recorded for resume; the caller loads the model
  std::string data_dir;
  std::string out_dir;
  std::string library_dir;  // "" = do not save into a concept library
  // The finished concept may replace a same-named one in the library (else the run
  // refuses to start, as that concept may exist nowhere else).
  bool replace_library_concept = false;
  TextualInversionSettings training;
  int64_t checkpoint_every = 500;  // 0 = only at the end and on cancel
  int64_t preview_every = 0;       // 0 = no previews
  std::string preview_prompt = "a photo of {}";  // {} = <name|k|>
  int preview_steps = 20;
  int64_t preview_seed = 1234;
  std::vector<int64_t> preview_scales;  // empty: 0, N/2, N-1
  int thumbnail_size = 128;

  // The training settings' and the cadence's checks (run_folder.h): what both a new run
  // and a resume require. Throws mrti::Error naming the first bad setting.
  void validate() const;
};

}  // namespace mrti
