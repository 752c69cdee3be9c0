#include "text/mojibake.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <vector>

#include "text/charmap_codecs.h"
#include "text/regex.h"
#include "text/utf8.h"

namespace mrti {
namespace {

using text_detail::Regex;

// ftfy's MOJIBAKE_CATEGORIES (badness.py) as PCRE2 class contents. Note the
// characters are grouped by how they appear in mojibake, not by Unicode category.
const std::string kCommon = R"(\x{a0}\x{ad}\x{b7}\x{b4}\x{2013}\x{2014}\x{2015}\x{2026}\x{2019})";
const std::string kC1 = R"(\x{80}-\x{9f})";
const std::string kBad =
    R"(\x{a6}\x{a4}\x{a8}\x{ac}\x{af}\x{b8}\x{192}\x{2c6}\x{2c7}\x{2d8}\x{2db}\x{2dc}\x{2020}\x{2021})"
    R"(\x{2030}\x{2310}\x{25ca}\x{fffd}\x{aa}\x{ba})";
const std::string kLaw = R"(\x{b6}\x{a7})";
const std::string kCurrency = R"(\x{a2}\x{a3}\x{a5}\x{20a7}\x{20ac})";
const std::string kStartPunct =
    R"(\x{a1}\x{ab}\x{bf}\x{a9}\x{384}\x{385}\x{2018}\x{201a}\x{201c}\x{201e}\x{2022}\x{2039}\x{f8ff})";
const std::string kEndPunct = R"(\x{ae}\x{bb}\x{2dd}\x{201d}\x{203a}\x{2122})";
const std::string kNumeric =
    R"(\x{b2}\x{b3}\x{b9}\x{b1}\x{bc}\x{bd}\x{be}\x{d7}\x{b5}\x{f7}\x{2044}\x{2202}\x{2206}\x{220f})"
    R"(\x{2211}\x{221a}\x{221e}\x{2229}\x{222b}\x{2248}\x{2260}\x{2261}\x{2264}\x{2265}\x{2116})";
const std::string kKaomoji = R"(\x{d2}-\x{d6}\x{d9}-\x{dc}\x{f2}-\x{f6}\x{f8}-\x{fc}\x{150}\x{14c}\x{16a}\x{172}\x{b0})";
const std::string kUpperAccented =
    R"(\x{c0}-\x{d1}\x{d8}\x{dc}\x{dd}\x{102}\x{100}\x{104}\x{106}\x{10c}\x{10e}\x{110}\x{118}\x{11a})"
    R"(\x{112}\x{116}\x{11e}\x{122}\x{130}\x{12a}\x{136}\x{139}\x{13d}\x{141}\x{13b}\x{143}\x{147}\x{145})"
    R"(\x{152}\x{158}\x{15a}\x{15e}\x{160}\x{162}\x{164}\x{16e}\x{170}\x{178}\x{179}\x{17b}\x{17d}\x{490})";
const std::string kLowerAccented =
    R"(\x{df}\x{e0}-\x{f1}\x{103}\x{105}\x{101}\x{107}\x{10d}\x{10f}\x{111}\x{119}\x{11b}\x{113}\x{117})"
    R"(\x{11f}\x{123}\x{12f}\x{12b}\x{137}\x{13a}\x{13e}\x{142}\x{13c}\x{153}\x{155}\x{15b}\x{15f}\x{161})"
    R"(\x{165}\x{fc}\x{17a}\x{17c}\x{17e}\x{491}\x{fb01}\x{fb02})";
const std::string kUpperCommon =
    R"(\x{de}\x{391}-\x{3a9}\x{386}\x{388}\x{389}\x{38a}\x{38c}\x{38e}\x{38f}\x{3aa}\x{3ab}\x{401}-\x{42f})";
const std::string kLowerCommon = R"(\x{3b1}-\x{3c9}\x{3ac}\x{3ad}\x{3ae}\x{3af}\x{3b0}\x{430}-\x{45f})";
const std::string kBox =
    R"(\x{2502}\x{250c}\x{2510}\x{2518}\x{251c}\x{2524}\x{252c}\x{253c}\x{2550}-\x{256c}\x{2580}\x{2584})"
    R"(\x{2588}\x{258c}\x{2590}\x{2591}\x{2592}\x{2593})";

// Python's \s also covers U+1C..U+1F and U+85, PCRE2's does not.
const std::string kSpace = R"([\s\x{1c}-\x{1f}\x{85}])";

std::string cls(std::initializer_list<std::string> parts) {
  std::string s = "[";
  for (const auto& p : parts) s += p;
  return s + "]";
}

// ftfy's BADNESS_RE: pairs and triples of characters that are far likelier to come
// from a wrong decoding than from a writer.
const Regex& badness_re() {
  static const Regex re = [] {
    const std::string la = kLowerAccented, ua = kUpperAccented, sp = kStartPunct, ep = kEndPunct;
    const std::string arabic = cls({kCommon, kCurrency, kBad, kNumeric, sp, "ŸŠ®°µ»"});
    std::vector<std::string> alt = {
        cls({kC1}),
        cls({kBad, la, ua, kBox, sp, ep, kCurrency, kNumeric, kLaw}) + cls({kBad}),
        "[a-zA-Z]" + cls({kLowerCommon, kUpperCommon}) + cls({kBad}),
        cls({kBad}) + cls({la, ua, kBox, sp, ep, kCurrency, kNumeric, kLaw}),
        cls({la, kLowerCommon, kBox, ep, kCurrency, kNumeric}) + cls({ua}),
        cls({kBox, ep, kCurrency, kNumeric}) + cls({la}),
        cls({la, kBox, ep}) + cls({kCurrency}),
        kSpace + cls({ua}) + cls({kCurrency}),
        cls({ua, kBox}) + cls({kNumeric, kLaw}),
        cls({la, ua, kBox, kCurrency, ep}) + cls({sp}) + cls({kNumeric}),
        cls({la, ua, kCurrency, kNumeric, kBox, kLaw}) + cls({ep}) + cls({sp}),
        cls({kCurrency, kNumeric, kBox}) + cls({sp}),
        "[a-z]" + cls({ua}) + cls({sp, kCurrency}),
        cls({kBox}) + cls({kKaomoji}),
        cls({la, ua, kCurrency, kNumeric, sp, ep, kLaw}) + cls({kBox}),
        cls({kBox}) + cls({ep}),
        cls({la, ua}) + cls({sp, ep}) + R"(\w)",
        "[Œœ][^A-Za-z]",                        // the ligature œ not followed by a Latin letter
        cls({ua}) + "°",                         // degree signs after capital letters
        cls({"ÂÃÎÐ"}) + cls({R"(€œŠš¢£Ÿž\x{a0}\x{ad}®©°·»)", sp, ep, "–—´"}),
        "×[²³]",
        "[ØÙ]" + arabic + "[ØÙ]" + arabic,       // Windows-1252 mojibake of Arabic
        "à[²µ¹¼½¾]",                             // ... of some South Asian alphabets
        "√[±∂†≠®™´≤≥¥µø]",                       // MacRoman mojibake
        "≈[°¢]",
        "‚Ä[ìîïòôúùû†°¢π]",
        "‚[âó][àä°ê]",
        "вЂ",                                    // Windows-1251 mojibake of U+2000..
        "[ВГРС]" + cls({kC1, kBad, sp, ep, kCurrency, "°µ"}) + "[ВГРС]",
        "ГўВЂВ.[A-Za-z ]",
        R"(Ã[\x{a0}¡])",                         // Windows-1252 mojibake of à, á, and U+A0
        "[a-z]" + kSpace + "?[ÃÂ][ ]",
        "^[ÃÂ][ ]",
        cls({"a-z.,?!", ep}) + "Â" + cls({" ", sp, ep}),
        R"(β€[™\x{a0}Ά\x{ad}®°])",               // Windows-1253 mojibake of U+2000..
        "[ΒΓΞΟ]" + cls({kC1, kBad, sp, ep, kCurrency, "°"}) + "[ΒΓΞΟ]",
    };
    std::string pattern;
    for (const auto& a : alt) pattern += (pattern.empty() ? "" : "|") + a;
    return Regex(pattern, Regex::kUnicode);
  }();
  return re;
}

// The codecs whose 0x80..0xFF characters ftfy's UTF8_CLUES are drawn from (the
// Latin-1-like ones; not iso-8859-2, MacRoman or cp437).
constexpr int kLatinLikeCodecs = 6;

std::string class_of(const std::set<char32_t>& chars) {
  std::string s;
  for (char32_t c : chars) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "\\x{%x}", static_cast<unsigned>(c));
    s += buf;
  }
  return s;
}

