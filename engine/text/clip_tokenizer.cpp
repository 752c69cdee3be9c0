#include "text/clip_tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "runtime/error.h"
#include "text/regex.h"
#include "text/text_cleaning.h"
#include "text/utf8.h"

namespace mrti {
namespace fs = std::filesystem;
using text_detail::Regex;

namespace {

// transformers reads at most 49152 - 256 - 2 merges, whatever the file holds.
constexpr size_t kMaxMerges = 49152 - 256 - 2;
constexpr size_t kMaxCacheEntries = 1 << 16;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json read_json(const fs::path& path) {
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + ": not valid JSON (" + e.what() + ")");
  }
}

// The CLIP pre-tokenizer; case-insensitive, as transformers compiles it.
const Regex& clip_split_re() {
  static const Regex re(
      R"(<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+)",
      Regex::kUnicode, PCRE2_CASELESS);
  return re;
}

// A special-token entry of tokenizer_config.json / special_tokens_map.json: a string,
// or an AddedToken object {"content": ...}.
std::optional<std::string> token_setting(const nlohmann::json& cfg, const char* key, const fs::path& file) {
  if (!cfg.is_object() || !cfg.contains(key) || cfg[key].is_null()) return std::nullopt;
  const auto& v = cfg[key];
  std::string token;
  if (v.is_string())
    token = v.get<std::string>();
  else if (v.is_object() && v.contains("content") && v["content"].is_string())
    token = v["content"].get<std::string>();
  else
    throw Error(file.string() + ": \"" + key + "\" must be a string or an object with a \"content\" string");
  if (token.empty()) throw Error(file.string() + ": \"" + key + "\" is empty");
  return token;
}

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

// Byte-level BPE: the byte <-> printable character map, merge ranks and the word cache.
struct ClipTokenizer::Bpe {
  std::string byte_encoder[256];                    // byte -> UTF-8 of its stand-in character
  std::unordered_map<char32_t, unsigned char> byte_decoder;
  // Symbols are interned so that a merge is looked up by a pair of ints.
  std::unordered_map<std::string, int32_t> symbol_ids;
  std::vector<std::string> symbols;
  struct Merge {
    int32_t rank;
    int32_t result;
  };
  std::unordered_map<uint64_t, Merge> merges;
  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<std::string>> cache;

  Bpe() {
    // GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others
    // are moved to U+0100 onwards so that no token contains whitespace or controls.
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      const char32_t c = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
      byte_encoder[b] = utf8::encode(std::u32string(1, c));
      byte_decoder[c] = static_cast<unsigned char>(b);
    }
    cache["<|startoftext|>"] = {"<|startoftext|>"};
    cache["<|endoftext|>"] = {"<|endoftext|>"};
  }

  int32_t intern(const std::string& s) {
    auto [it, inserted] = symbol_ids.emplace(s, static_cast<int32_t>(symbols.size()));
    if (inserted) symbols.push_back(s);
    return it->second;
  }
  static uint64_t key(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }

  void add_merge(const std::string& a, const std::string& b, int32_t rank) {
    const int32_t ia = intern(a), ib = intern(b), ir = intern(a + b);
    merges[key(ia, ib)] = Merge{rank, ir};  // a repeated pair keeps its last rank, as in Python's dict
  }

  std::string encode_bytes(const std::string& raw) const {
    std::string out;
    for (unsigned char b : raw) out += byte_encoder[b];
    return out;
  }

  // transformers' CLIPTokenizer.bpe on one byte-encoded word.
  std::vector<std::string> apply(const std::string& word) const {
    {
      std::lock_guard<std::mutex> lock(cache_mutex);
      auto it = cache.find(word);
      if (it != cache.end()) return it->second;
    }
    // Split into characters; the last one carries the end-of-word marker.
    std::vector<std::string> parts;
    for (size_t i = 0; i < word.size();) {
      size_t j = i + 1;
      while (j < word.size() && (static_cast<unsigned char>(word[j]) & 0xC0) == 0x80) ++j;
      parts.push_back(word.substr(i, j - i));
      i = j;
    }
    if (parts.empty()) return {};
    parts.back() += "</w>";
    // Unknown symbols get negative ids: they never merge.
    std::vector<int32_t> syms;
    std::vector<std::string> unknown;
    for (const auto& p : parts) {
      auto it = symbol_ids.find(p);
      if (it != symbol_ids.end()) {
        syms.push_back(it->second);
      } else {
        unknown.push_back(p);
        syms.push_back(-static_cast<int32_t>(unknown.size()));
      }
    }
    while (syms.size() > 1) {
      int32_t best_rank = std::numeric_limits<int32_t>::max();
      const Merge* best = nullptr;
      int32_t first = 0, second = 0;
      for (size_t i = 0; i + 1 < syms.size(); ++i) {
        if (syms[i] < 0 || syms[i + 1] < 0) continue;
        auto it = merges.find(key(syms[i], syms[i + 1]));
        if (it != merges.end() && it->second.rank < best_rank) {
          best_rank = it->second.rank;
          best = &it->second;
          first = syms[i];
          second = syms[i + 1];
        }
      }
      if (!best) break;
      // Merge every occurrence of the pair, left to right, without overlaps.
      std::vector<int32_t> next;
      next.reserve(syms.size());
      for (size_t i = 0; i < syms.size();) {
        if (i + 1 < syms.size() && syms[i] == first && syms[i + 1] == second) {
          next.push_back(best->result);
          i += 2;
        } else {
          next.push_back(syms[i]);
          ++i;
        }
      }
      syms.swap(next);
    }
    std::vector<std::string> out;
    out.reserve(syms.size());
    for (int32_t s : syms) out.push_back(s >= 0 ? symbols[s] : unknown[-s - 1]);
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cache.size() >= kMaxCacheEntries) cache.clear();
    cache.emplace(word, out);
    return out;
  }

  // transformers' convert_tokens_to_string.
  std::string tokens_to_text(const std::vector<std::string>& tokens) const {
    std::string bytes;
    for (const auto& t : tokens)
      for (char32_t c : utf8::decode(t)) {
        auto it = byte_decoder.find(c);
        if (it != byte_decoder.end()) bytes.push_back(static_cast<char>(it->second));
      }
    std::string text = utf8::encode(utf8::decode(bytes));  // errors="replace"
    std::string out;
    for (size_t i = 0; i < text.size();) {
      if (text.compare(i, 4, "</w>") == 0) {
        out.push_back(' ');
        i += 4;
      } else {
        out.push_back(text[i++]);
      }
    }
    size_t b = 0, e = out.size();
    while (b < e && is_ascii_space(out[b])) ++b;
    while (e > b && is_ascii_space(out[e - 1])) --e;
    return out.substr(b, e - b);
  }
};

