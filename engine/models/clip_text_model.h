#pragma once
// transformers' CLIPTextModel: token + position embeddings, a causal pre-LayerNorm
// transformer, a final LayerNorm. Parameter names match transformers' state dicts
// (text_model.embeddings.token_embedding.weight, text_model.encoder.layers.N...).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "tensor_io/tensor_map.h"

namespace mrti {

// text_encoder/config.json. Defaults are those of SD 1.x (openai/clip-vit-large-patch14).
struct ClipTextConfig {
  int64_t vocab_size = 49408;
  int64_t hidden_size = 768;
  int64_t intermediate_size = 3072;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t max_position_embeddings = 77;
  std::string hidden_act = "quick_gelu";  // "quick_gelu" (SD 1.x) or "gelu" (SD 2.x, OpenCLIP)
  double layer_norm_eps = 1e-5;
  std::optional<int64_t> projection_dim;  // unused by the text model itself; kept for the config round trip
  int64_t bos_token_id = 0;
  int64_t eos_token_id = 2;
  int64_t pad_token_id = 1;

  // Missing fields keep their defaults; wrong types or impossible values throw
  // mrti::Error naming `source` and the field.
  static ClipTextConfig from_json(const nlohmann::json& j, const std::string& source = "config");
  static ClipTextConfig from_file(const std::string& path);
  nlohmann::json to_json() const;
};

struct ClipTextForwardOptions {
  // Keep every hidden state (embedding output, then each layer's output, as transformers'
  // output_hidden_states) in ClipTextOutput::hidden_states.
  bool output_hidden_states = false;
  // > 0: last_hidden_state is final_layer_norm(hidden_states[-(clip_skip + 1)]), as
  // diffusers' clip_skip does; the skipped layers are not run.
  int clip_skip = 0;
};

struct ClipTextOutput {
  torch::Tensor last_hidden_state;           // [B, T, D], after final_layer_norm
  torch::Tensor pooler_output;               // [B, D], last_hidden_state at argmax(input_ids) per row
  std::vector<torch::Tensor> hidden_states;  // only with output_hidden_states
};

class ClipAttentionImpl : public torch::nn::Module {
 public:
  explicit ClipAttentionImpl(const ClipTextConfig& config);
  // Causal self-attention over x [B, T, D].
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};

 private:
  int64_t heads_;
  int64_t head_dim_;
};
TORCH_MODULE(ClipAttention);

class ClipMlpImpl : public torch::nn::Module {
 public:
  explicit ClipMlpImpl(const ClipTextConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear fc1{nullptr}, fc2{nullptr};

 private:
  bool quick_gelu_;
};
TORCH_MODULE(ClipMlp);

class ClipEncoderLayerImpl : public torch::nn::Module {
 public:
  explicit ClipEncoderLayerImpl(const ClipTextConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

  ClipAttention self_attn{nullptr};
  torch::nn::LayerNorm layer_norm1{nullptr};
  ClipMlp mlp{nullptr};
  torch::nn::LayerNorm layer_norm2{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

class ClipTextEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit ClipTextEmbeddingsImpl(const ClipTextConfig& config);
  torch::nn::Embedding token_embedding{nullptr};
  torch::nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(ClipTextEmbeddings);

class ClipEncoderImpl : public torch::nn::Module {
 public:
  explicit ClipEncoderImpl(const ClipTextConfig& config);
  torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(ClipEncoder);

class ClipTextTransformerImpl : public torch::nn::Module {
 public:
  explicit ClipTextTransformerImpl(const ClipTextConfig& config);
  ClipTextEmbeddings embeddings{nullptr};
  ClipEncoder encoder{nullptr};
  torch::nn::LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(ClipTextTransformer);

class ClipTextModelImpl : public torch::nn::Module {
 public:
  explicit ClipTextModelImpl(const ClipTextConfig& config = {});

  // input_ids [B, T] integer, T <= max_position_embeddings. No padding mask: the SD
  // pipelines attend over the padding too (only the causal mask applies).
  ClipTextOutput forward(const torch::Tensor& input_ids, const ClipTextForwardOptions& options = {});

  // The same model from token embeddings [B, T, D] (before the position embedding is
  // added), so a caller can substitute rows (per-time-step concept embeddings, zero
  // vectors). input_ids [B, T] are only used to pick the pooled position. Gradients flow
  // into token_embeds.
  ClipTextOutput forward_embeds(const torch::Tensor& token_embeds, const torch::Tensor& input_ids,
                                const ClipTextForwardOptions& options = {});

  // token_embedding(input_ids): [B, T, D], in the dtype the model computes in
  // (runtime/bfloat16_math.h).
  torch::Tensor embed_tokens(const torch::Tensor& input_ids);
  // The token embedding matrix [vocab, D] (the parameter itself: writes and gradients reach the model).
  torch::Tensor& token_embedding_weight();
  // Grows (or shrinks) the vocabulary to `new_vocab_size` rows, keeping existing rows;
  // new rows are zero until the caller fills them. Updates config().vocab_size.
  void resize_token_embeddings(int64_t new_vocab_size);

  const ClipTextConfig& config() const { return config_; }

  ClipTextTransformer text_model{nullptr};

 private:
  ClipTextConfig config_;
};
TORCH_MODULE(ClipTextModel);

// Loads a transformers text-encoder state dict into `model`. Keys the model does not
// use (text_model.embeddings.position_ids, written by older transformers) are ignored;
// anything else missing, unexpected or of the wrong shape throws mrti::Error naming the
// key and `source`.
void load_clip_text_weights(ClipTextModel& model, const TensorMap& weights, const std::string& source);

}  // namespace mrti