// ftfy's UTF8_DETECTOR_RE: runs of characters that look like UTF-8 lead bytes followed
// by continuation bytes, as some Latin-1-like codec decoded them, not preceded by a
// continuation-like character.
const Regex& utf8_detector_re() {
  static const Regex re = [] {
    std::set<char32_t> first2, first3, first4, cont;
    for (int k = 0; k < kLatinLikeCodecs; ++k) {
      const CharmapCodec& codec = charmap_codecs()[k];
      for (int b = 0xC2; b <= 0xDF; ++b) first2.insert(codec.decode(b));
      for (int b = 0xE0; b <= 0xEF; ++b) first3.insert(codec.decode(b));
      first4.insert(codec.decode(0xF0));
      first4.insert(codec.decode(0xF3));
      for (int b = 0x80; b <= 0xBF; ++b) {
        cont.insert(codec.decode(b));
        cont.insert(static_cast<char32_t>(b));
      }
    }
    // Dashes, quotes, bullets and ellipses often stand for themselves next to mojibake.
    std::set<char32_t> strict = cont;
    for (char32_t c : {0x2013, 0x2014, 0x2015, 0x2018, 0x2019, 0x201A, 0x201C, 0x201D, 0x201E, 0x2022, 0x2026})
      strict.erase(c);
    cont.insert(U' ');  // a space may have replaced U+A0
    const std::string c = "[" + class_of(cont) + "]";
    const std::string pattern = "(?<![" + class_of(strict) + "])(?:[" + class_of(first2) + "]" + c + "|[" +
                                class_of(first3) + "]" + c + "{2}|[" + class_of(first4) + "]" + c + "{3})+";
    return Regex(pattern, Regex::kUnicode);
  }();
  return re;
}

