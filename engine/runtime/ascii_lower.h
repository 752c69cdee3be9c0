#pragma once
// ASCII lower case, for file extensions, keywords and names compared without case (the
// locale-free std::tolower of the "C" locale; other bytes pass through).
#include <cctype>
#include <string>

namespace mrti {

inline std::string ascii_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace mrti
