#include "multires/concept.h"

#include <cctype>
#include <ctime>

#include <torch/torch.h>

#include "runtime/error.h"
#include "tensor_io/safetensors.h"

namespace mrti {

namespace {

const char* const kStandardKeys[] = {"format",     "name",       "num_scales",  "vectors_per_token", "token_dim",
                                     "init_token", "base_model", "train_steps", "created"};

bool is_standard_key(const std::string& key) {
  for (const char* k : kStandardKeys)
    if (key == k) return true;
  return false;
}

// A non-negative decimal integer, nothing else (metadata values are strings).
bool parse_count(const std::string& text, int64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

std::string shape_str(const at::Tensor& t) { return c10::str(t.sizes()); }

// Bounds a concept's table before anything is copied: a file of a few bytes can declare a
// broadcast view of any size. 1000 scales is one per diffusion timestep, 75 vectors fill a
// whole prompt, and the widest text encoder in use (SD 2.x) has 1024.
void check_concept_size(const at::Tensor& e, const std::string& where) {
  constexpr int64_t kMaxScales = 1000, kMaxVectors = 75, kMaxTokenDim = 4096;
  const int64_t scales = e.size(0), vectors = e.dim() == 3 ? e.size(1) : 1, dim = e.size(e.dim() - 1);
  if (scales > kMaxScales || vectors > kMaxVectors || dim > kMaxTokenDim)
    throw Error(where + ": embeddings of shape " + shape_str(e) + " are larger than any concept: at most " +
                std::to_string(kMaxScales) + " scales, " + std::to_string(kMaxVectors) + " vectors per token and " +
                std::to_string(kMaxTokenDim) + " values per vector");
}

}  // namespace

at::Tensor Concept::scale(int64_t k) const {
  if (!embeddings.defined()) throw Error("concept '" + name + "' has no embeddings");
  if (k < 0 || k >= num_scales())
    throw Error("concept '" + name + "' has resolutions 0.." + std::to_string(num_scales() - 1) + ", not " +
                std::to_string(k));
  return embeddings[k];
}

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Concept make_concept(const std::string& name, const at::Tensor& embeddings, const std::string& init_token,
                     const std::string& base_model, int64_t train_steps) {
  if (!embeddings.defined() || (embeddings.dim() != 2 && embeddings.dim() != 3))
    throw Error("concept '" + name + "': embeddings must be [N, d] or [N, V, d], got " +
                (embeddings.defined() ? shape_str(embeddings) : std::string("nothing")));
  check_concept_size(embeddings, "concept '" + name + "'");
  Concept c;
  c.name = name;
  auto e = embeddings.detach().to(at::kCPU, at::kFloat).contiguous().clone();
  c.embeddings = e.dim() == 2 ? e.unsqueeze(1).contiguous() : e;
  c.init_token = init_token;
  c.base_model = base_model;
  c.train_steps = train_steps;
  c.created = utc_timestamp();
  return c;
}

std::string concept_name_problem(const std::string& name) {
  if (name.empty()) return "a concept name cannot be empty";
  if (name.size() > 64) return "concept name '" + name + "' is longer than 64 characters";
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '_' || c == '-') continue;
    std::string shown = std::isprint(c) ? std::string(1, static_cast<char>(c)) : "byte " + std::to_string(c);
    if (c == ' ') shown = "a space";
    return "concept name '" + name + "' contains " + (c == ' ' ? shown : "'" + shown + "'") +
           ": use only letters, digits, '_' and '-' (prompts write it as <name>)";
  }
  return {};
}

void validate_concept(const Concept& c, const std::string& where) {
  const std::string problem = concept_name_problem(c.name);
  if (!problem.empty()) throw Error(where + ": " + problem);
  const auto& e = c.embeddings;
  if (!e.defined()) throw Error(where + ": has no embeddings");
  if (e.dim() != 3)
    throw Error(where + ": embeddings must be [num_scales, vectors_per_token, token_dim], got " + shape_str(e));
  if (e.scalar_type() != at::kFloat) throw Error(where + ": embeddings must be float32");
  if (e.size(0) < 1 || e.size(1) < 1 || e.size(2) < 1)
    throw Error(where + ": embeddings have an empty dimension " + shape_str(e));
  check_concept_size(e, where);
  if (!torch::isfinite(e).all().item<bool>()) {
    const auto bad = (~torch::isfinite(e)).nonzero();
    throw Error(where + ": embeddings hold non-finite values (NaN or infinity), first at scale " +
                std::to_string(bad[0][0].item<int64_t>()) + "; the file is damaged or training diverged");
  }
  if (c.train_steps < 0) throw Error(where + ": train_steps is negative");
  if (c.thumbnail.defined()) {
    const auto& t = c.thumbnail;
    if (t.scalar_type() != at::kByte || t.dim() != 3 || t.size(2) != 3 || t.size(0) < 1 || t.size(1) < 1)
      throw Error(where + ": thumbnail must be uint8 [height, width, 3], got " + shape_str(t));
  }
}