ClipTokenizer::~ClipTokenizer() = default;
ClipTokenizer::ClipTokenizer(ClipTokenizer&&) noexcept = default;
ClipTokenizer& ClipTokenizer::operator=(ClipTokenizer&&) noexcept = default;

ClipTokenizer::ClipTokenizer(const std::string& dir_in) : bpe_(std::make_unique<Bpe>()) {
  fs::path dir(dir_in);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error("tokenizer folder not found: " + dir_in + " (expected a folder with vocab.json and merges.txt)");
  // A diffusers model folder keeps its tokenizer in tokenizer/.
  if (!fs::exists(dir / "vocab.json", ec) && fs::exists(dir / "tokenizer" / "vocab.json", ec)) dir /= "tokenizer";
  dir_ = dir.string();

  // vocab.json: token string -> id.
  const fs::path vocab_path = dir / "vocab.json";
  if (!fs::exists(vocab_path, ec)) throw Error(vocab_path.string() + ": missing (a CLIP tokenizer folder needs vocab.json and merges.txt)");
  const nlohmann::json vocab = read_json(vocab_path);
  if (!vocab.is_object() || vocab.empty())
    throw Error(vocab_path.string() + ": expected a JSON object mapping token strings to ids");
  int64_t max_id = -1;
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0)
      throw Error(vocab_path.string() + ": the id of token \"" + it.key() + "\" is not a non-negative integer");
    const int64_t id = it.value().get<int64_t>();
    if (id > (1 << 24)) throw Error(vocab_path.string() + ": token \"" + it.key() + "\" has an implausible id " + std::to_string(id));
    vocab_.emplace(it.key(), id);
    max_id = std::max(max_id, id);
  }
  id_to_vocab_.assign(static_cast<size_t>(max_id + 1), std::string());
  std::vector<bool> seen(id_to_vocab_.size(), false);
  for (const auto& [token, id] : vocab_) {
    if (seen[id])
      throw Error(vocab_path.string() + ": id " + std::to_string(id) + " is used by both \"" + id_to_vocab_[id] +
                  "\" and \"" + token + "\"");
    seen[id] = true;
    id_to_vocab_[id] = token;
  }

  // merges.txt: "#version: 0.2" then one "left right" pair per line, by rank.
  const fs::path merges_path = dir / "merges.txt";
  if (!fs::exists(merges_path, ec)) throw Error(merges_path.string() + ": missing (a CLIP tokenizer folder needs vocab.json and merges.txt)");
  {
    std::istringstream lines(read_file(merges_path));
    std::string line;
    size_t line_no = 0;
    int32_t rank = 0;
    while (std::getline(lines, line) && static_cast<size_t>(rank) < kMaxMerges) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line_no == 1 && line.rfind("#version", 0) == 0) continue;
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      std::istringstream fields(line);
      std::string a, b, extra;
      fields >> a >> b;
      if (a.empty() || b.empty() || (fields >> extra))
        throw Error(merges_path.string() + " line " + std::to_string(line_no) +
                    ": expected two symbols separated by a space, found \"" + line + "\"");
      bpe_->add_merge(a, b, rank++);
    }
  }

  // Special tokens: CLIPTokenizer's defaults, then tokenizer_config.json, then
  // special_tokens_map.json (which wins, as in transformers' from_pretrained).
  bos_ = "<|startoftext|>";
  eos_ = unk_ = pad_ = "<|endoftext|>";
  for (const char* name : {"tokenizer_config.json", "special_tokens_map.json"}) {
    const fs::path p = dir / name;
    if (!fs::exists(p, ec)) continue;
    const nlohmann::json cfg = read_json(p);
    if (!cfg.is_object()) throw Error(p.string() + ": expected a JSON object");
    if (auto v = token_setting(cfg, "bos_token", p)) bos_ = *v;
    if (auto v = token_setting(cfg, "eos_token", p)) eos_ = *v;
    if (auto v = token_setting(cfg, "unk_token", p)) unk_ = *v;
    if (auto v = token_setting(cfg, "pad_token", p)) pad_ = *v;
    // Configs without a real limit store a huge number; CLIP's text encoder has 77 positions.
    if (cfg.contains("model_max_length") && cfg["model_max_length"].is_number_integer()) {
      const int64_t m = cfg["model_max_length"].get<int64_t>();
      if (m >= 3 && m <= 4096) model_max_length_ = static_cast<int>(m);
    }
  }

  // added_tokens.json: tokens a previous run added (e.g. a saved textual-inversion tokenizer).
  const fs::path added_path = dir / "added_tokens.json";
  if (fs::exists(added_path, ec)) {
    const nlohmann::json added = read_json(added_path);
    if (!added.is_object()) throw Error(added_path.string() + ": expected a JSON object mapping tokens to ids");
    std::vector<std::pair<int64_t, std::string>> sorted;
    for (auto it = added.begin(); it != added.end(); ++it) {
      if (!it.value().is_number_integer())
        throw Error(added_path.string() + ": the id of token \"" + it.key() + "\" is not an integer");
      sorted.emplace_back(it.value().get<int64_t>(), it.key());
    }
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [id, token] : sorted) {
      if (vocab_.count(token)) continue;
      if (id != size())
        throw Error(added_path.string() + ": token \"" + token + "\" has id " + std::to_string(id) +
                    " but the next free id is " + std::to_string(size()));
      add_token(token);
    }
  }

  // Special tokens are never split, and get an id even when the vocabulary lacks them
  // (transformers' sanitize_special_tokens).
  for (const std::string* t : {&bos_, &eos_, &unk_, &pad_}) {
    if (!vocab_.count(*t) && !added_ids_.count(*t)) add_token(*t);
    if (std::find(no_split_.begin(), no_split_.end(), *t) == no_split_.end()) no_split_.push_back(*t);
  }
  std::stable_sort(no_split_.begin(), no_split_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  unk_id_ = *token_to_id(unk_);
  bos_id_ = id_of(bos_);
  eos_id_ = id_of(eos_);
  pad_id_ = id_of(pad_);
}

