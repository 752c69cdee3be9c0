#include "multires/importers.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "runtime/error.h"
#include "tensor_io/safetensors.h"
#include "tensor_io/state_dict.h"
#include "tensor_io/torch_pickle.h"

namespace mrti {
namespace fs = std::filesystem;

namespace {

constexpr int64_t kClipVocab = 49408;
const char* const kTokenEmbeddingKey = "text_model.embeddings.token_embedding.weight";

bool is_float(const at::Tensor& t) { return t.defined() && at::isFloatingType(t.scalar_type()); }

// [d] -> [1, d]; [V, d] stays; anything else throws.
at::Tensor as_vectors(const at::Tensor& t, const std::string& where) {
  if (!is_float(t)) throw Error(where + " is not a floating-point tensor");
  if (t.dim() == 1) return t.unsqueeze(0);
  if (t.dim() == 2) return t;
  throw Error(where + " has shape " + c10::str(t.sizes()) + "; an embedding is [d] or [vectors, d]");
}

std::string vectors_note(int64_t v) {
  return "the file holds " + std::to_string(v) + (v == 1 ? " vector" : " vectors") +
         " for one token: imported as a single resolution (N = 1), so the resolution forms <c|k|>, <c[k]> and <c(k)> "
         "have nothing to vary";
}

ImportedConcept single_token(const at::Tensor& vectors, const std::string& name, const std::string& format,
                             const std::string& base_model, int64_t steps) {
  ImportedConcept out;
  out.concept = make_concept(name, vectors.unsqueeze(0), "", base_model, steps);
  out.source_format = format;
  out.notes.push_back(vectors_note(vectors.size(0)));
  return out;
}

std::string stem_name(const std::string& path) { return sanitize_concept_name(fs::path(path).stem().string()); }

// "<cat-toy>" -> "cat-toy"
std::string token_name(const std::string& token, const std::string& path) {
  std::string t = token;
  if (t.size() >= 2 && t.front() == '<' && t.back() == '>') t = t.substr(1, t.size() - 2);
  const std::string s = sanitize_concept_name(t);
  return (s == "concept" || t == "*") ? stem_name(path) : s;
}

ImportedConcept from_safetensors(const std::string& path, const std::string& name) {
  const SafetensorsFile f = read_safetensors(path);
  const auto fmt = f.metadata.find("format");
  if (fmt != f.metadata.end() && fmt->second == kConceptFormat) {
    ImportedConcept out;
    out.concept = load_concept(path);
    if (!name.empty()) out.concept.name = name;
    out.source_format = "mrti-concept";
    return out;
  }
  const TensorMap& t = f.tensors;
  if (t.count("clip_l") || t.count("clip_g"))
    throw Error("'" + path + "' is an SDXL embedding (clip_l/clip_g): only Stable Diffusion 1.x/2.x embeddings can be used");
  if (t.count("emb_params")) {
    auto v = as_vectors(t.at("emb_params"), "'" + path + "': 'emb_params'");
    int64_t steps = 0;
    auto st = f.metadata.find("step");
    if (st != f.metadata.end()) {
      try {
        steps = std::stoll(st->second);
      } catch (...) {
      }
    }
    auto base = f.metadata.find("sd_checkpoint_name");
    auto out = single_token(v, name.empty() ? stem_name(path) : name, "a1111-safetensors",
                            base == f.metadata.end() ? "" : base->second, steps);
    for (const auto& [k, val] : f.metadata) out.concept.extra["imported_" + k] = val;
    return out;
  }
  if (t.size() == 1 && t.begin()->first == "embeddings") {
    const at::Tensor& e = t.begin()->second;
    if (!is_float(e) || (e.dim() != 2 && e.dim() != 3))
      throw Error("'" + path + "': 'embeddings' must be a float [num_scales, d] or [num_scales, vectors, d] table, got " +
                  c10::str(e.sizes()));
    ImportedConcept out;
    out.concept = make_concept(name.empty() ? stem_name(path) : name, e);
    out.source_format = "scale-table";
    out.notes.push_back("read 'embeddings' as a table of " + std::to_string(e.size(0)) +
                        " scales (rows in scale order 0.." + std::to_string(e.size(0) - 1) + ")");
    auto c = f.metadata.find("concept");
    if (c != f.metadata.end() && name.empty() && is_valid_concept_name(c->second)) out.concept.name = c->second;
    return out;
  }
  if (t.size() == 1) {
    const auto& [token, tensor] = *t.begin();
    auto v = as_vectors(tensor, "'" + path + "': '" + token + "'");
    return single_token(v, name.empty() ? token_name(token, path) : name, "diffusers", "", 0);
  }
  // A whole text encoder: an original-layout multiresolution concept.
  if (t.count(kTokenEmbeddingKey)) return import_original_concept(path, name, 0);
  std::string keys;
  for (const auto& [k, _] : t) keys += (keys.empty() ? "" : ", ") + k;
  throw Error("'" + path + "' is not an embedding this program knows: it holds " + std::to_string(t.size()) +
              " tensors (" + keys + "); expected one token's embedding, 'emb_params', or an MRTI concept");
}

ImportedConcept from_pickle(const std::string& path, const std::string& name) {
  const PyValue root = load_torch_pickle(path);
  if (!root.is_dict())
    throw Error("'" + path + "' holds " + root.type_name() + ", not the dict an embedding file holds");
  if (const PyValue* stp = root.get("string_to_param")) {
    if (!stp->is_dict() || stp->dict().empty())
      throw Error("'" + path + "': 'string_to_param' is not a dict of tensors");
    if (stp->dict().size() != 1)
      throw Error("'" + path + "': 'string_to_param' holds " + std::to_string(stp->dict().size()) +
                  " terms; an embedding file holds one");
    const PyValue& value = stp->dict().front().second;
    if (!value.is_tensor()) throw Error("'" + path + "': string_to_param['*'] is " + value.type_name() + ", not a tensor");
    auto v = as_vectors(value.tensor(), "'" + path + "': string_to_param['*']");
    int64_t steps = 0;
    if (const PyValue* s = root.get("step"); s && s->is_int()) steps = std::get<int64_t>(s->v);
    std::string base;
    if (const PyValue* b = root.get("sd_checkpoint_name"); b && b->is_string()) base = b->str();
    auto out = single_token(v, name.empty() ? stem_name(path) : name, "a1111-pt", base, steps);
    if (const PyValue* n = root.get("name"); n && n->is_string()) out.concept.extra["imported_name"] = n->str();
    return out;
  }
  if (root.get("clip_l") || root.get("clip_g"))
    throw Error("'" + path + "' is an SDXL embedding (clip_l/clip_g): only Stable Diffusion 1.x/2.x embeddings can be used");
  const PyDict& d = root.dict();
  if (d.size() == 1 && d.front().first.is_string() && d.front().second.is_tensor()) {
    const std::string token = d.front().first.str();
    auto v = as_vectors(d.front().second.tensor(), "'" + path + "': '" + token + "'");
    return single_token(v, name.empty() ? token_name(token, path) : name, "diffusers", "", 0);
  }
  const TensorMap flat = flatten_tensors(root);
  if (flat.count(kTokenEmbeddingKey)) return import_original_concept(path, name, 0);
  throw Error("'" + path + "' is not an embedding this program knows: expected {'<token>': tensor} (diffusers) or "
              "string_to_param (AUTOMATIC1111)");
}

bool starts_with_magic(const std::string& path, const std::string& magic) {
  std::ifstream in(path, std::ios::binary);
  std::string head(magic.size(), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  return in.gcount() == static_cast<std::streamsize>(magic.size()) && head == magic;
}

}  // namespace

std::string sanitize_concept_name(const std::string& text) {
  std::string s;
  for (unsigned char c : text) {
    if (s.size() >= 64) break;
    s += (std::isalnum(c) || c == '_' || c == '-') ? static_cast<char>(c) : '_';
  }
  // Nothing but replacement characters is no name.
  if (s.find_first_not_of('_') == std::string::npos) return "concept";
  return s;
}

ImportedConcept import_original_concept(const std::string& path, const std::string& name, int64_t num_scales) {
  if (num_scales < 0) throw Error("the number of scales must be at least 1 (got " + std::to_string(num_scales) + ")");
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("'" + path + "' does not exist");
  fs::path file, concept_dir;
  if (fs::is_directory(path, ec)) {
    fs::path dir = fs::absolute(path).lexically_normal();
    if (dir.filename().empty()) dir = dir.parent_path();
    fs::path te = fs::is_directory(dir / "text_encoder") ? dir / "text_encoder" : dir;
    concept_dir = te == dir / "text_encoder" ? dir : dir.parent_path();
    for (const char* f : {"model.safetensors", "pytorch_model.bin"})
      if (fs::is_regular_file(te / f)) {
        file = te / f;
        break;
      }
    if (file.empty())
      throw Error("'" + path + "' has no text_encoder/pytorch_model.bin (or model.safetensors): the original "
                  "repository saves a concept as <name>/text_encoder/pytorch_model.bin");
  } else {
    file = fs::absolute(path).lexically_normal();
    concept_dir = file.parent_path().filename() == "text_encoder" ? file.parent_path().parent_path() : file.parent_path();
  }
  const TensorMap weights = load_weights_file(file.string());
  auto it = weights.find(kTokenEmbeddingKey);
  if (it == weights.end())
    throw Error("'" + file.string() + "' has no '" + kTokenEmbeddingKey + "': not a CLIP text encoder");
  const at::Tensor& table = it->second;
  if (!is_float(table) || table.dim() != 2)
    throw Error("'" + file.string() + "': '" + kTokenEmbeddingKey + "' is not a float [vocab, d] table");
  const int64_t rows = table.size(0);
  const int64_t added = rows - kClipVocab;
  if (num_scales == 0) num_scales = std::max<int64_t>(added, 1);
  if (added < num_scales)
    throw Error("'" + file.string() + "': the token embedding has " + std::to_string(rows) + " rows, " +
                (added <= 0 ? std::string("none") : "only " + std::to_string(added)) + " beyond CLIP's " +
                std::to_string(kClipVocab) + "-token vocabulary, but " + std::to_string(num_scales) +
                " learned scales were asked for; give the right number of scales");
  ImportedConcept out;
  std::string concept_name = name.empty() ? sanitize_concept_name(concept_dir.filename().string()) : name;
  std::string base;
  const fs::path config = file.parent_path() / "config.json";
  if (fs::is_regular_file(config, ec)) {
    try {
      std::ifstream in(config);
      auto j = nlohmann::json::parse(in);
      if (j.contains("_name_or_path") && j["_name_or_path"].is_string()) base = j["_name_or_path"].get<std::string>();
    } catch (...) {
      // The config only supplies a label.
    }
  }
  out.concept = make_concept(concept_name, table.slice(0, rows - num_scales, rows), "", base, 0);
  out.concept.extra["imported_from"] = file.string();
  out.source_format = "original-multires";
  validate_concept(out.concept, "'" + file.string() + "'");
  out.notes.push_back("took rows " + std::to_string(rows - num_scales) + ".." + std::to_string(rows - 1) +
                      " of the token embedding as scales 0.." + std::to_string(num_scales - 1));
  if (added > num_scales)
    out.notes.push_back("the table has " + std::to_string(added) + " rows beyond CLIP's vocabulary; only the last " +
                        std::to_string(num_scales) + " were used (pass the number of scales the concept was trained with)");
  return out;
}

ImportedConcept import_embedding_file(const std::string& path, const std::string& name) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error("'" + path + "' is not a file");
  if (!name.empty() && !is_valid_concept_name(name)) throw Error(concept_name_problem(name));
  // Content decides: a zip is a torch pickle, anything else is tried as safetensors.
  ImportedConcept out = starts_with_magic(path, "PK\x03\x04") ? from_pickle(path, name) : from_safetensors(path, name);
  validate_concept(out.concept, "'" + path + "'");
  return out;
}

}  // namespace mrti
