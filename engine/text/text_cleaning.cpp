#include "text/text_cleaning.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>

#include "text/charmap_codecs.h"
#include "text/html_entities.h"
#include "text/mojibake.h"
#include "text/regex.h"
#include "text/utf8.h"

namespace mrti {
namespace {

using text_detail::Regex;

const icu::Normalizer2& normalizer(bool compat) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n =
      compat ? icu::Normalizer2::getNFKCInstance(status) : icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || !n) throw std::runtime_error(std::string("ICU normalizer unavailable: ") + u_errorName(status));
  return *n;
}

std::string normalize(const std::string& text, bool compat) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString in = icu::UnicodeString::fromUTF8(text);
  const icu::UnicodeString out = normalizer(compat).normalize(in, status);
  if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU normalization failed: ") + u_errorName(status));
  std::string result;
  out.toUTF8String(result);
  return result;
}

// Python's html.unescape on a numeric reference "#123;" / "#x7b;" (as ftfy calls it),
// or nullopt when ftfy would leave the text alone (not fully consumed up to ';').
std::optional<std::u32string> unescape_numeric(std::string_view body) {
  // body is "#digits;" or "#xhex;" with the '&' removed.
  std::string_view digits = body.substr(1, body.size() - 2);
  int base = 10;
  if (!digits.empty() && (digits[0] == 'x' || digits[0] == 'X')) {
    base = 16;
    digits.remove_prefix(1);
  }
  if (digits.empty()) return std::nullopt;
  uint64_t num = 0;
  bool huge = false;
  for (char ch : digits) {
    int v;
    if (ch >= '0' && ch <= '9')
      v = ch - '0';
    else if (base == 16 && ch >= 'a' && ch <= 'f')
      v = ch - 'a' + 10;
    else if (base == 16 && ch >= 'A' && ch <= 'F')
      v = ch - 'A' + 10;
    else
      return std::nullopt;
    if (num > 0x10FFFFull * 16) huge = true;
    if (!huge) num = num * base + v;
  }
  // html.unescape's table for references to C1 controls and NUL (the HTML5 rule).
  static const std::map<uint64_t, char32_t> kInvalidCharrefs = {
      {0x00, 0xFFFD}, {0x0D, 0x0D},   {0x80, 0x20AC}, {0x81, 0x81},   {0x82, 0x201A}, {0x83, 0x0192},
      {0x84, 0x201E}, {0x85, 0x2026}, {0x86, 0x2020}, {0x87, 0x2021}, {0x88, 0x02C6}, {0x89, 0x2030},
      {0x8A, 0x0160}, {0x8B, 0x2039}, {0x8C, 0x0152}, {0x8D, 0x8D},   {0x8E, 0x017D}, {0x8F, 0x8F},
      {0x90, 0x90},   {0x91, 0x2018}, {0x92, 0x2019}, {0x93, 0x201C}, {0x94, 0x201D}, {0x95, 0x2022},
      {0x96, 0x2013}, {0x97, 0x2014}, {0x98, 0x02DC}, {0x99, 0x2122}, {0x9A, 0x0161}, {0x9B, 0x203A},
      {0x9C, 0x0153}, {0x9D, 0x9D},   {0x9E, 0x017E}, {0x9F, 0x0178}};
  if (!huge) {
    auto it = kInvalidCharrefs.find(num);
    if (it != kInvalidCharrefs.end()) return std::u32string(1, it->second);
  }
  if (huge || num > 0x10FFFF || (num >= 0xD800 && num <= 0xDFFF)) return std::u32string(1, 0xFFFD);
  const auto c = static_cast<char32_t>(num);
  const bool invalid = (c >= 0x1 && c <= 0x8) || c == 0xB || (c >= 0xE && c <= 0x1F) || (c >= 0x7F && c <= 0x9F) ||
                       (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
  if (invalid) return std::u32string();
  return std::u32string(1, c);
}

// Python's str.isspace, which is what ICU's u_isspace tests (Z categories plus the
// C0/C1 separators).
bool is_python_space(char32_t c) { return u_isspace(static_cast<UChar32>(c)); }

// --- the per-character fixers of ftfy.fix_and_explain, on code points --------------

void fix_latin_ligatures(std::u32string& s) {
  static const std::map<char32_t, std::u32string> kLigatures = {
      {U'Ĳ', U"IJ"}, {U'ĳ', U"ij"}, {U'ŉ', U"ʼn"}, {U'Ǳ', U"DZ"},  {U'ǲ', U"Dz"},  {U'ǳ', U"dz"},
      {U'Ǆ', U"DŽ"}, {U'ǅ', U"Dž"}, {U'ǆ', U"dž"}, {U'Ǉ', U"LJ"},  {U'ǈ', U"Lj"},  {U'ǉ', U"lj"},
      {U'Ǌ', U"NJ"}, {U'ǋ', U"Nj"}, {U'ǌ', U"nj"}, {U'ﬀ', U"ff"},  {U'ﬁ', U"fi"},  {U'ﬂ', U"fl"},
      {U'ﬃ', U"ffi"}, {U'ﬄ', U"ffl"}, {U'ﬅ', U"ſt"}, {U'ﬆ', U"st"}};
  std::u32string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    auto it = kLigatures.find(c);
    if (it != kLigatures.end())
      out += it->second;
    else
      out.push_back(c);
  }
  s = std::move(out);
}

