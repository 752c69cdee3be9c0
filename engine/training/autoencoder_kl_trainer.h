#pragma once
// Stage one of a from-scratch model: an AutoencoderKL trained on a folder's pictures with
// an L1 reconstruction loss and a small KL term. Its output is a diffusers `vae` folder
// whose scaling_factor makes the scaled latents of the training pictures unit-variance.
#include <memory>

#include "models/autoencoder_kl.h"
#include "training/dataset.h"
#include "training/model_trainer.h"

namespace mrti {

class AutoencoderKLTrainer : public ModelTrainer {
 public:
  AutoencoderKLTrainer(ModelTrainingSettings settings, std::shared_ptr<const TrainingDataset> data);

  std::vector<std::string> loss_columns() const override { return {"reconstruction", "kl"}; }
  void write_output(const std::string& dir) const override;
  Image preview() const override;

  AutoencoderKL& vae() { return vae_; }
  // The averaged weights in a new module.
  AutoencoderKL averaged_vae() const;

 protected:
  at::Tensor batch_loss(std::vector<double>& parts) override;

 private:
  std::shared_ptr<const TrainingDataset> data_;
  nlohmann::json config_json_;
  AutoencoderKL vae_{nullptr};
};

}  // namespace mrti