// A UTF-8 sequence that would be valid had some program not turned byte A0 into a space.
const Regex& altered_utf8_re() {
  static const Regex re(
      R"([\xc2\xc3\xc5\xce\xd0\xd9][ ])"
      R"(|[\xe2\xe3][ ][\x80-\x84\x86-\x9f\xa1-\xbf])"
      R"(|[\xe0-\xe3][\x80-\x84\x86-\x9f\xa1-\xbf][ ])"
      R"(|[\xf0][ ][\x80-\xbf][\x80-\xbf])"
      R"(|[\xf0][\x80-\xbf][ ][\x80-\xbf])"
      R"(|[\xf0][\x80-\xbf][\x80-\xbf][ ])",
      Regex::kBytes);
  return re;
}

// "Ã " as a word is "à " (French "à la"), except in a few Portuguese contractions.
const Regex& a_grave_word_re() {
  static const Regex re(R"(\xc3 (?! |quele|quela|quilo|s ))", Regex::kBytes);
  return re;
}

// UTF-8 sequences whose lost bytes a sloppy codec turned into 0x1A (or '?').
const Regex& lossy_utf8_re() {
  static const Regex re(
      R"([\xc2-\xdf][\x1a])"
      R"(|[\xc2-\xc3][?])"
      R"(|\xed[\xa0-\xaf][\x1a?]\xed[\xb0-\xbf][\x1a?\x80-\xbf])"
      R"(|\xed[\xa0-\xaf][\x1a?\x80-\xbf]\xed[\xb0-\xbf][\x1a?])"
      R"(|[\xe0-\xef][\x1a?][\x1a\x80-\xbf])"
      R"(|[\xe0-\xef][\x1a\x80-\xbf][\x1a?])"
      R"(|[\xf0-\xf4][\x1a?][\x1a\x80-\xbf][\x1a\x80-\xbf])"
      R"(|[\xf0-\xf4][\x1a\x80-\xbf][\x1a?][\x1a\x80-\xbf])"
      R"(|[\xf0-\xf4][\x1a\x80-\xbf][\x1a\x80-\xbf][\x1a?])"
      R"(|\x1a)",
      Regex::kBytes);
  return re;
}

