#include "multires/multires_conditioning.h"

#include <torch/torch.h>

#include "models/stable_diffusion.h"
#include "runtime/error.h"
#include "text/clip_tokenizer.h"

namespace mrti {

namespace {

struct TokenSource {
  int64_t id = 0;
  int segment = -1;  // -1: plain text token
};

std::string quote(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

PromptLayout layout_prompt(const ClipTokenizer& tok, const ParsedPrompt& prompt, const ConceptSet& concepts) {
  PromptLayout L;
  const int max_len = tok.model_max_length();
  L.max_tokens = max_len - 2;
  if (!prompt.has_concepts()) {
    const ClipEncoding enc = tok.encode(prompt.source);
    L.ids = enc.ids;
    L.token_count = enc.num_tokens;
    if (enc.truncated) {
      L.cut_text = enc.truncated_text;
      L.warning = "the prompt is " + std::to_string(enc.num_tokens) + " tokens long and only " +
                  std::to_string(L.max_tokens) + " fit; cut: " + quote(enc.truncated_text);
    }
    return L;
  }

  const int64_t slot_id = tok.size();
  std::vector<TokenSource> toks;
  for (std::size_t s = 0; s < prompt.segments.size(); ++s) {
    const auto& seg = prompt.segments[s];
    if (!seg.is_concept()) {
      for (int64_t id : tok.token_ids(seg.text)) toks.push_back({id, -1});
      continue;
    }
    auto it = concepts.find(seg.ref.name);
    if (it == concepts.end()) throw Error("concept '" + seg.ref.name + "' of " + quote(seg.text) + " is not loaded");
    for (int64_t v = 0; v < it->second.vectors_per_token(); ++v) toks.push_back({slot_id, static_cast<int>(s)});
  }
  L.token_count = static_cast<int>(toks.size());

  // [BOS] + tokens + [EOS], padded to max_len, then cut to max_len: the original's
  // padding="max_length" without truncation followed by ids[:77].
  std::vector<TokenSource> full;
  full.push_back({tok.bos_id(), -1});
  full.insert(full.end(), toks.begin(), toks.end());
  full.push_back({tok.eos_id(), -2});
  while (static_cast<int>(full.size()) < max_len) full.push_back({tok.pad_id(), -3});
  std::vector<TokenSource> cut(full.begin() + std::min<std::size_t>(full.size(), max_len), full.end());
  full.resize(max_len);
  for (const auto& t : full) L.ids.push_back(t.id);

  for (int64_t p = 0; p < max_len; ++p) {
    const int s = full[p].segment;
    if (s < 0) continue;
    if (!L.slots.empty() && L.slots.back().segment == static_cast<std::size_t>(s) &&
        L.slots.back().position + L.slots.back().vectors == p) {
      ++L.slots.back().vectors;
      continue;
    }
    PromptLayout::Slot slot;
    slot.segment = static_cast<std::size_t>(s);
    slot.ref = prompt.segments[s].ref;
    slot.position = p;
    slot.vectors = 1;
    slot.token = prompt.segments[s].text;
    L.slots.push_back(slot);
  }

  // What was cut, for the user: plain tokens decoded, references as written.
  std::string text;
  std::vector<int64_t> pending;
  int last_segment = -1;
  const auto flush = [&] {
    if (pending.empty()) return;
    const std::string d = tok.decode(pending);
    if (!d.empty()) text += (text.empty() ? "" : " ") + d;
    pending.clear();
  };
  for (const auto& t : cut) {
    if (t.segment == -1) {
      pending.push_back(t.id);
    } else if (t.segment >= 0 && t.segment != last_segment) {
      flush();
      text += (text.empty() ? "" : " ") + prompt.segments[t.segment].text;
    } else if (t.segment == -2) {
      L.eos_cut = true;
    }
    if (t.segment >= 0) last_segment = t.segment;
  }
  flush();
  L.cut_text = text;
  if (L.eos_cut) {
    L.warning = "the prompt is " + std::to_string(L.token_count) + " tokens long (concept references count " +
                "their vectors) and only " + std::to_string(L.max_tokens) + " fit";
    L.warning += text.empty() ? std::string("; the end-of-text token is cut") : "; cut: " + quote(text) +
                                                                                 " and the end-of-text token";
    L.warning += " (the original multiresolution pipeline keeps 77 ids without the end token; keep prompts to " +
                 std::to_string(L.max_tokens) + " tokens)";
  }
  return L;
}

int64_t num_train_timesteps_of(const StableDiffusionModel& model) {
  const auto& c = model.scheduler_config;
  if (c.is_object() && c.contains("num_train_timesteps") && c["num_train_timesteps"].is_number_integer()) {
    const int64_t T = c["num_train_timesteps"].get<int64_t>();
    if (T > 0) return T;
  }
  return 1000;
}

MultiresConditioning::MultiresConditioning(StableDiffusionModel& model, ParsedPrompt prompt,
                                           const ConceptSet& concepts, MultiresOptions options)
    : model_(model), prompt_(std::move(prompt)), options_(options) {
  if (!model_.tokenizer) throw Error("the model has no tokenizer: concept prompts need one");
  T_ = options_.num_train_timesteps > 0 ? options_.num_train_timesteps : num_train_timesteps_of(model_);
  layout_ = layout_prompt(*model_.tokenizer, prompt_, concepts);

  torch::NoGradGuard no_grad;
  auto& weight = model_.text_encoder->token_embedding_weight();
  const int64_t width = weight.size(1);
  for (const auto& slot : layout_.slots) {
    const Concept& c = concepts.at(slot.ref.name);
    check_concept_fits_model(c, width, model_.source);
    if (slot.ref.num_scales != c.num_scales())
      throw Error("concept '" + c.name + "' has " + std::to_string(c.num_scales()) + " scales but the prompt was " +
                  "parsed for " + std::to_string(slot.ref.num_scales) + "; parse it again with the loaded concepts");
    slot_tables_.push_back(c.embeddings.to(weight.device(), at::kFloat));
  }
  auto ids = torch::tensor(layout_.ids, torch::kLong).unsqueeze(0);
  pool_ids_ = ids.to(weight.device());
  auto embed_ids = ids.clone();
  for (const auto& slot : layout_.slots)
    embed_ids.narrow(1, slot.position, slot.vectors).fill_(model_.tokenizer->pad_id());
  base_embeds_ = model_.text_encoder->embed_tokens(embed_ids.to(weight.device())).detach();
}

at::Tensor MultiresConditioning::input_ids() const { return torch::tensor(layout_.ids, torch::kLong).unsqueeze(0); }

std::vector<std::string> MultiresConditioning::warnings() const {
  std::vector<std::string> w = prompt_.warnings;
  if (!layout_.warning.empty()) w.push_back(layout_.warning);
  return w;
}

std::vector<EmbeddingChoice> MultiresConditioning::choices_at(double t) const {
  std::vector<EmbeddingChoice> out;
  for (const auto& slot : layout_.slots)
    out.push_back(choose_embedding(slot.ref, time_index(t, slot.ref.num_scales, T_), options_.interpolate));
  return out;
}

at::Tensor MultiresConditioning::build_embeddings(const std::vector<EmbeddingChoice>& choices) {
  auto e = base_embeds_.clone();
  for (std::size_t s = 0; s < layout_.slots.size(); ++s) {
    const auto& slot = layout_.slots[s];
    const auto& table = slot_tables_[s];  // [N, V, d]
    const auto& c = choices[s];
    const auto row = [&](int64_t k) { return k < 0 ? torch::zeros_like(table[0]) : table[k]; };
    at::Tensor v;
    switch (c.kind) {
      case EmbeddingChoice::Kind::scale: v = table[c.index]; break;
      case EmbeddingChoice::Kind::zero: v = torch::zeros_like(table[0]); break;
      case EmbeddingChoice::Kind::blend:
        v = row(c.index) * static_cast<float>(1.0 - c.weight) + row(c.index2) * static_cast<float>(c.weight);
        break;
    }
    e[0].narrow(0, slot.position, slot.vectors).copy_(v.narrow(0, 0, slot.vectors).to(e.scalar_type()));
  }
  return e;
}

at::Tensor MultiresConditioning::token_embeddings_at(double t) {
  torch::NoGradGuard no_grad;
  return build_embeddings(choices_at(t));
}

at::Tensor MultiresConditioning::at_timestep(double t) {
  std::vector<int64_t> key;
  for (const auto& slot : layout_.slots) key.push_back(time_index(t, slot.ref.num_scales, T_));
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  torch::NoGradGuard no_grad;
  auto embeds = build_embeddings(choices_at(t));
  auto states = model_.text_encoder->forward_embeds(embeds, pool_ids_).last_hidden_state;
  ++encoder_runs_;
  cache_.emplace(std::move(key), states);
  return states;
}

}  // namespace mrti
