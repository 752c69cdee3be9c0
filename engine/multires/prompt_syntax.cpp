#include "multires/prompt_syntax.h"
#include "runtime/ascii_lower.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace mrti {

namespace {

bool is_name_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '-';
}

char closer_of(char open) { return open == '|' ? '|' : open == '[' ? ']' : ')'; }

// Byte offset -> UTF-16 offset for every byte boundary of `text` (continuation bytes map
// to their sequence's start). Invalid bytes count as one unit each, as QString's U+FFFD.
std::vector<std::size_t> utf16_offsets(const std::string& text) {
  const std::size_t n = text.size();
  std::vector<std::size_t> map(n + 1, 0);
  std::size_t units = 0, i = 0;
  while (i < n) {
    const auto b = static_cast<unsigned char>(text[i]);
    std::size_t len = 1, add = 1;
    if (b >= 0xC2 && b <= 0xDF) len = 2;
    else if (b >= 0xE0 && b <= 0xEF) len = 3;
    else if (b >= 0xF0 && b <= 0xF4) len = 4, add = 2;
    bool valid = i + len <= n;
    for (std::size_t k = 1; valid && k < len; ++k)
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (!valid) len = 1, add = 1;
    for (std::size_t k = 0; k < len; ++k) map[i + k] = units;
    units += add;
    i += len;
  }
  map[n] = units;
  return map;
}

// For each byte offset, the 1-based code point position there (for messages): computed
// once per prompt, so a prompt full of bad references is not read again per message.
std::vector<std::size_t> char_positions(const std::string& text) {
  std::vector<std::size_t> pos(text.size() + 1);
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    pos[i] = count + 1;
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++count;
  }
  pos[text.size()] = count + 1;
  return pos;
}

struct ParsedK {
  bool ok = false;
  bool decimal = false;
  uint64_t digits = 0;  // all digits as one integer (decimal: value * 10^fraction_len)
  int fraction_len = 0;
};

// "3", "03", "0.8", ".5", "1." -- nothing else (no sign, no exponent, no spaces).
ParsedK parse_k(const std::string& s) {
  ParsedK k;
  if (s.empty() || s.size() > 15) return k;
  bool seen_dot = false, seen_digit = false;
  for (char c : s) {
    if (c == '.') {
      if (seen_dot) return k;
      seen_dot = true;
    } else if (c >= '0' && c <= '9') {
      seen_digit = true;
      k.digits = k.digits * 10 + static_cast<uint64_t>(c - '0');
      if (seen_dot) ++k.fraction_len;
    } else {
      return k;
    }
  }
  k.ok = seen_digit;
  k.decimal = seen_dot;
  return k;
}

uint64_t pow10(int n) {
  uint64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

}  // namespace

std::string form_name(ResolutionForm form) {
  switch (form) {
    case ResolutionForm::fixed: return "fixed";
    case ResolutionForm::fully: return "fully";
    case ResolutionForm::semi: return "semi";
  }
  return "fixed";
}

ResolutionForm parse_resolution_form(const std::string& text) {
  const std::string t = ascii_lower(text);
  if (t == "fixed" || t == "|") return ResolutionForm::fixed;
  if (t == "fully" || t == "[" || t == "full") return ResolutionForm::fully;
  if (t == "semi" || t == "(") return ResolutionForm::semi;
  throw Error("unknown resolution form '" + text + "': use fixed (<c|k|>), fully (<c[k]>) or semi (<c(k)>)");
}

std::string format_concept_ref(const ConceptRef& ref) {
  std::string k;
  if (ref.rho) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", *ref.rho);
    k = buf;
    if (k.find('.') == std::string::npos && k.find('e') == std::string::npos) k += ".0";
  } else {
    k = std::to_string(ref.index);
  }
  switch (ref.form) {
    case ResolutionForm::fixed: return "<" + ref.name + "|" + k + "|>";
    case ResolutionForm::fully: return "<" + ref.name + "[" + k + "]>";
    case ResolutionForm::semi: return "<" + ref.name + "(" + k + ")>";
  }
  return {};
}

std::size_t utf16_length(const std::string& text) { return utf16_offsets(text).back(); }

bool ParsedPrompt::has_concepts() const {
  return std::any_of(segments.begin(), segments.end(), [](const PromptSegment& s) { return s.is_concept(); });
}

std::vector<ConceptRef> ParsedPrompt::concept_refs() const {
  std::vector<ConceptRef> refs;
  for (const auto& s : segments)
    if (s.is_concept()) refs.push_back(s.ref);
  return refs;
}

std::vector<std::string> ParsedPrompt::concept_names() const {
  std::vector<std::string> names;
  for (const auto& s : segments)
    if (s.is_concept() && std::find(names.begin(), names.end(), s.ref.name) == names.end())
      names.push_back(s.ref.name);
  return names;
}

