#pragma once
// transformers' CLIPTokenizer (the slow Python one, 4.26, with ftfy installed): text
// cleaning, the CLIP regex split, byte-level BPE with the "</w>" end-of-word marker, and
// tokens added at run time (textual-inversion placeholders such as "<cat|3|>").
// Torch-free, so the GUI can count tokens as the user types.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace mrti {

struct ClipEncodeOptions {
  bool add_special_tokens = true;  // BOS first, EOS last
  bool truncate = true;            // keep at most model_max_length ids (BOS + tokens + EOS)
  bool pad = true;                 // pad with the pad id up to model_max_length
};

struct ClipEncoding {
  std::vector<int64_t> ids;           // what the text encoder gets
  std::vector<std::string> tokens;    // one string per id before padding ("a</w>", "<|endoftext|>")
  int num_tokens = 0;                 // prompt tokens, BOS/EOS not counted, before truncation
  int max_tokens = 0;                 // room for prompt tokens: model_max_length - 2 (75)
  bool truncated = false;
  std::vector<int64_t> truncated_ids;  // the prompt tokens that were cut
  std::string truncated_text;          // ... decoded back to text, for warnings
};

class ClipTokenizer {
 public:
  // Reads vocab.json and merges.txt, plus tokenizer_config.json, special_tokens_map.json
  // and added_tokens.json when present. `dir` may also be a diffusers model folder with
  // a tokenizer/ subfolder. Throws mrti::Error naming the file and the problem.
  explicit ClipTokenizer(const std::string& dir);
  ~ClipTokenizer();
  ClipTokenizer(ClipTokenizer&&) noexcept;
  ClipTokenizer& operator=(ClipTokenizer&&) noexcept;

  // BPE token strings of `text`, without BOS/EOS (transformers' tokenize()).
  std::vector<std::string> tokenize(const std::string& text) const;
  // Ids of `text` without BOS/EOS, untruncated (encode(text, add_special_tokens=False)).
  std::vector<int64_t> token_ids(const std::string& text) const;
  // As tokenizer(text, padding="max_length", truncation=True) by default.
  ClipEncoding encode(const std::string& text, const ClipEncodeOptions& options = {}) const;

  // Ids back to text: BPE pieces joined with "</w>" read as a space, added tokens as
  // written. BOS/EOS/pad are left out when `skip_special_tokens`.
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = true) const;

  // Adds a token matched verbatim (case-sensitive) in raw prompts, before cleaning and
  // BPE, and returns its id (the next free one: 49408, 49409, ...). Adding a token that
  // was already added returns its id; a token already in the vocabulary is refused.
  // Not safe while another thread is encoding with this tokenizer.
  int64_t add_token(const std::string& token);
  const std::vector<std::string>& added_tokens() const { return added_tokens_; }

  // The id of a token string (vocabulary entry such as "cat</w>", or an added token).
  std::optional<int64_t> token_to_id(const std::string& token) const;
  std::string id_to_token(int64_t id) const;  // throws for an unknown id
  // The id when `word` encodes to exactly one token (textual inversion's initializer
  // word must), nullopt otherwise.
  std::optional<int64_t> single_token_id(const std::string& word) const;
  bool is_single_token(const std::string& word) const { return single_token_id(word).has_value(); }

  int64_t bos_id() const { return bos_id_; }
  int64_t eos_id() const { return eos_id_; }
  int64_t pad_id() const { return pad_id_; }
  int64_t unk_id() const { return unk_id_; }
  int model_max_length() const { return model_max_length_; }
  int64_t size() const;  // vocabulary plus added tokens (transformers' len(tokenizer))
  const std::string& folder() const { return dir_; }

 private:
  struct Bpe;
  // A piece of a prompt: an added/special token, or text to clean and BPE.
  struct Piece {
    bool special = false;
    std::string text;
  };
  std::vector<Piece> split_on_special(const std::string& text) const;
  void bpe_text(const std::string& text, std::vector<std::string>& tokens) const;
  int64_t id_of(const std::string& token) const;

  std::string dir_;
  std::unordered_map<std::string, int64_t> vocab_;
  std::vector<std::string> id_to_vocab_;
  std::unique_ptr<Bpe> bpe_;
  std::vector<std::string> added_tokens_;
  std::unordered_map<std::string, int64_t> added_ids_;
  // Strings never split by BPE: added tokens and the special tokens, longest first.
  std::vector<std::string> no_split_;
  std::string bos_, eos_, pad_, unk_;
  int64_t bos_id_ = 0, eos_id_ = 0, pad_id_ = 0, unk_id_ = 0;
  int model_max_length_ = 77;
};

}  // namespace mrti
