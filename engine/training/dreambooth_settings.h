#pragma once
// What a DreamBooth run is asked to do: the trainer's settings and the run's (folders,
// checkpoint and preview cadence). One record filled by the command line (its options bind
// into it), the desktop app (through the studio facade) and settings.json; torch-free.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "training/lr_schedule.h"

namespace mrti {

struct DreamBoothSettings {
  std::string name, init_token;
  int64_t num_scales = 10;
  std::string instance_template = "a photo of {}";  // {} = <name|i|>
  std::string class_prompt;   // prior preservation: e.g. "a photo of a dog"
  int num_class_images = 0;   // 0 = no prior preservation
  double prior_loss_weight = 1.0;
  int class_sampling_steps = 25;
  int resolution = 512;
  double flip_probability = 0.5;
  int64_t steps = 400;
  int batch_size = 1;  // instance images per micro-batch (and as many class images)
  int grad_accum = 1;  // micro-batches per optimizer step
  double lr = 5e-6;            // UNet
  double embedding_lr = 5e-3;  // concept embeddings; 0 keeps them at the initializer
  // The UNet's rate over the steps (lr_schedule.h); the other groups follow in proportion.
  std::string lr_schedule = "constant";
  int64_t warmup_steps = 0;
  bool scale_lr = false;  // multiply every rate by batch_size x grad_accum
  double weight_decay = 1e-2;
  int64_t seed = 0;
  bool gradient_checkpointing = false;  // recompute UNet activations in backward (less memory)
  bool train_text_encoder = false;
  double text_encoder_lr = 5e-6;

  // The keys of settings.json, one per member (settings_json.h).
  template <class Self, class Visit>
  static void fields(Self& s, Visit&& f) {
    f("name", s.name);
    f("init_token", s.init_token);
    f("num_scales", s.num_scales);
    f("instance_template", s.instance_template);
    f("class_prompt", s.class_prompt);
    f("num_class_images", s.num_class_images);
    f("prior_loss_weight", s.prior_loss_weight);
    f("class_sampling_steps", s.class_sampling_steps);
    f("resolution", s.resolution);
    f("flip_probability", s.flip_probability);
    f("steps", s.steps);
    f("batch_size", s.batch_size);
    f("grad_accum", s.grad_accum);
    f("lr", s.lr);
    f("lr_schedule", s.lr_schedule);
    f("warmup_steps", s.warmup_steps);
    f("scale_lr", s.scale_lr);
    f("embedding_lr", s.embedding_lr);
    f("weight_decay", s.weight_decay);
    f("seed", s.seed);
    f("gradient_checkpointing", s.gradient_checkpointing);
    f("train_text_encoder", s.train_text_encoder);
    f("text_encoder_lr", s.text_encoder_lr);
  }
  nlohmann::json to_json() const;
  // Missing keys keep their defaults; wrong types throw naming the key.
  static DreamBoothSettings from_json(const nlohmann::json& j);
  // Throws mrti::Error naming the first bad setting.
  void validate() const;
  double scaled_lr_factor() const { return scale_lr ? double(batch_size) * grad_accum : 1.0; }
  LrSchedule make_schedule() const;  // the UNet's rate per step
};

struct DreamBoothRunSettings {
  // Paths are recorded absolute, so a run resumes from any working folder.
  std::string model_path;     // the base model's diffusers folder (recorded; the caller loads it)
  std::string data_dir;       // instance images
  std::string class_dir;      // prior preservation: "" = out_dir/class-images
  std::string out_dir;        // the run folder
  std::string model_out_dir;  // the fine-tuned diffusers folder: "" = out_dir/model
  std::string library_dir;    // "" = do not save the concept into a concept library
  // The finished concept may replace a same-named one in the library (else the run
  // refuses to start, as that concept may exist nowhere else).
  bool replace_library_concept = false;
  DreamBoothSettings training;
  int64_t checkpoint_every = 100;  // 0 = only at the end and on cancel
  int64_t preview_every = 0;       // 0 = no previews
  std::string preview_prompt = "a photo of {}";  // {} = <name|k|>
  int preview_steps = 20;
  int64_t preview_seed = 1234;
  std::vector<int64_t> preview_scales;  // empty: 0, N/2, N-1

  std::string class_images_dir() const { return class_dir.empty() ? out_dir + "/class-images" : class_dir; }
  std::string model_output_dir() const { return model_out_dir.empty() ? out_dir + "/model" : model_out_dir; }
  // The training settings' and the cadence's checks (run_folder.h): what both a new run
  // and a resume require. Throws mrti::Error naming the first bad setting.
  void validate() const;
};

}  // namespace mrti