ParsedPrompt parse_prompt(const std::string& text, const ConceptScales& known, const PromptParseOptions& options) {
  const auto u16 = utf16_offsets(text);
  const auto span = [&](std::size_t b, std::size_t e) { return TextSpan{b, e, u16[b], u16[e]}; };
  std::vector<std::size_t> positions;  // made on the first message
  const auto where = [&](const std::string& token, std::size_t at) {
    if (positions.empty()) positions = char_positions(text);
    return "'" + token + "' at character " + std::to_string(positions[std::min(at, text.size())]) + " of the " +
           options.what;
  };
  const auto num_scales_of = [&](const std::string& name) -> std::optional<int64_t> {
    auto it = known.find(name);
    if (it != known.end()) return it->second;
    return options.default_num_scales;
  };
  const auto unknown = [&](const std::string& name, const std::string& token, std::size_t b, std::size_t e) {
    std::string msg = "unknown concept '" + name + "' in " + where(token, b);
    std::string near;
    for (const auto& [k, _] : known)
      if (ascii_lower(k) == ascii_lower(name)) near = k;
    if (!near.empty()) {
      msg += "; did you mean '" + near + "'? (names are case-sensitive)";
    } else if (known.empty()) {
      msg += "; no concepts are loaded (choose a concept library)";
    } else {
      std::string list;
      for (const auto& [k, _] : known) list += (list.empty() ? "" : ", ") + k;
      msg += "; known concepts: " + list;
    }
    throw PromptSyntaxError(msg, token, span(b, e));
  };

  ParsedPrompt out;
  out.source = text;
  const std::size_t n = text.size();
  std::size_t text_start = 0;
  const auto flush_text = [&](std::size_t end) {
    if (end > text_start) {
      PromptSegment s;
      s.text = text.substr(text_start, end - text_start);
      s.span = span(text_start, end);
      out.segments.push_back(std::move(s));
    }
  };
  const auto emit_concept = [&](std::size_t b, std::size_t e, ConceptRef ref) {
    flush_text(b);
    PromptSegment s;
    s.kind = PromptSegment::Kind::concept;
    s.text = text.substr(b, e - b);
    s.span = span(b, e);
    s.ref = std::move(ref);
    out.segments.push_back(std::move(s));
    text_start = e;
  };

  std::size_t i = 0;
  while (i < n) {
    if (text[i] != '<') {
      ++i;
      continue;
    }
    std::size_t p = i + 1;
    while (p < n && is_name_char(text[p])) ++p;
    if (p == i + 1 || p >= n) {  // "<" then no name, or a name running to the end: text
      ++i;
      continue;
    }
    const std::string name = text.substr(i + 1, p - i - 1);
    const char c = text[p];
    if (c == '>') {
      const std::string token = text.substr(i, p + 1 - i);
      const auto N = num_scales_of(name);
      if (!N) {
        out.warnings.push_back(where(token, i) + " names no loaded concept and is used as ordinary text");
        i = p + 1;
        continue;
      }
      ConceptRef ref;
      ref.name = name;
      ref.num_scales = *N;
      ref.explicit_form = false;
      emit_concept(i, p + 1, ref);
      i = p + 1;
      continue;
    }
    if (c != '|' && c != '[' && c != '(') {
      i = p;
      continue;
    }
    // Committed: '<name' + an opener is a reference or an error.
    const char close = closer_of(c);
    std::size_t q = p + 1;
    while (q < n && text[q] != '>' && text[q] != '<') ++q;
    const bool has_gt = q < n && text[q] == '>';
    const std::size_t end = has_gt ? q + 1 : q;
    const std::string token = text.substr(i, end - i);
    std::string inner = text.substr(p + 1, q - p - 1);  // k plus the closer
    // Strip a trailing closer (the right one or a wrong one) to find k for suggestions.
    std::string k_text = inner;
    if (!k_text.empty() && (k_text.back() == '|' || k_text.back() == ']' || k_text.back() == ')')) k_text.pop_back();
    const ParsedK pk = parse_k(k_text);
    const std::string suggestion =
        "<" + name + c + (pk.ok ? k_text : std::string("k")) + close + ">";
    if (!has_gt || inner.empty() || inner.back() != close) {
      std::string why;
      if (!has_gt)
        why = "is not closed with '>'";
      else if (!inner.empty() && (inner.back() == '|' || inner.back() == ']' || inner.back() == ')'))
        why = std::string("opens with '") + c + "' but closes with '" + inner.back() + "'";
      else
        why = std::string("opens with '") + c + "' but has no '" + close + "' before '>'";
      throw PromptSyntaxError("malformed concept reference " + where(token, i) + ": it " + why + "; write " +
                                  suggestion + " (k an index 0..N-1 or a fraction such as 0.8), or put a space "
                                  "after '<' to keep it as text",
                              token, span(i, end));
    }
    if (!pk.ok)
      throw PromptSyntaxError("malformed concept reference " + where(token, i) + ": the resolution '" + k_text +
                                  "' is not a number; use an index 0..N-1 such as <" +
                                  name + c + "3" + close + "> or a fraction in [0, 1] such as <" + name + c + "0.8" +
                                  close + ">",
                              token, span(i, end));
    const auto N = num_scales_of(name);
    if (!N) unknown(name, token, i, end);
    ConceptRef ref;
    ref.name = name;
    ref.num_scales = *N;
    ref.form = c == '|' ? ResolutionForm::fixed : c == '[' ? ResolutionForm::fully : ResolutionForm::semi;
    const std::string range = "concept '" + name + "' has " + std::to_string(*N) + " resolutions, 0.." +
                              std::to_string(*N - 1) + " (or a fraction in [0, 1])";
    if (pk.decimal) {
      const uint64_t scale = pow10(pk.fraction_len);
      if (pk.digits > scale)
        throw PromptSyntaxError("resolution " + k_text + " in " + where(token, i) +
                                    " is outside [0, 1]: a decimal resolution is a fraction of the concept's "
                                    "resolutions; " + range,
                                token, span(i, end));
      ref.rho = static_cast<double>(pk.digits) / static_cast<double>(scale);
      // Exact integer floor(rho * N).
      ref.index = std::min<int64_t>(*N - 1, static_cast<int64_t>(pk.digits * static_cast<uint64_t>(*N) / scale));
    } else {
      if (pk.digits >= static_cast<uint64_t>(*N))
        throw PromptSyntaxError("resolution " + k_text + " in " + where(token, i) + " is out of range: " + range,
                                token, span(i, end));
      ref.index = static_cast<int64_t>(pk.digits);
    }
    emit_concept(i, end, ref);
    i = end;
  }
  flush_text(n);
  return out;
}

}  // namespace mrti