int64_t ClipTokenizer::size() const { return static_cast<int64_t>(vocab_.size() + added_tokens_.size()); }

int64_t ClipTokenizer::id_of(const std::string& token) const {
  if (auto id = token_to_id(token)) return *id;
  return unk_id_;
}

std::optional<int64_t> ClipTokenizer::token_to_id(const std::string& token) const {
  auto a = added_ids_.find(token);
  if (a != added_ids_.end()) return a->second;
  auto v = vocab_.find(token);
  if (v != vocab_.end()) return v->second;
  return std::nullopt;
}

std::string ClipTokenizer::id_to_token(int64_t id) const {
  if (id >= 0 && id < static_cast<int64_t>(id_to_vocab_.size()) && !id_to_vocab_[id].empty()) return id_to_vocab_[id];
  for (const auto& [token, tid] : added_ids_)
    if (tid == id) return token;
  throw Error("token id " + std::to_string(id) + " is not in the tokenizer at " + dir_ + " (it has " +
              std::to_string(size()) + " tokens)");
}

int64_t ClipTokenizer::add_token(const std::string& token) {
  if (token.empty()) throw Error("cannot add an empty token to the tokenizer");
  auto it = added_ids_.find(token);
  if (it != added_ids_.end()) return it->second;
  if (vocab_.count(token))
    throw Error("\"" + token + "\" is already in the tokenizer's vocabulary; a new concept needs a name that is not");
  const int64_t id = size();
  added_tokens_.push_back(token);
  added_ids_.emplace(token, id);
  no_split_.push_back(token);
  std::stable_sort(no_split_.begin(), no_split_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return id;
}

// transformers' Trie.split: the leftmost no-split token, the longest one at that place.
// The text around a match is not trimmed here: whitespace_clean trims it anyway.
std::vector<ClipTokenizer::Piece> ClipTokenizer::split_on_special(const std::string& text) const {
  std::vector<Piece> pieces;
  size_t start = 0;
  for (size_t i = 0; i < text.size();) {
    const std::string* hit = nullptr;
    for (const auto& t : no_split_)
      if (text.compare(i, t.size(), t) == 0) {
        hit = &t;
        break;
      }
    if (!hit) {
      ++i;
      continue;
    }
    if (i > start) pieces.push_back({false, text.substr(start, i - start)});
    pieces.push_back({true, *hit});
    i += hit->size();
    start = i;
  }
  if (start < text.size()) pieces.push_back({false, text.substr(start)});
  return pieces;
}

// transformers' CLIPTokenizer._tokenize.
void ClipTokenizer::bpe_text(const std::string& text, std::vector<std::string>& tokens) const {
  const std::string clean = clip_clean_text(text);
  Regex::Match m;
  for (size_t pos = 0; pos < clean.size() && clip_split_re().find(clean, pos, m); pos = m.end) {
    if (m.end == m.begin) {
      ++pos;
      continue;
    }
    const std::string word = bpe_->encode_bytes(clean.substr(m.begin, m.end - m.begin));
    for (auto& t : bpe_->apply(word)) tokens.push_back(std::move(t));
  }
}

std::vector<std::string> ClipTokenizer::tokenize(const std::string& text) const {
  std::vector<std::string> tokens;
  for (const Piece& p : split_on_special(text)) {
    if (p.special)
      tokens.push_back(p.text);
    else
      bpe_text(p.text, tokens);
  }
  return tokens;
}

std::vector<int64_t> ClipTokenizer::token_ids(const std::string& text) const {
  std::vector<int64_t> ids;
  for (const auto& t : tokenize(text)) ids.push_back(id_of(t));
  return ids;
}

std::optional<int64_t> ClipTokenizer::single_token_id(const std::string& word) const {
  const auto ids = token_ids(word);
  if (ids.size() != 1) return std::nullopt;
  return ids[0];
}

ClipEncoding ClipTokenizer::encode(const std::string& text, const ClipEncodeOptions& options) const {
  ClipEncoding enc;
  std::vector<std::string> tokens = tokenize(text);
  std::vector<int64_t> ids;
  ids.reserve(tokens.size());
  for (const auto& t : tokens) ids.push_back(id_of(t));
  enc.num_tokens = static_cast<int>(ids.size());
  enc.max_tokens = model_max_length_ - (options.add_special_tokens ? 2 : 0);
  if (options.truncate && enc.num_tokens > enc.max_tokens) {
    enc.truncated = true;
    enc.truncated_ids.assign(ids.begin() + enc.max_tokens, ids.end());
    enc.truncated_text = decode(enc.truncated_ids, false);
    ids.resize(enc.max_tokens);
    tokens.resize(enc.max_tokens);
  }
  if (options.add_special_tokens) {
    ids.insert(ids.begin(), bos_id_);
    ids.push_back(eos_id_);
    tokens.insert(tokens.begin(), bos_);
    tokens.push_back(eos_);
  }
  if (options.pad && ids.size() < static_cast<size_t>(model_max_length_)) ids.resize(model_max_length_, pad_id_);
  enc.ids = std::move(ids);
  enc.tokens = std::move(tokens);
  return enc;
}

std::string ClipTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> pieces, run;
  auto flush = [&] {
    if (!run.empty()) pieces.push_back(bpe_->tokens_to_text(run));
    run.clear();
  };
  for (int64_t id : ids) {
    if (skip_special_tokens && (id == bos_id_ || id == eos_id_ || id == pad_id_ || id == unk_id_)) continue;
    const std::string token = id_to_token(id);
    if (added_ids_.count(token)) {
      flush();
      pieces.push_back(token);
    } else {
      run.push_back(token);
    }
  }
  flush();
  std::string text;
  for (const auto& p : pieces) text += (text.empty() ? "" : " ") + p;
  // transformers' clean_up_tokenization.
  static const std::pair<const char*, const char*> kCleanups[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
      {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kCleanups) {
    const std::string f(from), t(to);
    for (size_t p = text.find(f); p != std::string::npos; p = text.find(f, p + t.size())) text.replace(p, f.size(), t);
  }
  return text;
}

}  // namespace mrti
