#include "models/clip_text_model.h"

#include <cmath>
#include <limits>

#include <torch/nn/functional/activation.h>
#include <torch/torch.h>

#include "models/config_json.h"
#include "models/int8_linear.h"
#include "models/layer_forward.h"
#include "runtime/bfloat16_math.h"
#include "runtime/error.h"
#include "tensor_io/state_dict.h"

namespace mrti {

ClipTextConfig ClipTextConfig::from_json(const nlohmann::json& j, const std::string& source) {
  ConfigFields f(j, source);
  ClipTextConfig c;
  auto positive = [&](const char* key, int64_t fallback) {
    const int64_t v = f.get_int(key, fallback);
    if (v < 1) f.fail(key, "must be positive, got " + std::to_string(v));
    return v;
  };
  c.vocab_size = positive("vocab_size", c.vocab_size);
  c.hidden_size = positive("hidden_size", c.hidden_size);
  c.intermediate_size = positive("intermediate_size", c.intermediate_size);
  c.num_hidden_layers = positive("num_hidden_layers", c.num_hidden_layers);
  c.num_attention_heads = positive("num_attention_heads", c.num_attention_heads);
  c.max_position_embeddings = positive("max_position_embeddings", c.max_position_embeddings);
  c.bos_token_id = f.get_int("bos_token_id", c.bos_token_id);
  c.eos_token_id = f.get_int("eos_token_id", c.eos_token_id);
  c.pad_token_id = f.get_int("pad_token_id", c.pad_token_id);
  if (f.has("projection_dim")) c.projection_dim = f.get_int("projection_dim");
  c.hidden_act = f.get_string("hidden_act", c.hidden_act);
  if (c.hidden_act != "quick_gelu" && c.hidden_act != "gelu")
    f.fail("hidden_act", "is \"" + c.hidden_act + "\", which the CLIP text model does not support (quick_gelu or gelu)");
  c.layer_norm_eps = f.get_double("layer_norm_eps", c.layer_norm_eps);
  if (c.hidden_size % c.num_attention_heads != 0)
    f.fail("num_attention_heads", "(" + std::to_string(c.num_attention_heads) + ") does not divide hidden_size " +
                                      std::to_string(c.hidden_size));
  const double h = double(c.hidden_size);
  f.check_parameter_count((double(c.vocab_size) + double(c.max_position_embeddings)) * h +
                          double(c.num_hidden_layers) * (4 * h * h + 2 * h * double(c.intermediate_size)));
  return c;
}

ClipTextConfig ClipTextConfig::from_file(const std::string& path) { return from_json(read_config_json(path), path); }

nlohmann::json ClipTextConfig::to_json() const {
  nlohmann::json j = {{"architectures", {"CLIPTextModel"}},
                      {"attention_dropout", 0.0},
                      {"bos_token_id", bos_token_id},
                      {"dropout", 0.0},
                      {"eos_token_id", eos_token_id},
                      {"hidden_act", hidden_act},
                      {"hidden_size", hidden_size},
                      {"initializer_factor", 1.0},
                      {"initializer_range", 0.02},
                      {"intermediate_size", intermediate_size},
                      {"layer_norm_eps", layer_norm_eps},
                      {"max_position_embeddings", max_position_embeddings},
                      {"model_type", "clip_text_model"},
                      {"num_attention_heads", num_attention_heads},
                      {"num_hidden_layers", num_hidden_layers},
                      {"pad_token_id", pad_token_id},
                      {"torch_dtype", "float32"},
                      {"vocab_size", vocab_size}};
  if (projection_dim) j["projection_dim"] = *projection_dim;
  return j;
}

// --- layers ---------------------------------------------------------------------------

ClipAttentionImpl::ClipAttentionImpl(const ClipTextConfig& c)
    : heads_(c.num_attention_heads), head_dim_(c.hidden_size / c.num_attention_heads) {
  q_proj = register_module("q_proj", torch::nn::Linear(c.hidden_size, c.hidden_size));
  k_proj = register_module("k_proj", torch::nn::Linear(c.hidden_size, c.hidden_size));
  v_proj = register_module("v_proj", torch::nn::Linear(c.hidden_size, c.hidden_size));
  out_proj = register_module("out_proj", torch::nn::Linear(c.hidden_size, c.hidden_size));
}

torch::Tensor ClipAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t b = x.size(0), t = x.size(1), d = x.size(2);
  auto split = [&](const torch::Tensor& y) { return y.reshape({b, t, heads_, head_dim_}).transpose(1, 2); };
#ifdef MRTI_TORCH2
  auto out = at::scaled_dot_product_attention(split(linear(q_proj, x)), split(linear(k_proj, x)),
                                              split(linear(v_proj, x)), {}, 0.0, /*is_causal=*/true);
#else
  // As transformers does: scale q, add the causal mask, softmax. T is at most 77, so the
  // full score matrix is small.
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim_));
  auto q = split(linear(q_proj, x) * scale);
  auto k = split(linear(k_proj, x));
  auto v = split(linear(v_proj, x));
  auto scores = torch::matmul(q, k.transpose(-1, -2));
  auto future = torch::ones({t, t}, torch::TensorOptions().dtype(torch::kBool).device(x.device())).triu(1);
  scores = scores.masked_fill(future, -std::numeric_limits<double>::infinity());
  auto out = torch::matmul(torch::softmax(scores, -1), v);
