#pragma once
// diffusers models/unets/unet_2d_blocks.py: the down, mid and up blocks of the SD UNet
// and of the VAE's encoder and decoder.
#include <cstdint>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include "models/attention_processor.h"
#include "models/resnet.h"
#include "models/transformer_2d_model.h"

namespace mrti {

// The settings of one block, as get_down_block / get_up_block pass them.
struct UNetBlockOptions {
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t prev_output_channels = 0;  // up blocks: channels coming from the block below
  int64_t temb_channels = 0;         // 0: no time embedding (VAE)
  int64_t num_layers = 1;
  double eps = 1e-5;
  Activation act = Activation::SiLU;
  int64_t groups = 32;
  double output_scale_factor = 1.0;
  bool skip_time_act = false;
  bool add_sampler = true;  // add_downsample / add_upsample
  int64_t downsample_padding = 1;
  // Cross-attention blocks.
  int64_t transformer_layers = 1;
  int64_t num_attention_heads = 8;
  int64_t cross_attention_dim = 0;
  bool use_linear_projection = false;
  bool only_cross_attention = false;
  bool upcast_attention = false;
};

// UNet down blocks append every output they produce to `skips` (for the up blocks).
// With `gradient_checkpointing`, each resnet and each attention of a block is
// checkpointed when a backward pass will follow (models/gradient_checkpoint.h);
// inference, which records no graph, runs exactly as without it.
class UNetDownBlock : public torch::nn::Module {
 public:
  bool gradient_checkpointing = false;
  virtual at::Tensor forward(at::Tensor hidden_states, const at::Tensor& temb, const at::Tensor& encoder_hidden_states,
                             std::vector<at::Tensor>& skips) = 0;
};

// UNet up blocks consume one skip per resnet from the back of `skips`.
class UNetUpBlock : public torch::nn::Module {
 public:
  bool gradient_checkpointing = false;
  virtual at::Tensor forward(at::Tensor hidden_states, std::vector<at::Tensor>& skips, const at::Tensor& temb,
                             const at::Tensor& encoder_hidden_states, at::IntArrayRef upsample_size) = 0;
  virtual size_t num_resnets() const = 0;
};

// Keys: resnets.N, downsamplers.0.
class DownBlock2DImpl : public UNetDownBlock {
 public:
  explicit DownBlock2DImpl(const UNetBlockOptions& options);
  at::Tensor forward(at::Tensor hidden_states, const at::Tensor& temb, const at::Tensor& encoder_hidden_states,
                     std::vector<at::Tensor>& skips) override;

  torch::nn::ModuleList resnets{nullptr}, downsamplers{nullptr};

 protected:
  std::vector<ResnetBlock2D> resnets_;
  Downsample2D downsampler_{nullptr};
};

// Keys: resnets.N, attentions.N, downsamplers.0.
class CrossAttnDownBlock2DImpl : public DownBlock2DImpl {
 public:
  explicit CrossAttnDownBlock2DImpl(const UNetBlockOptions& options);
  at::Tensor forward(at::Tensor hidden_states, const at::Tensor& temb, const at::Tensor& encoder_hidden_states,
                     std::vector<at::Tensor>& skips) override;

  torch::nn::ModuleList attentions{nullptr};

 private:
  std::vector<Transformer2DModel> attentions_;
};

// Keys: resnets.0, attentions.N, resnets.N+1.
class UNetMidBlock2DCrossAttnImpl : public torch::nn::Module {
 public:
  explicit UNetMidBlock2DCrossAttnImpl(const UNetBlockOptions& options);
  at::Tensor forward(at::Tensor hidden_states, const at::Tensor& temb, const at::Tensor& encoder_hidden_states);

  bool gradient_checkpointing = false;

  torch::nn::ModuleList resnets{nullptr}, attentions{nullptr};

 private:
  std::vector<ResnetBlock2D> resnets_;
  std::vector<Transformer2DModel> attentions_;
};
TORCH_MODULE(UNetMidBlock2DCrossAttn);

// Keys: resnets.N, upsamplers.0.
class UpBlock2DImpl : public UNetUpBlock {
 public:
  explicit UpBlock2DImpl(const UNetBlockOptions& options);
  at::Tensor forward(at::Tensor hidden_states, std::vector<at::Tensor>& skips, const at::Tensor& temb,
                     const at::Tensor& encoder_hidden_states, at::IntArrayRef upsample_size) override;
  size_t num_resnets() const override { return resnets_.size(); }

  torch::nn::ModuleList resnets{nullptr}, upsamplers{nullptr};

 protected:
  at::Tensor next_input(const at::Tensor& hidden_states, std::vector<at::Tensor>& skips) const;
  at::Tensor upsample(const at::Tensor& hidden_states, at::IntArrayRef upsample_size);

  std::vector<ResnetBlock2D> resnets_;
  Upsample2D upsampler_{nullptr};
};

// Keys: resnets.N, attentions.N, upsamplers.0.
class CrossAttnUpBlock2DImpl : public UpBlock2DImpl {
 public:
  explicit CrossAttnUpBlock2DImpl(const UNetBlockOptions& options);
  at::Tensor forward(at::Tensor hidden_states, std::vector<at::Tensor>& skips, const at::Tensor& temb,
                     const at::Tensor& encoder_hidden_states, at::IntArrayRef upsample_size) override;

  torch::nn::ModuleList attentions{nullptr};

 private:
  std::vector<Transformer2DModel> attentions_;
};

// VAE encoder block. Keys: resnets.N, downsamplers.0.
class DownEncoderBlock2DImpl : public torch::nn::Module {
 public:
  explicit DownEncoderBlock2DImpl(const UNetBlockOptions& options);
  at::Tensor forward(at::Tensor hidden_states);

  torch::nn::ModuleList resnets{nullptr}, downsamplers{nullptr};

 private:
  std::vector<ResnetBlock2D> resnets_;
  Downsample2D downsampler_{nullptr};
};
TORCH_MODULE(DownEncoderBlock2D);

// VAE decoder block. Keys: resnets.N, upsamplers.0.
class UpDecoderBlock2DImpl : public torch::nn::Module {
 public:
  explicit UpDecoderBlock2DImpl(const UNetBlockOptions& options);
  at::Tensor forward(at::Tensor hidden_states);

  torch::nn::ModuleList resnets{nullptr}, upsamplers{nullptr};

 private:
  std::vector<ResnetBlock2D> resnets_;
  Upsample2D upsampler_{nullptr};
};
TORCH_MODULE(UpDecoderBlock2D);

// VAE mid block: resnets.0, then attentions.N (single-head self-attention over all
// positions, with group_norm, biases and a residual) each followed by resnets.N+1.
class UNetMidBlock2DImpl : public torch::nn::Module {
 public:
  // options.num_attention_heads is ignored: heads = in_channels / attention_head_dim.
  UNetMidBlock2DImpl(const UNetBlockOptions& options, int64_t attention_head_dim, bool add_attention = true);
  at::Tensor forward(at::Tensor hidden_states, const at::Tensor& temb = {});

  torch::nn::ModuleList resnets{nullptr}, attentions{nullptr};

 private:
  std::vector<ResnetBlock2D> resnets_;
  std::vector<Attention> attentions_;
};
TORCH_MODULE(UNetMidBlock2D);

}  // namespace mrti
