#pragma once
// The encoder states of a prompt with concept references, per sampling timestep.
//
// Token layout: BOS, then each plain segment's tokens (the model tokenizer, no BOS/EOS)
// and V slots per concept reference, then EOS, padded to 77 with the pad token. As in
// the original pipeline (padding="max_length" without truncation, then ids[:77]), a
// prompt longer than 75 tokens is cut to 77 ids and so loses its EOS; `warning()` says
// what was cut. A prompt without concept references is tokenized exactly as
// encode_prompt does (truncated to BOS + 75 + EOS), so it gives the same states.
//
// At timestep t each reference's time index j picks its embedding (time_index.h); the
// slots' token embeddings are replaced by it (or by zeros) before the position
// embeddings are added, and the text encoder runs once per distinct set of choices,
// i.e. at most once per time index.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "multires/concept_library.h"
#include "multires/prompt_syntax.h"
#include "multires/time_index.h"
#include "pipeline/conditioning.h"

namespace mrti {

struct StableDiffusionModel;
class ClipTokenizer;

struct MultiresOptions {
  bool interpolate = false;          // blend neighbouring scales for decimal resolutions
  int64_t num_train_timesteps = 0;   // T of the time index; 0 = the model's scheduler config (else 1000)
};

struct PromptLayout {
  // model_max_length ids. A concept slot holds the id an added token would get
  // (tokenizer.size()), so the pooled output falls on the first concept token, as with
  // the original's added tokens; its embedding is always replaced.
  std::vector<int64_t> ids;
  struct Slot {
    std::size_t segment = 0;  // index into ParsedPrompt::segments
    ConceptRef ref;
    int64_t position = 0;      // first slot in `ids`
    int64_t vectors = 0;       // slots kept (V, fewer when cut)
    std::string token;         // the reference as written
  };
  std::vector<Slot> slots;     // references that kept at least one slot, in order
  int token_count = 0;         // prompt tokens (concept slots included), BOS/EOS not counted
  int max_tokens = 75;
  bool eos_cut = false;
  std::string cut_text;        // what was cut ("" when nothing)
  std::string warning;         // for the user ("" when nothing was cut)
};

PromptLayout layout_prompt(const ClipTokenizer& tokenizer, const ParsedPrompt& prompt, const ConceptSet& concepts);

// T from a scheduler config ("num_train_timesteps", default 1000).
int64_t num_train_timesteps_of(const StableDiffusionModel& model);

class MultiresConditioning : public Conditioning {
 public:
  // Every referenced concept must be in `concepts` and fit the model's token width
  // (check_concept_fits_model).
  MultiresConditioning(StableDiffusionModel& model, ParsedPrompt prompt, const ConceptSet& concepts,
                       MultiresOptions options = {});

  at::Tensor at_timestep(double t) override;  // [1, 77, D]

  // One choice per layout slot at timestep t.
  std::vector<EmbeddingChoice> choices_at(double t) const;
  // The token embeddings [1, 77, d] the encoder gets at t (before position embeddings).
  at::Tensor token_embeddings_at(double t);

  const ParsedPrompt& prompt() const { return prompt_; }
  const PromptLayout& layout() const { return layout_; }
  at::Tensor input_ids() const;  // [1, 77] int64
  int encoder_runs() const { return encoder_runs_; }
  int64_t num_train_timesteps() const { return T_; }
  std::vector<std::string> warnings() const;

 private:
  at::Tensor build_embeddings(const std::vector<EmbeddingChoice>& choices);

  StableDiffusionModel& model_;
  ParsedPrompt prompt_;
  MultiresOptions options_;
  int64_t T_ = 1000;
  PromptLayout layout_;
  std::vector<at::Tensor> slot_tables_;  // per slot: [N, V, d] float32 on the model's device
  at::Tensor base_embeds_;               // embed_tokens of the ids, slots zeroed
  at::Tensor pool_ids_;
  std::map<std::vector<int64_t>, at::Tensor> cache_;  // per-slot time indices -> states
  int encoder_runs_ = 0;
};

}  // namespace mrti