Metadata concept_metadata(const Concept& c) {
  Metadata m = c.extra;
  m["format"] = kConceptFormat;
  m["name"] = c.name;
  m["num_scales"] = std::to_string(c.num_scales());
  m["vectors_per_token"] = std::to_string(c.vectors_per_token());
  m["token_dim"] = std::to_string(c.token_dim());
  m["init_token"] = c.init_token;
  m["base_model"] = c.base_model;
  m["train_steps"] = std::to_string(c.train_steps);
  m["created"] = c.created;
  return m;
}

void save_concept(const std::string& path, const Concept& c) {
  validate_concept(c, "concept '" + c.name + "'");
  TensorMap tensors{{"embeddings", c.embeddings.contiguous()}};
  if (c.thumbnail.defined()) tensors["thumbnail"] = c.thumbnail.to(at::kCPU).contiguous();
  save_safetensors(path, tensors, concept_metadata(c));
}

Concept load_concept(const std::string& path, const std::string& library_name, std::string* name_in_file) {
  SafetensorsFile file = read_safetensors(path);
  const Metadata& m = file.metadata;
  const auto meta = [&](const char* key) -> std::string {
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
  };
  const auto fmt = m.find("format");
  if (fmt == m.end() || fmt->second != kConceptFormat) {
    std::string hint = "import it instead (mrti concepts import --from-embedding)";
    throw Error("'" + path + "' is not an MRTI concept file: its metadata " +
                (fmt == m.end() ? std::string("has no 'format'") : "says format '" + fmt->second + "'") +
                " where '" + kConceptFormat + "' was expected; " + hint);
  }
  auto it = file.tensors.find("embeddings");
  if (it == file.tensors.end()) throw Error("'" + path + "' has no tensor 'embeddings'");
  for (const auto& [key, _] : file.tensors)
    if (key != "embeddings" && key != "thumbnail")
      throw Error("'" + path + "' holds an unexpected tensor '" + key + "'; a concept file has only 'embeddings' and 'thumbnail'");
  const at::Tensor& e = it->second;
  if (e.dim() != 3)
    throw Error("'" + path + "': 'embeddings' must be [num_scales, vectors_per_token, token_dim], got " + shape_str(e));
  if (e.scalar_type() != at::kFloat) throw Error("'" + path + "': 'embeddings' must be float32");

  const char* dims[] = {"num_scales", "vectors_per_token", "token_dim"};
  for (int i = 0; i < 3; ++i) {
    int64_t v = 0;
    const std::string text = meta(dims[i]);
    if (!parse_count(text, v))
      throw Error("'" + path + "': metadata '" + dims[i] + "' is " + (text.empty() ? "missing" : "'" + text + "'") +
                  "; expected a whole number");
    if (v != e.size(i))
      throw Error("'" + path + "': metadata says " + dims[i] + " = " + text + " but 'embeddings' has shape " +
                  shape_str(e) + "; the file is inconsistent");
  }
  Concept c;
  if (name_in_file) *name_in_file = meta("name");
  c.name = library_name.empty() ? meta("name") : library_name;
  c.embeddings = e.clone();  // detach from the file mapping
  c.init_token = meta("init_token");
  c.base_model = meta("base_model");
  c.created = meta("created");
  const std::string steps = meta("train_steps");
  if (!steps.empty() && !parse_count(steps, c.train_steps))
    throw Error("'" + path + "': metadata 'train_steps' is '" + steps + "'; expected a whole number");
  for (const auto& [k, v] : m)
    if (!is_standard_key(k)) c.extra[k] = v;
  auto th = file.tensors.find("thumbnail");
  if (th != file.tensors.end()) c.thumbnail = th->second.clone();
  validate_concept(c, "'" + path + "'");
  return c;
}

void check_concept_fits_model(const Concept& c, int64_t model_token_dim, const std::string& model_name) {
  if (c.token_dim() == model_token_dim) return;
  std::string made_for = "concept '" + c.name + "' was made for a model with " + std::to_string(c.token_dim()) +
                         "-wide token embeddings";
  if (!c.base_model.empty()) made_for += " (base model " + c.base_model + ")";
  std::string hint;
  if (c.token_dim() == 768) hint = " (Stable Diffusion 1.x)";
  if (c.token_dim() == 1024) hint = " (Stable Diffusion 2.x)";
  throw Error(made_for + hint + "; the loaded model" + (model_name.empty() ? "" : " " + model_name) + " uses " +
              std::to_string(model_token_dim) + ": load a model of the concept's family or use another concept");
}

}  // namespace mrti
