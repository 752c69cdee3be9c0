#pragma once
// UTF-8 <-> code points. Text cleaning works on code points because ftfy's rules are
// written per character (Python str semantics); everything else passes UTF-8 around.
#include <optional>
#include <string>
#include <string_view>

namespace mrti::utf8 {

// Invalid sequences become U+FFFD, one per bad byte. (Python never holds such text, so
// this only has to be safe, not identical to any codec's error handling.)
std::u32string decode(std::string_view bytes);

// Strict decoding as Python's "utf-8" codec: no overlongs, no surrogates, nothing past
// U+10FFFF. With `variants`, also CESU-8 surrogate pairs and the Java null C0 80 (ftfy's
// "utf-8-variants"). nullopt when the bytes are not valid.
std::optional<std::u32string> decode_strict(std::string_view bytes, bool variants = false);

std::string encode(std::u32string_view text);
void append(std::string& out, char32_t c);

}  // namespace mrti::utf8