std::string restore_byte_a0(const std::string& bytes) {
  std::string out = a_grave_word_re().replace(bytes, [](std::string_view) { return std::string("\xc3\xa0 "); });
  return altered_utf8_re().replace(out, [](std::string_view m) {
    std::string s(m);
    std::replace(s.begin(), s.end(), ' ', '\xa0');
    return s;
  });
}

std::string replace_lossy_sequences(const std::string& bytes) {
  return lossy_utf8_re().replace(bytes, [](std::string_view) { return std::string("\xef\xbf\xbd"); });
}

std::optional<std::string> encode_with(const std::u32string& text, const CharmapCodec& codec) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    auto b = codec.encode(c);
    if (!b) return std::nullopt;
    out.push_back(static_cast<char>(*b));
  }
  return out;
}

bool is_ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Windows-1252 proper leaves these bytes undefined.
bool strict_cp1252_undefined(unsigned char b) {
  return b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D;
}

std::string fix_c1_controls(const std::u32string& text) {
  const CharmapCodec& cp1252 = charmap_codec("sloppy-windows-1252");
  std::u32string out(text);
  for (char32_t& c : out)
    if (c >= 0x80 && c <= 0x9F) c = cp1252.decode(static_cast<unsigned char>(c));
  return utf8::encode(out);
}

std::string decode_inconsistent_utf8(const std::string& text);

// ftfy's _fix_encoding_one_step_and_explain.
std::string fix_one_step(const std::string& text) {
  if (text.empty() || is_ascii(text) || !looks_like_mojibake(text)) return text;
  const std::u32string chars = utf8::decode(text);

  bool latin1_possible = false;
  for (const CharmapCodec& codec : charmap_codecs()) {
    auto encoded = encode_with(chars, codec);
    if (!encoded) continue;
    if (std::string(codec.name) == "latin-1") latin1_possible = true;
    std::string bytes = *encoded;
    if (std::string(codec.name) != "macroman" && altered_utf8_re().search(bytes)) bytes = restore_byte_a0(bytes);
    if (codec.sloppy) bytes = replace_lossy_sequences(bytes);
    const bool variants = bytes.find('\xed') != std::string::npos || bytes.find('\xc0') != std::string::npos;
    if (auto fixed = utf8::decode_strict(bytes, variants)) return utf8::encode(*fixed);
  }

  if (utf8_detector_re().search(text)) {
    std::string fixed = decode_inconsistent_utf8(text);
    if (fixed != text) return fixed;
  }

  // Latin-1 that was meant as Windows-1252: its C1 controls are Windows punctuation.
  // (ftfy tests for "windows-1252" among the candidate codecs, a name that is never
  // there, so this branch always tries the strict Windows-1252 decoding.)
  if (latin1_possible) {
    bool decodable = true;
    for (char32_t c : chars)
      if (c >= 0x80 && c <= 0x9F && strict_cp1252_undefined(static_cast<unsigned char>(c))) decodable = false;
    if (decodable) {
      std::string fixed = fix_c1_controls(chars);
      if (fixed != text) return fixed;
    }
  }

  if (std::any_of(chars.begin(), chars.end(), [](char32_t c) { return c >= 0x80 && c <= 0x9F; }))
    return fix_c1_controls(chars);
  return text;
}

std::string decode_inconsistent_utf8(const std::string& text) {
  const size_t text_len = utf8::decode(text).size();
  return utf8_detector_re().replace(text, [&](std::string_view m) {
    std::string sub(m);
    // Only strictly shorter pieces, so that this cannot recurse forever.
    if (utf8::decode(sub).size() < text_len && looks_like_mojibake(sub)) return fix_mojibake(sub);
    return sub;
  });
}

}  // namespace

bool looks_like_mojibake(const std::string& text) {
  return badness_re().search(utf8::encode(utf8::decode(text)));
}

std::string fix_mojibake(const std::string& input) {
  std::string text = utf8::encode(utf8::decode(input));
  while (true) {
    std::string next = fix_one_step(text);
    if (next == text) return text;
    text = std::move(next);
  }
}

}  // namespace mrti
