#pragma once
// Concept references in prompts, as the paper writes them:
//   <name|k|>  fixed resolution: scale k at every step
//   <name[k]>  fully resolution-dependent: scale k while the time index j <= k, else j
//   <name(k)>  semi resolution-dependent: the zero vector while j <= k, else scale j
//   <name>     short for <name|0|>
// k is an index 0..N-1 ("3") or, written with a decimal point ("0.8", ".5", "1."), a
// normalized resolution rho in [0, 1] meaning index min(N-1, floor(rho * N)).
//
// When '<' starts a reference and when it is ordinary text:
//  - '<' followed by anything but a name character (letter, digit, '_', '-') is text:
//    "a < b", "<<", "<>", "< cat>".
//  - '<name' followed by anything but '>', '|', '[' or '(' is text: "<3", "<3 you".
//  - '<name>' is a reference when `name` is a known concept; otherwise it stays text
//    (HTML-like "<b>", "<3>") and the parse result carries a warning saying so.
//  - '<name|', '<name[' and '<name(' always start a reference: what follows must be k,
//    the matching closer and '>' (else a syntax error), and the name must be known
//    (else an "unknown concept" error).
// A reference is written without spaces; "< cat|3|>" is plain text.
//
// Positions: every offset is 0-based, in bytes of the UTF-8 text AND in UTF-16 code
// units (what QString indexes), so the GUI can highlight and rewrite tokens. Error
// messages give a 1-based character (code point) position.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "multires/concept_library.h"
#include "multires/concept_ref.h"
#include "runtime/error.h"

namespace mrti {

struct TextSpan {
  std::size_t byte_begin = 0, byte_end = 0;    // [begin, end) in the UTF-8 bytes
  std::size_t utf16_begin = 0, utf16_end = 0;  // the same span in UTF-16 code units
};

struct PromptSegment {
  enum class Kind { text, concept };
  Kind kind = Kind::text;
  std::string text;  // the source text of this segment, verbatim
  TextSpan span;
  ConceptRef ref;  // for Kind::concept
  bool is_concept() const { return kind == Kind::concept; }
};

struct ParsedPrompt {
  std::string source;
  std::vector<PromptSegment> segments;  // in order; together they cover `source` exactly
  std::vector<std::string> warnings;    // e.g. "<b>" left as text
  bool has_concepts() const;
  std::vector<ConceptRef> concept_refs() const;
  std::vector<std::string> concept_names() const;  // distinct, in order of first use
};

// A prompt that cannot be used, with where the fault is (for highlighting).
class PromptSyntaxError : public Error {
 public:
  PromptSyntaxError(const std::string& message, std::string token, TextSpan span)
      : Error(message), token_(std::move(token)), span_(span) {}
  const std::string& token() const { return token_; }
  const TextSpan& span() const { return span_; }

 private:
  std::string token_;
  TextSpan span_;
};

struct PromptParseOptions {
  // When set, a well-formed reference to an unknown name is accepted as a concept with
  // this many scales (for tools that show schedules without a concept library).
  std::optional<int64_t> default_num_scales;
  // For messages: "prompt" or "negative prompt".
  std::string what = "prompt";
};

// Splits `text` into plain text and concept references. Throws PromptSyntaxError naming
// the token and its position for unknown concepts, k out of range and malformed
// references such as "<cat|3>" or "<cat[3)".
ParsedPrompt parse_prompt(const std::string& text, const ConceptScales& known, const PromptParseOptions& options = {});

// Number of UTF-16 code units of UTF-8 `text` (invalid bytes count one each).
std::size_t utf16_length(const std::string& text);

}  // namespace mrti