// U+3000 and the halfwidth/fullwidth forms block, each replaced by its NFKC form.
void fix_character_width(std::u32string& s) {
  static const std::map<char32_t, std::u32string> kWidthMap = [] {
    std::map<char32_t, std::u32string> m{{0x3000, U" "}};
    for (char32_t c = 0xFF01; c < 0xFFF0; ++c) {
      const std::string ch = utf8::encode(std::u32string(1, c));
      const std::string alt = normalize(ch, /*compat=*/true);
      if (alt != ch) m[c] = utf8::decode(alt);
    }
    return m;
  }();
  std::u32string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    auto it = (c == 0x3000 || (c >= 0xFF01 && c < 0xFFF0)) ? kWidthMap.find(c) : kWidthMap.end();
    if (it != kWidthMap.end())
      out += it->second;
    else
      out.push_back(c);
  }
  s = std::move(out);
}

void uncurl_quotes(std::u32string& s) {
  for (char32_t& c : s) {
    if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B))
      c = U'\'';
    else if (c >= 0x201C && c <= 0x201F)
      c = U'"';
  }
}

void fix_line_breaks(std::u32string& s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (c == U'\r') {
      out.push_back(U'\n');
      if (i + 1 < s.size() && s[i + 1] == U'\n') ++i;
    } else if (c == 0x2028 || c == 0x2029 || c == 0x85) {
      out.push_back(U'\n');
    } else {
      out.push_back(c);
    }
  }
  s = std::move(out);
}

void remove_control_chars(std::u32string& s) {
  auto is_control = [](char32_t c) {
    return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
           c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
  };
  s.erase(std::remove_if(s.begin(), s.end(), is_control), s.end());
}

std::string remove_terminal_escapes(const std::string& text) {
  static const Regex ansi("\\x{1b}\\[((?:\\d|;)*)([a-zA-Z])", Regex::kUnicode);
  if (text.find('\x1b') == std::string::npos) return text;
  return ansi.replace(text, [](std::string_view) { return std::string(); });
}

// ftfy.fix_and_explain on one segment (a line), with `unescape` already decided.
std::string fix_segment(std::string text, bool unescape) {
  while (true) {
    const std::string orig = text;
    if (unescape) text = unescape_html(text);
    text = fix_mojibake(text);
    std::u32string s = utf8::decode(text);
    // fix_c1_controls
    const CharmapCodec& cp1252 = charmap_codec("sloppy-windows-1252");
    for (char32_t& c : s)
      if (c >= 0x80 && c <= 0x9F) c = cp1252.decode(static_cast<unsigned char>(c));
    fix_latin_ligatures(s);
    fix_character_width(s);
    uncurl_quotes(s);
    fix_line_breaks(s);
    // (fix_surrogates has nothing to do: UTF-8 cannot hold lone surrogates.)
    text = remove_terminal_escapes(utf8::encode(s));
    s = utf8::decode(text);
    remove_control_chars(s);
    text = normalize(utf8::encode(s), /*compat=*/false);
    if (text == orig) return text;
  }
}

}  // namespace

std::string unescape_html(const std::string& input) {
  static const Regex entity("&#?[0-9A-Za-z]{1,24};", Regex::kUnicode);
  if (input.find('&') == std::string::npos) return input;
  return entity.replace(utf8::encode(utf8::decode(input)), [](std::string_view m) -> std::string {
    const std::string_view name = m.substr(1, m.size() - 2);
    if (const char* value = html_entity(name)) return value;
    if (m.size() > 2 && m[1] == '#') {
      if (auto decoded = unescape_numeric(m.substr(1))) return utf8::encode(*decoded);
    }
    return std::string(m);
  });
}

std::string fix_text(const std::string& input) {
  const std::string text = utf8::encode(utf8::decode(input));
  std::string out;
  bool unescape = true;  // ftfy's unescape_html="auto": off from the first line with '<' on
  size_t pos = 0;
  while (pos < text.size()) {
    size_t brk = text.find('\n', pos);
    brk = brk == std::string::npos ? text.size() : brk + 1;
    const std::string segment = text.substr(pos, brk - pos);
    if (segment.find('<') != std::string::npos) unescape = false;
    out += fix_segment(segment, unescape);
    pos = brk;
  }
  return out;
}

std::string whitespace_clean(const std::string& text) {
  const std::u32string s = utf8::decode(text);
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char32_t c : s) {
    if (is_python_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
    utf8::append(out, c);
  }
  return out;
}

std::string to_lower(const std::string& text) {
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(text);
  s.toLower(icu::Locale::getRoot());
  std::string out;
  s.toUTF8String(out);
  return out;
}

std::string clip_clean_text(const std::string& text) { return to_lower(whitespace_clean(fix_text(text))); }

}  // namespace mrti