#endif
  return linear(out_proj, out.transpose(1, 2).reshape({b, t, d}));
}

ClipMlpImpl::ClipMlpImpl(const ClipTextConfig& c) : quick_gelu_(c.hidden_act == "quick_gelu") {
  fc1 = register_module("fc1", torch::nn::Linear(c.hidden_size, c.intermediate_size));
  fc2 = register_module("fc2", torch::nn::Linear(c.intermediate_size, c.hidden_size));
}

torch::Tensor ClipMlpImpl::forward(const torch::Tensor& x) {
  auto h = linear(fc1, x);
  h = quick_gelu_ ? h * torch::sigmoid(1.702 * h) : torch::gelu(h);
  return linear(fc2, h);
}

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const ClipTextConfig& c) {
  auto ln = [&] {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps));
  };
  self_attn = register_module("self_attn", ClipAttention(c));
  layer_norm1 = register_module("layer_norm1", ln());
  mlp = register_module("mlp", ClipMlp(c));
  layer_norm2 = register_module("layer_norm2", ln());
}

torch::Tensor ClipEncoderLayerImpl::forward(const torch::Tensor& x) {
  auto h = x + self_attn(layer_norm(layer_norm1, x));
  return h + mlp(layer_norm(layer_norm2, h));
}

ClipTextEmbeddingsImpl::ClipTextEmbeddingsImpl(const ClipTextConfig& c) {
  token_embedding = register_module("token_embedding", torch::nn::Embedding(c.vocab_size, c.hidden_size));
  position_embedding =
      register_module("position_embedding", torch::nn::Embedding(c.max_position_embeddings, c.hidden_size));
}

ClipEncoderImpl::ClipEncoderImpl(const ClipTextConfig& c) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(ClipEncoderLayer(c));
}

