#pragma once
// A Multiresolution Textual Inversion concept: N embeddings, one per band of diffusion
// time (scale 0 = finest details, N-1 = coarsest layout and colour), each V vectors of
// the text encoder's token width. On disk it is one self-contained .safetensors file:
// tensor `embeddings` [N, V, d] float32, optional `thumbnail` uint8 [H, W, 3], and
// `__metadata__` with format "mrti-concept/1", name, num_scales, vectors_per_token,
// token_dim, init_token, base_model, train_steps, created, plus any free-form keys.
#include <cstdint>
#include <string>

#include <ATen/core/Tensor.h>

#include "tensor_io/tensor_map.h"

namespace mrti {

inline constexpr const char* kConceptFormat = "mrti-concept/1";

struct Concept {
  std::string name;
  at::Tensor embeddings;  // float32 [N, V, d] on the CPU
  std::string init_token;  // the word the embeddings started from ("" when unknown)
  std::string base_model;  // what it was trained on ("" when unknown)
  int64_t train_steps = 0;
  std::string created;  // ISO 8601 UTC, e.g. "2024-05-01T12:00:00Z"
  Metadata extra;       // further __metadata__ keys, kept verbatim
  at::Tensor thumbnail;  // uint8 [H, W, 3], or undefined

  int64_t num_scales() const { return embeddings.defined() ? embeddings.size(0) : 0; }
  int64_t vectors_per_token() const { return embeddings.defined() ? embeddings.size(1) : 0; }
  int64_t token_dim() const { return embeddings.defined() ? embeddings.size(2) : 0; }
  // Scale k: [V, d].
  at::Tensor scale(int64_t k) const;
};

// A concept from a table of rows: [N, d] (one vector per token) or [N, V, d]. The
// tensor is copied to float32 on the CPU; `created` is set to now.
Concept make_concept(const std::string& name, const at::Tensor& embeddings, const std::string& init_token = "",
                     const std::string& base_model = "", int64_t train_steps = 0);

// "" when `name` may name a concept: 1-64 characters, each a letter, digit, '_' or '-'
// (prompts refer to concepts as <name>, and the name is also the file name); otherwise a
// sentence saying what is wrong.
std::string concept_name_problem(const std::string& name);
inline bool is_valid_concept_name(const std::string& name) { return concept_name_problem(name).empty(); }

// Throws mrti::Error naming `where` (a file or "concept 'x'") unless the concept is
// well formed: valid name, float32 [N, V, d] with N, V, d >= 1, finite values, thumbnail
// uint8 [H, W, 3] when present.
void validate_concept(const Concept& concept, const std::string& where);

// The __metadata__ written for `concept` (standard keys override same-named extras).
Metadata concept_metadata(const Concept& concept);

// Writes the concept file atomically (temporary file + rename) after validating it.
void save_concept(const std::string& path, const Concept& concept);

// Reads and validates a concept file. Errors name the file and the problem: not a
// safetensors file, wrong or missing format tag, missing `embeddings`, metadata that
// disagrees with the tensor shape, non-finite values, a malformed thumbnail.
// `library_name`, when given, is the name a library knows the file by (its file name): it
// replaces the metadata's name, so a file whose metadata names it badly still loads and
// can be renamed, which rewrites the metadata; `name_in_file` receives the metadata's own.
Concept load_concept(const std::string& path, const std::string& library_name = {},
                     std::string* name_in_file = nullptr);

// The current UTC time as ISO 8601 ("2024-05-01T12:00:00Z").
std::string utc_timestamp();

// Throws mrti::Error when the concept's token width differs from the model's, e.g.
// "concept 'cat' was made for a model with 768-wide token embeddings (base model X); the
// loaded model uses 1024".
void check_concept_fits_model(const Concept& concept, int64_t model_token_dim, const std::string& model_name = "");

}  // namespace mrti
