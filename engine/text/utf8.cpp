#include "text/utf8.h"

namespace mrti::utf8 {
namespace {

// Length and validity of the well-formed sequence starting at s[i] (Unicode table 3-7);
// 0 when it is not well formed.
size_t sequence_length(std::string_view s, size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  auto cont = [&](size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    if (i + k >= s.size()) return false;
    const auto b = static_cast<unsigned char>(s[i + k]);
    return b >= lo && b <= hi;
  };
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[i + k]) & 0x3Fu; };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1)) return 0;
    cp = (char32_t(b0 & 0x1F) << 6) | byte(1);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
    if (!cont(1, lo, hi) || !cont(2)) return 0;
    cp = (char32_t(b0 & 0x0F) << 12) | (char32_t(byte(1)) << 6) | byte(2);
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (!cont(1, lo, hi) || !cont(2) || !cont(3)) return 0;
    cp = (char32_t(b0 & 0x07) << 18) | (char32_t(byte(1)) << 12) | (char32_t(byte(2)) << 6) | byte(3);
    return 4;
  }
  return 0;
}

}  // namespace

std::u32string decode(std::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    char32_t cp = 0;
    const size_t n = sequence_length(bytes, i, cp);
    if (n == 0) {
      out.push_back(0xFFFD);
      ++i;
    } else {
      out.push_back(cp);
      i += n;
    }
  }
  return out;
}

std::optional<std::u32string> decode_strict(std::string_view bytes, bool variants) {
  std::u32string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    if (variants && b0 == 0xC0 && i + 1 < bytes.size() && static_cast<unsigned char>(bytes[i + 1]) == 0x80) {
      out.push_back(0);
      i += 2;
      continue;
    }
    if (variants && b0 == 0xED && i + 5 < bytes.size()) {
      // CESU-8: a UTF-16 surrogate pair, each half encoded as three bytes.
      auto at = [&](size_t k) { return static_cast<unsigned char>(bytes[i + k]); };
      if (at(1) >= 0xA0 && at(1) <= 0xAF && at(2) >= 0x80 && at(2) <= 0xBF && at(3) == 0xED &&
          at(4) >= 0xB0 && at(4) <= 0xBF && at(5) >= 0x80 && at(5) <= 0xBF) {
        const char32_t hi = 0xD000 | (char32_t(at(1) & 0x3F) << 6) | (at(2) & 0x3F);
        const char32_t lo = 0xD000 | (char32_t(at(4) & 0x3F) << 6) | (at(5) & 0x3F);
        out.push_back(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
        i += 6;
        continue;
      }
    }
    char32_t cp = 0;
    const size_t n = sequence_length(bytes, i, cp);
    if (n == 0) return std::nullopt;
    out.push_back(cp);
    i += n;
  }
  return out;
}

void append(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string encode(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append(out, c);
  return out;
}

}  // namespace mrti::utf8