ClipTextTransformerImpl::ClipTextTransformerImpl(const ClipTextConfig& c) {
  embeddings = register_module("embeddings", ClipTextEmbeddings(c));
  encoder = register_module("encoder", ClipEncoder(c));
  final_layer_norm = register_module(
      "final_layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
}

// --- model ------------------------------------------------------------------------------

ClipTextModelImpl::ClipTextModelImpl(const ClipTextConfig& config) : config_(config) {
  text_model = register_module("text_model", ClipTextTransformer(config));
}

torch::Tensor ClipTextModelImpl::embed_tokens(const torch::Tensor& input_ids) {
  if (!input_ids.defined() || input_ids.dim() != 2)
    throw Error("text encoder: input_ids must be a [batch, tokens] tensor");
  if (input_ids.numel() > 0) {
    const int64_t lo = input_ids.min().item<int64_t>();
    const int64_t hi = input_ids.max().item<int64_t>();
    const int64_t vocab = token_embedding_weight().size(0);
    if (lo < 0 || hi >= vocab)
      throw Error("text encoder: token id " + std::to_string(lo < 0 ? lo : hi) +
                  " is outside its vocabulary of " + std::to_string(vocab) +
                  " tokens (the tokenizer knows tokens the embedding lacks; a concept's tokens must be added to "
                  "both)");
  }
  const at::Tensor embeds = text_model->embeddings->token_embedding(input_ids.to(torch::kLong));
  return embeds.to(compute_dtype(embeds.device(), embeds.scalar_type()));
}

torch::Tensor& ClipTextModelImpl::token_embedding_weight() { return text_model->embeddings->token_embedding->weight; }

void ClipTextModelImpl::resize_token_embeddings(int64_t new_vocab_size) {
  if (new_vocab_size < 1) throw Error("text encoder: vocabulary size must be positive");
  auto& weight = token_embedding_weight();
  torch::NoGradGuard no_grad;
  auto resized = torch::zeros({new_vocab_size, weight.size(1)}, weight.options());
  const int64_t keep = std::min(new_vocab_size, weight.size(0));
  resized.slice(0, 0, keep).copy_(weight.slice(0, 0, keep));
  // set_data keeps the Parameter object, so optimizers and module references stay valid.
  weight.set_data(resized);
  text_model->embeddings->token_embedding->options.num_embeddings(new_vocab_size);
  config_.vocab_size = new_vocab_size;
}

ClipTextOutput ClipTextModelImpl::forward(const torch::Tensor& input_ids, const ClipTextForwardOptions& options) {
  return forward_embeds(embed_tokens(input_ids), input_ids, options);
}

ClipTextOutput ClipTextModelImpl::forward_embeds(const torch::Tensor& token_embeds, const torch::Tensor& input_ids,
                                                 const ClipTextForwardOptions& options) {
  auto& emb = *text_model->embeddings;
  const int64_t width = emb.position_embedding->weight.size(1);
  if (!token_embeds.defined() || token_embeds.dim() != 3 || token_embeds.size(2) != width)
    throw Error("text encoder: token embeddings must be [batch, tokens, " + std::to_string(width) + "]");
  if (!input_ids.defined() || input_ids.dim() != 2 || input_ids.size(0) != token_embeds.size(0) ||
      input_ids.size(1) != token_embeds.size(1))
    throw Error("text encoder: input_ids must be [batch, tokens] matching the token embeddings");
  const int64_t tokens = token_embeds.size(1);
  const int64_t max_tokens = emb.position_embedding->weight.size(0);
  if (tokens < 1 || tokens > max_tokens)
    throw Error("text encoder: " + std::to_string(tokens) + " tokens given, 1 to " + std::to_string(max_tokens) +
                " fit (max_position_embeddings)");
  const auto layers = text_model->encoder->layers;
  const int64_t n_layers = static_cast<int64_t>(layers->size());
  if (options.clip_skip < 0 || options.clip_skip >= n_layers)
    throw Error("text encoder: clip skip " + std::to_string(options.clip_skip) + " is out of range 0.." +
                std::to_string(n_layers - 1));

  const auto& pos = emb.position_embedding->weight;
  const auto dtype = compute_dtype(pos.device(), pos.scalar_type());
  auto h = token_embeds.to(dtype) + pos.slice(0, 0, tokens).unsqueeze(0).to(dtype);

  ClipTextOutput out;
  if (options.output_hidden_states) out.hidden_states.push_back(h);
  const int64_t run = n_layers - options.clip_skip;
  for (int64_t i = 0; i < run; ++i) {
    h = layers->ptr<ClipEncoderLayerImpl>(static_cast<size_t>(i))->forward(h);
    if (options.output_hidden_states) out.hidden_states.push_back(h);
  }
  out.last_hidden_state = layer_norm(text_model->final_layer_norm, h);
  // transformers (4.2x) pools at argmax(input_ids): the EOS position for ordinary prompts.
  auto rows = torch::arange(input_ids.size(0), torch::TensorOptions().dtype(torch::kLong).device(h.device()));
  auto at = input_ids.to(h.device(), torch::kLong).argmax(-1);
  out.pooler_output = out.last_hidden_state.index({rows, at});
  return out;
}

void load_clip_text_weights(ClipTextModel& model, const TensorMap& weights, const std::string& source) {
  LoadOptions options;
  options.ignore = {"text_model.embeddings.position_ids"};
  load_state_dict(*model, weights, source, options);
}

}  // namespace mrti
