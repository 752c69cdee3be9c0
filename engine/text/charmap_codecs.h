#pragma once
// The single-byte encodings ftfy tries when it undoes mojibake, in its order of
// preference. "sloppy-" codecs are Windows code pages where undefined bytes pass through
// as the Latin-1 character, and byte 0x1A stands for U+FFFD.
#include <array>
#include <optional>
#include <string>

namespace mrti {

struct CharmapCodec {
  const char* name;
  bool sloppy;
  char32_t byte_1a;                    // what byte 0x1A decodes to
  std::array<char32_t, 128> high;      // bytes 0x80..0xFF

  char32_t decode(unsigned char b) const { return b >= 0x80 ? high[b - 0x80] : (b == 0x1A ? byte_1a : b); }
  // The byte for `c`, or nullopt when the codec cannot represent it.
  std::optional<unsigned char> encode(char32_t c) const;
};

// latin-1, sloppy-windows-1252, -1251, -1250, -1253, -1254, iso-8859-2, macroman, cp437.
const std::array<CharmapCodec, 9>& charmap_codecs();
const CharmapCodec& charmap_codec(const std::string& name);  // throws std::out_of_range

}  // namespace mrti
