#pragma once
// Stage two of a from-scratch model: a UNet2DConditionModel and a CLIPTextModel trained
// together on a folder's captioned pictures (NNNNN.png + NNNNN.txt), over the latents of
// a trained VAE. The VAE posterior of every picture and the token ids of every caption are
// computed once; a step draws pictures, timesteps and noise from the seeded generator and
// replaces a share of the captions by the empty one (classifier-free guidance). Its
// output is a whole diffusers folder: tokenizer, text encoder, UNet, the VAE, scheduler.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "models/autoencoder_kl.h"
#include "models/clip_text_model.h"
#include "models/unet_2d_condition_model.h"
#include "text/clip_tokenizer.h"
#include "training/dataset.h"
#include "training/model_trainer.h"

namespace mrti {

class Scheduler;
struct StableDiffusionModel;

class TextToImageTrainer : public ModelTrainer {
 public:
  // `vae_dir`: a trained VAE folder (config.json + weights); `tokenizer_dir`: a CLIP
  // tokenizer (vocab.json, merges.txt). `progress(done, total)` follows the latent cache.
  TextToImageTrainer(ModelTrainingSettings settings, std::shared_ptr<const TrainingDataset> data,
                     const std::string& vae_dir, const std::string& tokenizer_dir,
                     const std::function<void(int64_t, int64_t)>& progress = {});
  ~TextToImageTrainer() override;

  std::vector<std::string> loss_columns() const override { return {}; }
  void write_output(const std::string& dir) const override;
  Image preview() const override;

  // The model with the averaged weights, ready to generate.
  StableDiffusionModel averaged_model() const;
  // Captions the previews show (held-out ones first).
  static std::vector<std::string> preview_captions();

 protected:
  at::Tensor batch_loss(std::vector<double>& parts) override;

 private:
  std::shared_ptr<const TrainingDataset> data_;
  std::string vae_dir_, tokenizer_dir_;
  nlohmann::json unet_json_, text_json_, scheduler_json_;
  std::shared_ptr<ClipTokenizer> tokenizer_;
  AutoencoderKL vae_{nullptr};
  UNet2DConditionModel unet_{nullptr};
  ClipTextModel text_encoder_{nullptr};
  std::unique_ptr<Scheduler> noise_scheduler_;
  at::Tensor latent_mean_, latent_std_;  // [M, C, h, w] unscaled posterior per picture
  at::Tensor ids_;                       // [M, 77] caption ids
  at::Tensor empty_ids_;                 // [77] the empty caption
  double scaling_factor_ = 1;
  bool v_prediction_ = false;
  int64_t T_ = 1000;
};

// model_index.json's "_mrti_defaults": what the app and the command line use for a model
// when the user names nothing else.
nlohmann::json demo_generation_defaults(int resolution);

}  // namespace mrti
