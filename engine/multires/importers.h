#pragma once
// Concepts from files other tools write.
//  - The original Multiresolution Textual Inversion repository's layout,
//    <name>/text_encoder/pytorch_model.bin: the whole text encoder, whose last N rows of
//    text_model.embeddings.token_embedding.weight are the scales 0..N-1 in order.
//  - Single-token embeddings: diffusers learned_embeds.bin/.safetensors
//    ({"<token>": [d] or [V, d]}) and AUTOMATIC1111 embeddings (.pt with
//    string_to_param {'*': [V, d]}, .safetensors with emb_params [V, d]). Their rows are
//    V vectors of ONE token, not scales: they import as N = 1.
//  - A concept file (format mrti-concept/1), and a bare per-scale table: a safetensors
//    file holding only `embeddings` [N, d] or [N, V, d] without a format tag.
#include <cstdint>
#include <string>
#include <vector>

#include "multires/concept.h"

namespace mrti {

struct ImportedConcept {
  Concept concept;
  std::string source_format;       // "original-multires", "diffusers", "a1111-pt", ...
  std::vector<std::string> notes;  // what the user should know about the import
};

// `path`: the concept folder (<name>/ with text_encoder/ inside), its text_encoder/
// folder, or the weights file itself (.bin or .safetensors). `name` "" = the folder's
// name (made valid). `num_scales` 0: every row beyond CLIP's 49408-token vocabulary (the
// original code adds exactly one per scale). Throws naming the file when the key is
// missing or the table has no rows beyond that vocabulary to take the scales from.
ImportedConcept import_original_concept(const std::string& path, const std::string& name = "",
                                        int64_t num_scales = 10);

// Any single-file format listed above, recognised by content. `name` "" = the token
// (diffusers) or the file name (others), made valid.
ImportedConcept import_embedding_file(const std::string& path, const std::string& name = "");

// `text` with every character that a concept name may not hold replaced by '_', cut to
// 64 characters; "concept" when nothing is left.
std::string sanitize_concept_name(const std::string& text);

}  // namespace mrti
